"""Figures from Chen, Srivastava, Duan & Xu (2017), "Deep cross-modal audio-visual generation" (ACM Multimedia
Thematic Workshops 2017): the Sub-URMP and INIS data sets (§4, Tables 2 and 3), the sound representations and their
classifier (§3.3, Table 1), the network sizes (§3.1), and the evaluations of S2I (§5.2, Table 5) and I2S (§5.4).

Accuracies and shares are fractions (``TABLE1["LMS"][4].value == 0.8744``); ``text`` holds what the paper prints
("87.44 %"). The paper's Table 4 (the meaning of the human scores 0..3) is not in the text, so it is not quoted.
"""
from __future__ import annotations

from a2vlib.papers import Quote

CITATION = ("L. Chen, S. Srivastava, Z. Duan, C. Xu, \"Deep cross-modal audio-visual generation\", Thematic "
            "Workshops of ACM Multimedia 2017, pp. 349-357")
TEXT_FILE = "chen2017-deep-cross-modal-audio-visual-generation.md"  # the paper's text, under shared/papers/

# ---- §3.1 Networks -----------------------------------------------------------------------------------------------

ENCODING_DIM = Quote(128, "§3.1", text="sound encoding vector of size 128")  # the classifier's FC output
COMPRESSED_DIM = Quote(64, "§3.1", text="compressed to a vector of size 64")  # φ(A), after FC + leaky ReLU
IMAGE_SIZE = Quote(64, "§3.1", text="64x64x3")  # S2I output
# I2S works on 128x34 spectrograms; ground truth (128x44) is numpy-resized to it and back. The text never says
# that the 128 rows are mel bands; it only gives the sizes.
SPEC_ROWS = Quote(128, "§3.1", text="128x44")
SPEC_FRAMES = Quote(44, "§3.1", text="128x44")  # ground-truth LMS frames of a 0.5 s chunk
I2S_SPEC_FRAMES = Quote(34, "§3.1", text="128x34")  # what the I2S generator outputs and its discriminator takes
I2S_EXTRA_G_LAYERS = Quote(2, "§3.1", text="two layers to the generator network")
I2S_EXTRA_D_LAYERS = Quote(12, "§3.1", text="12 layers to the discriminator network")

# ---- §3.3 Sound encoder ------------------------------------------------------------------------------------------

SAMPLE_RATE = Quote(44100, "§3.3")  # "44,100 Hz"; §4 repeats it as "44.1 kHz"
N_FFT = Quote(2048, "§3.3", text="2048-point FFT window")
HOP = Quote(512, "§3.3", text="512-point hop size")
AUDIO_CONV_LAYERS = Quote(4, "§3.3", text="four convolutional layers and three fully connected layers")
L2_PENALTY = Quote(0.015, "§3.3")  # on the fully connected layers
# "dropout (0.7 and 0.8 respectively) to the last two layers": whether these are keep or drop probabilities is not
# said (0.7/0.8 read as TensorFlow keep_prob is the likelier reading).
DROPOUT: dict[str, Quote] = {
    "fc2": Quote(0.7, "§3.3", text="dropout (0.7 and 0.8 respectively)"),
    "fc3": Quote(0.8, "§3.3", text="dropout (0.7 and 0.8 respectively)"),
}

#: Table 1, "Accuracy of audio classifier": instrument-classification accuracy per representation (the paper's
#: columns: MS, LMS, CQT, MFCC, STFT) for the CNN with 3 or 4 conv layers (its rows "3 layers", "4 layers").
#: The split it is measured on is not said.
TABLE1: dict[str, dict[int, Quote]] = {
    "STFT": {3: Quote(0.7405, "Table 1", text="74.05%"), 4: Quote(0.7573, "Table 1", text="75.73%")},
    "CQT": {3: Quote(0.7300, "Table 1", text="73.00%"), 4: Quote(0.7778, "Table 1", text="77.78%")},
    "MFCC": {3: Quote(0.8006, "Table 1", text="80.06%"), 4: Quote(0.8105, "Table 1", text="81.05%")},
    "MS": {3: Quote(0.6201, "Table 1", text="62.01%"), 4: Quote(0.6609, "Table 1", text="66.09%")},
    "LMS": {3: Quote(0.8412, "Table 1", text="84.12 %"), 4: Quote(0.8744, "Table 1", text="87.44 %")},
}

