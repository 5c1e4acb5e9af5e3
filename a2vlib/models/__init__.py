"""Networks: classifiers (judges and cleaners) and the S2I, I2S and V2RA GANs."""
