"""Sound features two rooms share: the one spectral path (spectral) and the pretrained SoundNet-8 (soundnet). Chen et
al.'s five representations and Wan et al.'s condition vectors live in their rooms."""