# ---- §3.4 Image encoder ------------------------------------------------------------------------------------------

IMAGE_CONV_LAYERS = Quote(6, "§3.4", text="six convolutional layers and three fully connected layers")
IMAGE_CLASSIFIER_ACCURACY = Quote(0.95, "§3.4", text="more than 95 percent")  # a lower bound; §5.2.2: "above 95%"

# ---- §4 Data sets ------------------------------------------------------------------------------------------------

N_INSTRUMENTS = Quote(13, "§4", text="13 musical instrument categories")
N_VIDEOS = Quote(72, "§1", text="72 single-instrument musical performance videos")
TOTAL_PAIRS = Quote(80805, "§1, §4")  # §1 prints "80,805", §4 "80, 805"
CHUNK_SECONDS = Quote(0.5, "§4", text="sliding window is 0.5 seconds")
STRIDE_SECONDS = Quote(0.1, "§4", text="stride is 0.1 seconds")
BIT_DEPTH = Quote(16, "§4", text="bit depth of 16")
TRAIN_VIDEO_SHARE = Quote(0.8, "§4", text="about 80% videos for training")  # split by video, "about"

#: Table 2, "Distribution of image-sound pairs in the Sub-URMP dataset": pairs per instrument in the training and
#: testing sets (the paper's rows "Training set" and "Testing Set").
TABLE2: dict[str, dict[str, Quote]] = {
    "cello": {"train": Quote(9800, "Table 2"), "test": Quote(1030, "Table 2")},
    "double_bass": {"train": Quote(1270, "Table 2"), "test": Quote(1180, "Table 2")},
    "oboe": {"train": Quote(4505, "Table 2"), "test": Quote(390, "Table 2")},
    "sax": {"train": Quote(7615, "Table 2"), "test": Quote(910, "Table 2")},
    "trumpet": {"train": Quote(1015, "Table 2"), "test": Quote(520, "Table 2")},
    "viola": {"train": Quote(6530, "Table 2"), "test": Quote(485, "Table 2")},
    "bassoon": {"train": Quote(1735, "Table 2"), "test": Quote(390, "Table 2")},
    "clarinet": {"train": Quote(8125, "Table 2"), "test": Quote(945, "Table 2")},
    "horn": {"train": Quote(5540, "Table 2"), "test": Quote(145, "Table 2")},
    "flute": {"train": Quote(5690, "Table 2"), "test": Quote(525, "Table 2")},
    "trombone": {"train": Quote(8690, "Table 2"), "test": Quote(925, "Table 2")},
    "tuba": {"train": Quote(3285, "Table 2"), "test": Quote(525, "Table 2")},
    "violin": {"train": Quote(7430, "Table 2"), "test": Quote(945, "Table 2")},
}
#: Table 2's column names as printed.
TABLE2_INSTRUMENTS: dict[str, str] = {k: k.replace("_", " ").title() for k in TABLE2}
# Not printed anywhere: the sums of Table 2. They give 71,230 training and 8,915 testing pairs, 80,145 in all, which is
# 660 short of the text's 80,805 (a "9,575 test pairs" figure is 80,805 - 71,230, not the table's sum).
TABLE2_SUMS: dict[str, int] = {split: int(sum(row[split].value for row in TABLE2.values()))
                               for split in ("train", "test")}

#: Table 3, "Distribution of image-sound pairs in INIS dataset": per instrument, the complete songs the audio comes
#: from and the training and testing pairs. "saxophone" is printed "Saxphone".
TABLE3: dict[str, dict[str, Quote]] = {
    "piano": {"songs": Quote(23, "Table 3"), "train": Quote(766, "Table 3"), "test": Quote(327, "Table 3")},
    "saxophone": {"songs": Quote(7, "Table 3"), "train": Quote(1171, "Table 3"), "test": Quote(500, "Table 3")},
    "violin": {"songs": Quote(21, "Table 3"), "train": Quote(631, "Table 3"), "test": Quote(269, "Table 3")},
    "drum": {"songs": Quote(7, "Table 3"), "train": Quote(1075, "Table 3"), "test": Quote(460, "Table 3")},
    "guitar": {"songs": Quote(19, "Table 3"), "train": Quote(818, "Table 3"), "test": Quote(349, "Table 3")},
}
TABLE3_INSTRUMENTS: dict[str, str] = {"piano": "Piano", "saxophone": "Saxphone", "violin": "Violin", "drum": "Drum",
                                      "guitar": "Guitar"}
