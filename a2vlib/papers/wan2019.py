"""Figures from Wan, Chuang & Lee (2019), "Towards audio to scene image synthesis using generative adversarial
network" (ICASSP 2019): the cleaned SoundNet data set (§3, Table 1), the training set-up (§5), the Inception Scores of
the sound features (Table 2) and of the ablation ladder (Table 4), and the human evaluations (Tables 5 and 6).

Shares are fractions (``DISCARD_SHARE.value == 0.78``); ``text`` then holds what the paper prints ("78%").
"""
from __future__ import annotations

from a2vlib.papers import Quote

CITATION = ("C.-H. Wan, S.-P. Chuang, H.-Y. Lee, \"Towards audio to scene image synthesis using generative "
            "adversarial network\", ICASSP 2019")
TEXT_FILE = "wan2019-audio-to-scene-image-synthesis.md"  # the paper's text, under shared/papers/

# ---- §3 Dataset -------------------------------------------------------------------------------------------------

#: Table 1, "Number of training data in different classes": sound-image pairs kept per SoundNet class.
TABLE1: dict[str, Quote] = {
    "plane": Quote(2803, "Table 1"),
    "speedboat": Quote(900, "Table 1"),
    "guitar": Quote(207, "Table 1"),
    "piano": Quote(1899, "Table 1"),
    "drum": Quote(259, "Table 1"),
    "dog": Quote(264, "Table 1"),
    "dam": Quote(584, "Table 1"),
    "baseball": Quote(1708, "Table 1"),
    "soccer": Quote(2077, "Table 1"),
}
TRAIN_PAIRS = Quote(10701, "§3")  # the sum of Table 1, printed "10701" in the text
TEST_SEGMENTS = Quote(248, "§3")  # sound segments for testing (no per-class split is printed)
N_CLASSES = Quote(9, "§3", text="nine classes")
DISCARD_SHARE = Quote(0.78, "§3", text="78%")  # pairs whose SoundNet and Inception classes disagree
IMAGE_SIZE = Quote(64, "§3", text="64*64")  # screenshots resized to 64x64
CLIP_SECONDS = Quote(30, "§3", text="around 30 seconds")  # "most" sound segment files; not a fixed length

# ---- §5 Experiments: the set-up ----------------------------------------------------------------------------------

G_LAYERS = Quote(4, "§5", text="four deconvolution layers")
D_LAYERS = Quote(4, "§5", text="four convolution layers")
# "We train generator five times per each update of discriminator": 5 G steps per D step (the reverse of WGAN's).
G_STEPS_PER_D = Quote(5, "§5", text="five times per each update of discriminator")
# 266 is the generator's *input*: the condition (256-d SoundNet feature) concatenated with z (10-d). The name is the
# kit's; the paper's condition vector alone is SOUNDNET_DIM.
COND_DIM = Quote(266, "§5", text="input dimension is 266")
SOUNDNET_DIM = Quote(256, "§5", text="256-dimension SoundNet feature")
Z_DIM = Quote(10, "§5", text="10-dimension z")
LEARNING_RATE = Quote(0.0002, "§5")  # Adam; no betas are printed
EPOCHS = Quote(300, "§5", text="300 epochs")
SOUNDNET_LAYER = Quote(18, "§5.1", text="18-th hidden layer")  # the SoundNet feature of Table 2 and after
IS_SPLITS = Quote(10, "§5.1", text="ten folds")  # Inception Score: mean and std over ten folds of the test images

# ---- §5.1 Table 2: Inception Score (mean ± std over the folds) per sound feature ---------------------------------

TABLE2: dict[str, Quote] = {
    "spectrogram": Quote(2.16, "Table 2", spread=0.29),
    "fbank": Quote(2.12, "Table 2", spread=0.32),
    "mfcc": Quote(1.21, "Table 2", spread=0.09),
    "soundnet": Quote(2.70, "Table 2", spread=0.73),
}
#: Table 2's row names as printed.
TABLE2_FEATURES: dict[str, str] = {"spectrogram": "Spectrogram", "fbank": "Fbank", "mfcc": "MFCCs",
                                   "soundnet": "SoundNet"}

# ---- §5.3 Table 3: the volume study -----------------------------------------------------------------------------

# Table 3 is a grid of images; "the numbers in the table is the relative loudness to the original sound", but those
# numbers are printed inside the figure, not in the text. Nothing is quoted, so nothing is invented: the gains the
# kit uses are its own choice (a2vlib/studies/wan2019/volume.py).
VOLUME_GAINS: tuple[Quote, ...] = ()

# ---- §5.4 Table 4: Inception Score (mean ± std) of the ablation ladder ------------------------------------------

TABLE4: dict[str, Quote] = {
    "a": Quote(4.44, "Table 4", spread=1.91),  # real train and test images: the upper bound
    "b": Quote(1.42, "Table 4", spread=0.13),
    "c": Quote(2.21, "Table 4", spread=0.38),
    "d": Quote(2.45, "Table 4", spread=0.48),
    "e": Quote(2.49, "Table 4", spread=0.51),
    "f": Quote(2.61, "Table 4", spread=0.41),
    "g": Quote(2.83, "Table 4", spread=0.53),  # the full model; also "2.83" in §5.4's text
}
#: Table 4's row names as printed (after the row letter "(a) ").
TABLE4_MODELS: dict[str, str] = {
    "a": "Upper bound",
    "b": "Improved WGAN",
    "c": "Conditional GAN",
    "d": "+ Spectral Norm",
    "e": "+ Hinge Loss",
    "f": "+ Projection Discriminator",
    "g": "+ Auxiliary Classifier",
}

# ---- §5.5 Human evaluation ---------------------------------------------------------------------------------------

#: Table 5, "Human scores on different models": the average rating (1 to 5) of ten people, for the rungs d..g.
TABLE5_HUMAN: dict[str, Quote] = {
    "d": Quote(1.90, "Table 5"),
    "e": Quote(2.74, "Table 5"),
    "f": Quote(3.16, "Table 5"),
    "g": Quote(3.70, "Table 5"),
}
#: Table 5's row names as printed (row d is named differently from Table 4's).
TABLE5_MODELS: dict[str, str] = {
    "d": "Conditional GAN with spectral norm",
    "e": "+ Hinge Loss",
    "f": "+ Projection Discriminator",
    "g": "+ Auxiliary Classifier",
}
HUMAN_RATERS = Quote(10, "§5.5.1", text="ten people")
HUMAN_SCALE_MAX = Quote(5, "§5.5.1", text="rate from 1 to 5")

#: Table 6, "Human scores on correlation between sounds and images": shares of the choices (the paper prints
#: percentages). Positive: the image made from the heard sound; negative: the one from another class' sound.
TABLE6: dict[str, Quote] = {
    "positive": Quote(0.73, "Table 6", text="73"),
    "negative": Quote(0.11, "Table 6", text="11"),
    "neither": Quote(0.16, "Table 6", text="16"),
}
