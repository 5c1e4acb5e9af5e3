"""Figures from Liu, Li & Cheng, "Towards an end-to-end visual-to-raw-audio generation with GAN" (V2RA-GAN, IEEE
TCSVT): the video encoding (§3.1), the generator and discriminator (Tables 1 and 2), the hyper-parameters (§4.2,
Table 3), the two scores ODG and OSG (§4.3, Table 4, eq. 11-12) and the results (Tables 5 to 9).

Table cells are quoted as printed (ODG negative, OSG and its parts non-negative; lower OSG = more similar). Shares
are fractions; ``text`` holds what the paper prints ("15.71%").
"""
from __future__ import annotations

from a2vlib.papers import Quote

CITATION = ("S. Liu, S. Li, H. Cheng, \"Towards an end-to-end visual-to-raw-audio generation with GAN\", IEEE "
            "Transactions on Circuits and Systems for Video Technology")
TEXT_FILE = "liu-v2ra-visual-to-raw-audio-gan.md"  # the paper's text, under shared/papers/

# ---- §3.1 Video encoder, §4.2 sampling ---------------------------------------------------------------------------

SAMPLE_RATE = Quote(44100, "§3.1")  # "44100"; §1 and §4.2 print "44.1 KHz" / "44.1kHz"
VIDEO_FPS = Quote(30, "§4.2", text="30 FPS")
FRAME_SIZE = Quote(256, "§3.1", text="256 × 256 × 3")  # frames reshaped to 256x256x3 before VGG19
FEATURE_DIM = Quote(4096, "§3.1", text="1 × 4096 × 1")  # VGG19 fc6, per frame
SEGMENT_SECONDS = Quote(1, "Fig. 3", text="\\Delta t = 1")  # the worked example's interval (one second per sample)

# ---- §3.2 Table 1: the generator --------------------------------------------------------------------------------

