"""Sound features: the one spectral path (spectral), Chen et al.'s five representations (representations), Wan et
al.'s conditioning sound vectors (conditioning) and the pretrained SoundNet-8 (soundnet)."""