INIS_SOLO_PERFORMANCES = Quote(77, "§4", text="77 solo performances")  # = the sum of Table 3's songs
INIS_AUDIO_CHUNKS = Quote(7200, "§4", text="7200 small audio chunks")
INIS_IMAGES_PER_CLASS = Quote(1200, "§4", text="roughly 1200 images")

# ---- §5.1 S2I-A's autoencoder ------------------------------------------------------------------------------------

AUTOENCODER_STACKS = Quote(4, "§5.1", text="We use four stacks")
AUTOENCODER_INPUT = Quote(120, "§5.1", text="120x36")  # its last stack's input, flattened to 128 by an FC layer

# ---- §5.2 Evaluating instrument-oriented S2I ---------------------------------------------------------------------

#: Mean human score (0..3) of the images: S2I-C's and the ground truth's (§5.2.1; the other models are only in Fig. 8).
HUMAN_MEAN: dict[str, Quote] = {
    "S2I-C": Quote(1.81, "§5.2.1", text="S2I-C gets 1.81"),
    "ground_truth": Quote(2.59, "§5.2.1", text="ground-truth gets 2.59"),
}
HUMAN_SETS_PER_INSTRUMENT = Quote(10, "§5.2.1", text="10 sets of images for each instrument")
#: S2I-C's three best-rated instruments (§5.2.1): of 30 images each, how many got 3, how many 2 or more, the mean.
HUMAN_BEST: dict[str, dict[str, Quote]] = {
    "cello": {
        "images": Quote(30, "§5.2.1", text="Out of 30 Cello images"),
        "score3": Quote(18, "§5.2.1", text="18 received highest score of 3"),
        "score2plus": Quote(25, "§5.2.1", text="25 received scores of 2 or above"),
        "mean": Quote(1.9, "§5.2.1", text="Cello images received an average score of 1.9"),
    },
    "flute": {
        "images": Quote(30, "§5.2.1", text="Out of 30 Flute images"),
        "score3": Quote(15, "§5.2.1", text="15 received the highest possible score of 3"),
        "score2plus": Quote(24, "§5.2.1", text="24 received a score of 2 or above"),
        "mean": Quote(2.1, "§5.2.1", text="Flute images also received an average score of 2.1"),
    },
    "double_bass": {
        "images": Quote(30, "§5.2.1", text="Out of 30 Double-Bass images"),
        "score3": Quote(18, "§5.2.1", text="18 received a score of 3"),
        "score2plus": Quote(21, "§5.2.1", text="21 received a score of 2 or more"),
        "mean": Quote(2.02, "§5.2.1", text="Double-Bass images received was 2.02"),
    },
}

#: Table 5, "Classifier-based evaluation accuracy for images": the share of generated images that the image
#: classifier Γ puts in the right instrument, on the training and the testing set. The paper's columns are in the
#: order S2I-C, S2I-A, S2I-N: S2I-A is the 10.63/10.95 one, S2I-N the 12.62/12.32 one.
TABLE5: dict[str, dict[str, Quote]] = {
    "S2I-C": {"train": Quote(0.8737, "Table 5", text="87.37%"), "test": Quote(0.7556, "Table 5", text="75.56%")},
    "S2I-A": {"train": Quote(0.1063, "Table 5", text="10.63%"), "test": Quote(0.1095, "Table 5", text="10.95%")},
    "S2I-N": {"train": Quote(0.1262, "Table 5", text="12.62%"), "test": Quote(0.1232, "Table 5", text="12.32%")},
}

#: Fig. 9's turning points for S2I-C (§5.2.3): accuracy rises until this epoch, then falls sharply until FALL_EPOCH.
PEAK_EPOCH = Quote(35, "§5.2.3", text="up till the 35th epoch")
FALL_EPOCH = Quote(50, "§5.2.3", text="sharply till the 50th epoch")

# ---- §5.4 Evaluating I2S -----------------------------------------------------------------------------------------

# The sound classifier kept as encoder, on real LMS of the test set. Table 1's best (LMS, 4 layers) is 87.44 %; the
# text does not say why the two differ.
LMS_CLASSIFIER_TEST_ACCURACY = Quote(0.80, "§5.4", text="80% on the test set of real")
I2S_ACCURACY = Quote(0.1117, "§5.4", text="11.17%")  # the same classifier on generated LMS