#: Table 1, "The generator architecture of V2RA-GAN", one entry per row in order: the 1-D stride (printed in the
#: operation, "Conv1D (Stride=3)"), the kernel length (the first entry of "Kernel Size" (length, in, out), with
#: channels c and model size d of Table 3) and the output length (the middle entry of "Output Shape"
#: (batch, length, channels)). Seven strided convolutions take 44100 down to 1, seven transposed ones back up, then
#: tanh and the 513-tap "audio filter" (a stride-1 convolution that keeps the length).
#: Misprint in the paper: the decoder's printed lengths mirror the encoder's (1, 7, 49, 245, 1225, 4900, 14700,
#: 44100) but its printed strides (7, 5, 5, 4, 3, 3, 3; product 18900) do not produce them; mirroring the encoder
#: needs 7, 7, 5, 5, 4, 3, 3 (kernels 3x stride: 21, 21, 15, 15, 12, 9, 9). Quoted as printed; a model must choose.
TABLE1_GENERATOR: dict[str, dict[str, Quote]] = {
    "input": {"length": Quote(44100, "Table 1", text="(n,44100)")},
    "conv1": {"stride": Quote(3, "Table 1", text="Conv1D (Stride=3)"),
              "kernel": Quote(9, "Table 1", text="(9,c,d)"),
              "length": Quote(14700, "Table 1", text="(n,14700,d)")},
    "conv2": {"stride": Quote(3, "Table 1", text="Conv1D (Stride=3)"),
              "kernel": Quote(9, "Table 1", text="(9,d,2d)"),
              "length": Quote(4900, "Table 1", text="(n,4900,2d)")},
    "conv3": {"stride": Quote(4, "Table 1", text="Conv1D (Stride=4)"),
              "kernel": Quote(12, "Table 1", text="(12,2d,4d)"),
              "length": Quote(1225, "Table 1", text="(n,1225,4d)")},
    "conv4": {"stride": Quote(5, "Table 1", text="Conv1D (Stride=5)"),
              "kernel": Quote(15, "Table 1", text="(15,4d,8d)"),
              "length": Quote(245, "Table 1", text="(n,245,8d)")},
    "conv5": {"stride": Quote(5, "Table 1", text="Conv1D (Stride=5)"),
              "kernel": Quote(15, "Table 1", text="(15,8d,8d)"),
              "length": Quote(49, "Table 1", text="(n,49,8d)")},
    "conv6": {"stride": Quote(7, "Table 1", text="Conv1D (Stride=7)"),
              "kernel": Quote(21, "Table 1", text="(21,8d,8d)"),
              "length": Quote(7, "Table 1", text="(n,7,8d)")},
    "conv7": {"stride": Quote(7, "Table 1", text="Conv1D (Stride=7)"),
              "kernel": Quote(21, "Table 1", text="(21,8d,8d)"),
              "length": Quote(1, "Table 1", text="(n,1,8d)")},
    "tconv1": {"stride": Quote(7, "Table 1", text="Trans Conv1D (Stride=7)"),
               "kernel": Quote(21, "Table 1", text="(21,8d,8d)"),
               "length": Quote(7, "Table 1", text="(n,7,8d)")},
    "tconv2": {"stride": Quote(5, "Table 1", text="Trans Conv1D (Stride=5)"),
               "kernel": Quote(15, "Table 1", text="(15,8d,8d)"),
               "length": Quote(49, "Table 1", text="(n,49,8d)")},
    "tconv3": {"stride": Quote(5, "Table 1", text="Trans Conv1D (Stride=5)"),
               "kernel": Quote(15, "Table 1", text="(15,8d,8d)"),
               "length": Quote(245, "Table 1", text="(n,245,8d)")},
    "tconv4": {"stride": Quote(4, "Table 1", text="Trans Conv1D (Stride=4)"),
               "kernel": Quote(12, "Table 1", text="(12,8d,4d)"),
               "length": Quote(1225, "Table 1", text="(n,1225,4d)")},
    "tconv5": {"stride": Quote(3, "Table 1", text="Trans Conv1D (Stride=3)"),
               "kernel": Quote(9, "Table 1", text="(9,4d,2d)"),
               "length": Quote(4900, "Table 1", text="(n,4900,2d)")},
    "tconv6": {"stride": Quote(3, "Table 1", text="Trans Conv1D (Stride=3)"),
               "kernel": Quote(9, "Table 1", text="(9,2d,d)"),
               "length": Quote(14700, "Table 1", text="(n,14700,d)")},
    "tconv7": {"stride": Quote(3, "Table 1", text="Trans Conv1D (Stride=3)"),
               "kernel": Quote(9, "Table 1", text="(9,d,c)"),
               "length": Quote(44100, "Table 1", text="(n,44100,c)")},
    "tanh": {"length": Quote(44100, "Table 1", text="(n,44100,c)")},
    "filter": {"stride": Quote(1, "Table 1", text="Conv1D (Stride=1)"),
               "kernel": Quote(513, "Table 1", text="(513,c,c)"),
               "length": Quote(44100, "Table 1", text="(n,44100,c)")},
}
AUDIO_FILTER_TAPS = Quote(513, "§3.2", text="long window (513 samples)")  # = TABLE1_GENERATOR["filter"]["kernel"]

#: Table 2, "The discriminator architecture of V2RA-GAN", laid out as Table 1. Its input is the real or generated
#: audio stacked with the condition V (2c channels); the output is a 687-long map of scores, not one scalar.
TABLE2_DISCRIMINATOR: dict[str, dict[str, Quote]] = {
    "input": {"length": Quote(44100, "Table 2", text="(n,44100,2c)")},
    "conv1": {"stride": Quote(4, "Table 2", text="Conv1D (Stride=4)"),
              "kernel": Quote(16, "Table 2", text="(16,2c,d)"),
              "length": Quote(11025, "Table 2", text="(n,11025,d)")},
    "conv2": {"stride": Quote(4, "Table 2", text="Conv1D (Stride=4)"),
              "kernel": Quote(16, "Table 2", text="(16,d,2d)"),
              "length": Quote(2756, "Table 2", text="(n,2756,2d)")},
    "conv3": {"stride": Quote(4, "Table 2", text="Conv1D (Stride=4)"),
              "kernel": Quote(16, "Table 2", text="(16,2d,4d)"),
              "length": Quote(689, "Table 2", text="(n,689,4d)")},
    "conv4": {"stride": Quote(1, "Table 2", text="Conv1D (Stride=1)"),
              "kernel": Quote(4, "Table 2", text="(4,4d,8d)"),
              "length": Quote(688, "Table 2", text="(n,688,8d)")},
    "conv5": {"stride": Quote(1, "Table 2", text="Conv1D (Stride=1)"),
              "kernel": Quote(4, "Table 2", text="(4,8d,8d)"),
              "length": Quote(687, "Table 2", text="(n,687,8d)")},
}

