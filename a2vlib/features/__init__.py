"""Pretrained audio feature extractors (SoundNet-8) used to condition and judge the kit's models."""
