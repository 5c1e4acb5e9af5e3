"""SceneSynth-9: a procedural paired picture + sound dataset standing in for Wan et al.'s SoundNet video frames.

Nine classes (Wan et al. 2019, Table 1) with a recognisable scene and object in the picture and their own timbre and
rhythm in the sound; no download, deterministic for a seed. Like real videos, the raw train/test splits hold
discrepant pairs (the camera shows something else than what is heard); a separate clean "reference" split stands
in for the data that pretrained classifiers saw.

Loudness: every pair has ``loudness`` in [0.25, 1]. The clip's RMS is ``RMS_PER_LOUDNESS * loudness`` and, in a
consistent pair, the picture's visual magnitude (the share of pixels that differ from the background, see
:func:`visual_magnitude`) is ``MAGNITUDE_PER_LOUDNESS * loudness``: a louder sound shows a closer, bigger object
(or a bigger splash).

Pictures are built so that :func:`visual_magnitude` can measure them without knowing the class: backgrounds vary
only from row to row (sky over ground, water, field, wall, floor) plus mild pixel noise, and objects are drawn in
colours far from their background and cover well under half of any row, so a per-row median recovers the
background.

Modules: ``config`` (classes, constants, :class:`SceneSynthConfig`, :class:`Pair`), ``magnitude`` (the background
mask and visual magnitude), ``canvas`` (drawing primitives), ``indoor`` and ``outdoor`` (the nine scenes),
``drawing`` (pictures), ``dsp``, ``music`` and ``sounds`` (clips; the soundfont renderer is
:mod:`a2vlib.data.soundfont`), ``pairing`` (counts, discrepancies, pairs) and ``files`` (the dataset on disk).
"""
from a2vlib.studies.wan2019.scenesynth.config import (CLASSES, CREST_LIMIT, DISCREPANCIES, DISCREPANT_MIX, GENERATOR_VERSION,
                                           LOUDNESS_RANGE, MAGNITUDE_PER_LOUDNESS, MAGNITUDE_THRESHOLD,
                                           MANIFEST_COLUMNS, OTHER, PAPER_TABLE1, PIXEL_NOISE, RMS_PER_LOUDNESS, SPLITS,
                                           Pair, SceneSynthConfig)
from a2vlib.studies.wan2019.scenesynth.drawing import render_image, render_unrelated_image
from a2vlib.studies.wan2019.scenesynth.files import load_audio, load_images, load_manifest, read_config, write_dataset
from a2vlib.studies.wan2019.scenesynth.magnitude import (magnitude_for_loudness, object_mask, object_size, row_background,
                                              visual_magnitude)
from a2vlib.studies.wan2019.scenesynth.pairing import class_counts, generate_pairs, iter_pairs
from a2vlib.studies.wan2019.scenesynth.sounds import CLASS_RECIPES, UNRELATED_RECIPES, render_sound, render_unrelated_sound

__all__ = ["CLASSES", "CLASS_RECIPES", "CREST_LIMIT", "DISCREPANCIES", "DISCREPANT_MIX", "GENERATOR_VERSION",
           "LOUDNESS_RANGE", "MAGNITUDE_PER_LOUDNESS", "MAGNITUDE_THRESHOLD", "MANIFEST_COLUMNS", "OTHER",
           "PAPER_TABLE1", "PIXEL_NOISE", "Pair", "RMS_PER_LOUDNESS", "SPLITS", "SceneSynthConfig",
           "UNRELATED_RECIPES", "class_counts", "generate_pairs", "iter_pairs", "load_audio", "load_images",
           "load_manifest", "magnitude_for_loudness", "object_mask", "object_size", "read_config", "render_image", "render_sound",
           "render_unrelated_image", "render_unrelated_sound", "row_background", "visual_magnitude",
           "write_dataset"]