# ---- §4.1-4.2 Data and training, Table 3 -------------------------------------------------------------------------

#: Table 3, "V2RA-GAN hyperparameters and their values" (its non-numeric rows: loss "LS", optimiser "Adam").
TABLE3: dict[str, Quote] = {
    "channels": Quote(1, "Table 3"),
    "batch_size": Quote(64, "Table 3"),
    "model_size": Quote(64, "Table 3"),
    "d_updates_per_g": Quote(2, "Table 3"),
}
TABLE3_ROWS: dict[str, str] = {"channels": "Num channels (c)", "batch_size": "Batch size (n)",
                               "model_size": "Model size (d)", "d_updates_per_g": "D updates per G updates"}
BATCH_SIZE = TABLE3["batch_size"]
D_UPDATES_PER_G = TABLE3["d_updates_per_g"]
LEARNING_RATE = Quote(0.001, "§4.2", text="learning rate of 0.001")  # Adam; no betas are printed
DROPOUT = Quote(0.5, "§4.2", text="dropout rate of 50%")  # the generator's only noise: no z (§3.2)
TEST_SHARE = Quote(0.25, "§4.1", text="75% training and 25% testing")  # per category, by video
VIDEOS_PER_CATEGORY: dict[str, Quote] = {  # "about 10-30 videos for each categories"
    "min": Quote(10, "§4.1", text="about 10-30 videos"),
    "max": Quote(30, "§4.1", text="about 10-30 videos"),
}
BIRD_SECONDS = Quote(360, "§4.1", text="about 360s in total")
VEGAS_VIDEOS = Quote(28109, "§4.1", text="28109 videos")
VEGAS_HOURS = Quote(55, "§4.1", text="55 hours")
GREATEST_HITS_VIDEOS = Quote(977, "§4.1", text="977 videos")
GENERATION_SECONDS = Quote(0.03, "§4.2", text="generate a second audio in 0.03s")  # on a Quadro 5000

# ---- §4.3 Scores -------------------------------------------------------------------------------------------------

#: Table 4, "ODG value and subjective impairment scale": the ODG grade for each impairment.
TABLE4_ODG_SCALE: dict[str, Quote] = {
    "imperceptible": Quote(0, "Table 4", text="0 Imperceptible"),
    "perceptible_not_annoying": Quote(-1, "Table 4", text="-1 Perceptible but not annoying"),
    "slightly_annoying": Quote(-2, "Table 4", text="-2 Slightly annoying"),
    "annoying": Quote(-3, "Table 4", text="-3 Annoying"),
    "very_annoying": Quote(-4, "Table 4", text="-4 Very annoying"),
}
#: eq. 11: ODG = b_min + (b_max - b_min) sig(D_I).
ODG_BOUNDS: dict[str, Quote] = {
    "b_min": Quote(-3.98, "eq. 11", text="b_{min} = -3.98"),
    "b_max": Quote(0.22, "eq. 11", text="b_{max} = 0.22"),
}
#: eq. 12: OSG = r1 MMS + r2 MSF + r3 RMS (the correlation coefficients of Gygi et al. 2007).
OSG_WEIGHTS: dict[str, Quote] = {
    "mms": Quote(0.57, "eq. 12", text="r_1 = 0.57"),
    "msf": Quote(0.52, "eq. 12", text="r_2 = 0.52"),
    "rms": Quote(0.45, "eq. 12", text="r_3 = 0.45"),
}
#: §4.3.3: nearest-neighbour retrieval of audio by visual features, the share in the right category, and chance.
RETRIEVAL_ACCURACY = Quote(0.1571, "§4.3.3", text="15.71%")
RETRIEVAL_CHANCE = Quote(0.1429, "§4.3.3", text="14.29%")  # 1/7: seven categories

# ---- §4.4 Comparisons --------------------------------------------------------------------------------------------

