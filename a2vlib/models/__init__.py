"""Networks: classifiers (judges and cleaners); later the S2I, I2S and V2RA GANs."""