#: Table 5, "Quantitative evaluation": OSG between pairs of wood-impact sounds of Fig. 6 (physics-based [2] = Ren
#: et al. 2013, and ours). Fig. 6's middle rows are [2]'s results and its bottom rows ours, for the two scenes (a) and
#: (b): the first two rows compare each method's two scenes with each other (its timbre consistency), not the methods.
TABLE5_OSG: dict[str, Quote] = {
    "ren_a_vs_ren_b": Quote(9.0417, "Table 5"),
    "ours_a_vs_ours_b": Quote(3.8867, "Table 5"),
    "truth_vs_ren": Quote(33.0061, "Table 5"),
    "truth_vs_ours": Quote(31.7959, "Table 5"),
}
TABLE5_ROWS: dict[str, str] = {
    "ren_a_vs_ren_b": "Figure 6(a) middle & Figure 6(b) middle",
    "ours_a_vs_ours_b": "Figure 6(a) bottom & Figure 6(b) bottom",
    "truth_vs_ren": "Ground truth & [2]",
    "truth_vs_ours": "Ground truth & Ours",
}

METRICS = ("odg", "mms", "msf", "rms", "osg")  # the columns of Tables 6 and 7, in order
METRIC_LABELS: dict[str, str] = {m: m.upper() for m in METRICS}


def _row(where: str, *cells: float) -> dict[str, Quote]:
    """One row of Table 6 or 7: ODG, MMS, MSF, RMS, OSG in the printed order."""
    return {m: Quote(v, where) for m, v in zip(METRICS, cells, strict=True)}


#: Table 6, "Quantitative evaluation for the results by Zhou et al.'s method [14] and our method in Figure 7":
#: columns ODG, MMS, MSF, RMS, OSG. OSG and its parts compare each result with the ground truth (the ground-truth row
#: is 0). The ODG column cannot be PEAQ(ground truth, result): the ground-truth rows here and in Table 7 score barely
#: below zero and the results higher still, while under BS.1387 a signal against itself sits at the top of the
#: scale (b_max) and another take of the same sound near its floor. The paper does not say what its ODG compares;
#: the kit's ODG (PEAQ of each test clip against its truth) is not comparable with it.
TABLE6: dict[str, dict[str, Quote]] = {
    "zhou2018": _row("Table 6", -0.1710, 2.9515, 11.5635, 0.4626, 7.9039),
    "ours": _row("Table 6", -0.1789, 1.1951, 4.3435, 0.3373, 3.0916),
    "ground_truth": _row("Table 6", -0.2157, 0, 0, 0, 0),
}
TABLE6_ROWS: dict[str, str] = {"zhou2018": "[14]", "ours": "Our method", "ground_truth": "Ground truth"}

# ---- §4.5 Table 7: architecture and loss ablations -------------------------------------------------------------

#: Table 7, "Network architecture evaluation": columns ODG, MMS, MSF, RMS, OSG. Rows: the full system (L1 + LS loss,
#: audio filter, no z, reshape rather than random crop), one change each, then the loss functions.
TABLE7: dict[str, dict[str, Quote]] = {
    "full_system": _row("Table 7", -0.2124, 0.4986, 0.3903, 0.0583, 0.5134),
    "with_z": _row("Table 7", -0.2237, 0.7325, 0.4417, 0.0832, 0.6846),
    "skip_connections": _row("Table 7", -0.3362, 3.4587, 1.2723, 0.0425, 2.5429),
    "no_audio_filter": _row("Table 7", -0.2319, 11.3408, 21.7192, 0.0330, 11.3408),
    "random_crop": _row("Table 7", -0.2202, 0.2570, 20.6246, 0.0230, 10.8536),
    "l1_ls": _row("Table 7", -0.2124, 0.4986, 0.3903, 0.0583, 0.5134),  # = the full system
    "l1_ce": _row("Table 7", -0.2350, 0.8933, 43.8061, 0.0670, 23.3185),
    "ls": _row("Table 7", -0.2216, 1.2525, 58.7788, 0.1429, 31.3402),
    "l1": _row("Table 7", -0.2370, 0.3037, 8.4975, 0.1209, 4.6462),
    "ce": _row("Table 7", -0.2327, 0.1730, 9.3176, 0.1303, 5.0024),
    "ground_truth": _row("Table 7", -0.2343, 0, 0, 0, 0),
}
TABLE7_ROWS: dict[str, str] = {
    "full_system": "Full system",
    "with_z": "+ z as input",
    "skip_connections": "+ skip connections for the generator",
    "no_audio_filter": "- audio filter (the last layer of the generator)",
    "random_crop": "+ random crop",
    "l1_ls": "L_1 + LS loss function",
    "l1_ce": "L_1 + CE loss function",
    "ls": "LS loss function",
    "l1": "L_1 loss function",
    "ce": "CE loss function",
    "ground_truth": "ground truth",
}
# Rows of Tables 6-7 whose printed OSG is not eq. 12 of their printed MMS, MSF, RMS (off by more than rounding):
# "- audio filter" prints its MMS (11.3408) again as OSG (eq. 12 gives 17.77); "+ skip connections" gives 2.65,
# "+ random crop" 10.88, "LS loss" 31.343 (printed 2.5429, 10.8536, 31.3402); Table 6's [14] row gives 7.9036 (printed
# 7.9039: 0.0003 off, more than four-decimal cells can explain). Quote them as printed; do not recompute.
OSG_NOT_EQ12: tuple[str, ...] = ("TABLE6.zhou2018", "TABLE7.skip_connections", "TABLE7.no_audio_filter",
                                 "TABLE7.random_crop", "TABLE7.ls")

# ---- §4.6 Table 8: the optimisation schemes ---------------------------------------------------------------------

STAGES = ("original", "denoised", "peak_match")  # Table 8's three column groups, in order
STAGE_LABELS: dict[str, str] = {"original": "Original result (ODG/OSG)",
                                "denoised": "after de-noising (ODG/OSG)",
                                "peak_match": "after peak-match (ODG/OSG)"}


def _stages(*pairs: tuple[float, float]) -> dict[str, dict[str, Quote]]:
    """One row of Table 8: (ODG, OSG) for the original result, after de-noising and after peak-match."""
    return {s: {"odg": Quote(odg, "Table 8"), "osg": Quote(osg, "Table 8")}
            for s, (odg, osg) in zip(STAGES, pairs, strict=True)}


#: Table 8, "Optimization schemes evaluation": per category, ODG and OSG of the original result, after de-noising and
#: after peak-match (each cell printed "ODG / OSG").
TABLE8: dict[str, dict[str, dict[str, Quote]]] = {
    "bird": _stages((-0.2347, 9.6662), (-0.1319, 8.4831), (-0.1572, 10.7734)),
    "dog": _stages((-0.2081, 3.5430), (-0.1729, 3.4476), (-0.1697, 1.1701)),
    "firework": _stages((-0.3129, 1.3317), (-0.2744, 0.7514), (-0.2617, 0.7374)),
    "cloth": _stages((-0.0909, 0.1124), (-0.0907, 0.1120), (-0.0907, 0.1097)),
    "wood": _stages((-0.1155, 0.0308), (-0.1074, 0.0307), (-0.1050, 0.0308)),
    "gravel": _stages((-0.1327, 0.0217), (-0.1225, 0.0223), (-0.1314, 0.0217)),
    "plastic": _stages((-0.1156, 0.0778), (-0.1147, 0.1746), (-0.1155, 0.0658)),
}
CATEGORIES = tuple(TABLE8)  # the seven categories, each trained as its own model (§4.2)

# ---- §4.7 User study ---------------------------------------------------------------------------------------------

USER_STUDY_PARTICIPANTS = Quote(20, "§4.7", text="twenty participants")
USER_SCALE_MAX = Quote(5, "§4.7", text="scale from 1 to 5")

COMPARISON_COLUMNS = ("sound_quality", "synchronization", "overall_quality")  # Table 9's columns, in order


def _scores(*cells: float) -> dict[str, Quote]:
    """One row of Table 9: mean 1..5 ratings for sound quality, synchronisation and overall quality."""
    return {c: Quote(v, "Table 9") for c, v in zip(COMPARISON_COLUMNS, cells, strict=True)}


#: Table 9, "Comparison with previous work": mean user ratings (1..5), in the printed row order: Owens et al. [12]
#: (gravel, wood, cloth, plastic), ours on the same, Zhou et al. [14] (dog, firework), ours on the same.
TABLE9: dict[str, dict[str, Quote]] = {
    "owens2016": _scores(4.50, 4.75, 4.40),
    "ours_vs_owens2016": _scores(4.50, 4.75, 4.50),
    "zhou2018": _scores(3.35, 2.85, 3.00),
    "ours_vs_zhou2018": _scores(3.65, 4.15, 3.35),
}
TABLE9_ROWS: dict[str, str] = {"owens2016": "[12]", "ours_vs_owens2016": "Ours", "zhou2018": "[14]",
                               "ours_vs_zhou2018": "Ours"}
