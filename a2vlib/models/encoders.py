"""Chen et al.'s (2017) encoders: the sound classifier on log-mel spectrograms (§3.3, Fig. 4), the image classifier
(§3.4, Fig. 5), whose 128-d layer before the softmax is the encoding a cross-modal GAN is conditioned on, and the
stacked convolutional autoencoder of S2I-A (§5.1).

The paper gives the layer counts (four convolutions and three FC layers for sounds, six 3x3 convolutions and three
FC layers for images), the 128-d encodings, and for the sound classifier dropout "(0.7 and 0.8)" on the last two
layers and an l2 penalty of 0.015 on the FC layers. Stated choices where it gives no number: 3x3 kernels for the
sound classifier too, channel widths, max pooling after each (pair of) convolution(s), BatchNorm in the
convolutions (and one on the input LMS), the first FC layer's 256 units. The dropout figures are read as
TensorFlow's keep probabilities (drop 0.3 and 0.2), and the l2 penalty is added as 0.015 x the sum of the squared
FC weights (Keras' convention; TensorFlow's ``l2_loss`` would halve it). The image classifier gets neither, as §3.4
mentions neither.
"""
from __future__ import annotations

import torch
from torch import Tensor, nn

from a2vlib.core.device import seed_everything
from a2vlib.core.errors import DataError, ParamsError
from a2vlib.core.progress import progress
from a2vlib.papers import chen2017

ENCODING_DIM = chen2017.ENCODING_DIM.value
FC_HIDDEN = 256
KEEP_PROB = (chen2017.DROPOUT["fc2"].value, chen2017.DROPOUT["fc3"].value)  # read as keep probabilities


def _conv(cin: int, cout: int, pool: bool) -> list[nn.Module]:
    layers: list[nn.Module] = [nn.Conv2d(cin, cout, 3, padding=1), nn.BatchNorm2d(cout), nn.ReLU(inplace=True)]
    return layers + [nn.MaxPool2d(2)] if pool else layers


class _EncoderClassifier(nn.Module):
    """Convolutions, then FC(256) -> FC(128) = the encoding -> FC(classes), with dropout before the last two when
    ``dropout`` is on."""

    def __init__(self, convs: nn.Sequential, flat: int, n_classes: int, dropout: bool = True):
        super().__init__()
        self.convs = convs
        drop = (1 - KEEP_PROB[0], 1 - KEEP_PROB[1]) if dropout else (0.0, 0.0)
        self.fc1 = nn.Sequential(nn.Flatten(), nn.Linear(flat, FC_HIDDEN), nn.ReLU(inplace=True))
        self.fc2 = nn.Sequential(nn.Dropout(drop[0]), nn.Linear(FC_HIDDEN, ENCODING_DIM), nn.ReLU())
        self.fc3 = nn.Sequential(nn.Dropout(drop[1]), nn.Linear(ENCODING_DIM, n_classes))

    def encode(self, x: Tensor) -> Tensor:
        """The 128-d encoding: the output of the layer before the softmax."""
        return self.fc2(self.fc1(self.convs(self.prepare(x))))

    def prepare(self, x: Tensor) -> Tensor:
        return x

    def forward(self, x: Tensor) -> Tensor:
        return self.fc3(self.encode(x))


class SoundClassifier(_EncoderClassifier):
    """Log-mel spectrograms (N, 1, 128, frames) in dB -> instrument logits; four 3x3 convolutions (``n_layers``: 3
    for Table 1's shallower column), each followed by 2x2 max pooling, and three FC layers (Chen Fig. 4). Pooled to
    4 x 2 before the FC layers so that any spectrogram size works (and which band a feature came from is kept)."""

    def __init__(self, n_classes: int, width: int = 16, n_layers: int = 4):
        if n_layers not in (3, 4):
            raise ParamsError(f"SoundClassifier: n_layers={n_layers!r}; Chen et al.'s classifier has 3 or 4 conv layers")
        chans = [1, width, width * 2, width * 4, width * 4][:n_layers + 1]
        convs = [m for i in range(n_layers) for m in _conv(chans[i], chans[i + 1], pool=True)]
        # Before the FC layers the map is averaged to 4 x 2 whatever its size (Fig. 4 flattens it): an STFT's 1,025
        # rows and a 128-band LMS reach the classifier as the same 8 values a channel, so Table 1's comparison here
        # is of what survives that averaging, not of §3.3's input sizes (a stated departure).
        super().__init__(nn.Sequential(*convs, nn.AdaptiveAvgPool2d((4, 2))), chans[-1] * 8, n_classes)
        self.norm = nn.BatchNorm2d(1)  # dB values are large and offset: one learned scaling

    def prepare(self, x: Tensor) -> Tensor:
        return self.norm(x)


class ImageEncoderClassifier(_EncoderClassifier):
    """RGB images (N, 3, H, W) in [-1, 1] -> instrument logits; six 3x3 convolutions (2x2 max pooling after every
    second) and three FC layers (Chen Fig. 5); pooled to 4 x 4 before the FC layers (32 or 64 px)."""

    def __init__(self, n_classes: int, width: int = 16):
        chans = [3, width, width, width * 2, width * 2, width * 4, width * 4]
        convs = [m for i in range(6) for m in _conv(chans[i], chans[i + 1], pool=i % 2 == 1)]
        super().__init__(nn.Sequential(*convs, nn.AdaptiveAvgPool2d(4)), chans[-1] * 16, n_classes, dropout=False)


@torch.no_grad()
def encodings(model: _EncoderClassifier | StackedAutoencoder, x: Tensor, batch_size: int = 256) -> Tensor:
    """The 128-d encodings of ``x`` (eval mode, on the model's device, returned on the CPU)."""
    model.eval()
    device = next(model.parameters()).device
    return torch.cat([model.encode(x[i:i + batch_size].to(device)).cpu() for i in range(0, len(x), batch_size)])


class StackedAutoencoder(nn.Module):
    """S2I-A's sound encoder (Chen §5.1): four stacks trained one after the other to reconstruct their input with
    MSE. Stacks 1-3: a convolution and its transposed convolution; stack 4: the flattened output of stack 3
    projected to 128 values by an FC layer (and back). Input: log-mel (N, 1, 128, frames) in dB, scaled by fixed
    constants (``offset_db``, ``scale_db``) so that the reconstruction targets are of order 1.

    ``layout="paper"`` (default): unpadded convolutions with kernels 3, 3 and 5 take 128 x 44 to the paper's 120 x 36,
    and the last one has one channel, so that stack 4 sees "a 2D array of shape 120x36" (4,320 values; the channels
    of stacks 1-2, ``width``, are the kit's reading: the paper gives none). ``layout="stride2"``: stride-2 3x3
    convolutions with ``width``, 2 ``width`` and 4 ``width`` channels (an earlier form of the kit's).
    """

    LAYOUTS = ("paper", "stride2")

    def __init__(self, n_mels: int = 128, frames: int = 44, width: int = 8, offset_db: float = -50.0,
                 scale_db: float = 25.0, layout: str = "paper"):
        super().__init__()
        if layout not in self.LAYOUTS:
            raise ParamsError(f"autoencoder layout {layout!r}: use one of {', '.join(self.LAYOUTS)}")
        self.offset_db, self.scale_db = offset_db, scale_db
        if layout == "paper":
            chans, kernels = [1, width, width, 1], (3, 3, 5)
            self.enc = nn.ModuleList([nn.Sequential(nn.Conv2d(chans[i], chans[i + 1], kernels[i]), nn.ReLU())
                                      for i in range(3)])
            self.dec = nn.ModuleList([nn.ConvTranspose2d(chans[i + 1], chans[i], kernels[i]) for i in range(3)])
        else:
            chans = [1, width, width * 2, width * 4]
            self.enc = nn.ModuleList([nn.Sequential(nn.Conv2d(chans[i], chans[i + 1], 3, 2, 1), nn.ReLU())
                                      for i in range(3)])
            self.dec = nn.ModuleList([nn.ConvTranspose2d(chans[i + 1], chans[i], 3, 2, 1, output_padding=1)
                                      for i in range(3)])
        with torch.no_grad():
            h = torch.zeros(1, 1, n_mels, frames)
            self.shapes = [tuple(h.shape[1:])]
            for e in self.enc:
                h = e(h)
                self.shapes.append(tuple(h.shape[1:]))
        flat = int(h.numel())
        self.fc = nn.Sequential(nn.Flatten(), nn.Linear(flat, ENCODING_DIM), nn.ReLU())
        self.fc_dec = nn.Linear(ENCODING_DIM, flat)

    def scale(self, x: Tensor) -> Tensor:
        return (x - self.offset_db) / self.scale_db

    def _through(self, x: Tensor, k: int) -> Tensor:
        """The input of stack ``k`` (0-based) for spectrograms ``x``."""
        h = self.scale(x)
        for e in self.enc[:k]:
            h = e(h)
        return h

    def reconstruct(self, h: Tensor, k: int) -> Tensor:
        """Stack ``k``'s reconstruction of its input ``h``."""
        if k < 3:
            out = self.dec[k](self.enc[k](h))
            return out[..., :h.shape[-2], :h.shape[-1]]  # transposed convolutions may overshoot odd sizes
        return self.fc_dec(self.fc(h)).view_as(h)

    def encode(self, x: Tensor) -> Tensor:
        return self.fc(self._through(x, 3))


def train_autoencoder(model: StackedAutoencoder, x: Tensor, epochs_per_stack: int = 5, batch_size: int = 64,
                      lr: float = 1e-3, seed: int = 0, device: torch.device | str = "cpu") -> list[dict[str, float]]:
    """Greedy stack-by-stack training (each stack minimises the MSE of reconstructing its own input, the earlier
    stacks frozen); returns one history row per (stack, epoch). Deterministic for a seed on CPU."""
    if len(x) == 0:
        raise DataError("no spectrograms to train the autoencoder on")
    seed_everything(seed)
    for module in model.modules():
        if module is not model and hasattr(module, "reset_parameters"):
            module.reset_parameters()
    model = model.to(device).train()
    gen = torch.Generator().manual_seed(seed)
    history = []
    for k in range(4):
        params = list(model.fc.parameters()) + list(model.fc_dec.parameters()) if k == 3 else \
            list(model.enc[k].parameters()) + list(model.dec[k].parameters())
        opt = torch.optim.Adam(params, lr=lr)
        for epoch in progress(range(epochs_per_stack), desc=f"autoencoder stack {k + 1}"):
            order, total = torch.randperm(len(x), generator=gen), 0.0
            for i in range(0, len(x), batch_size):
                with torch.no_grad():
                    h = model._through(x[order[i:i + batch_size]].to(device), k)
                loss = nn.functional.mse_loss(model.reconstruct(h, k), h)
                opt.zero_grad(set_to_none=True)
                loss.backward()
                opt.step()
                total += loss.item() * len(h)
            history.append({"stack": k + 1, "epoch": epoch + 1, "mse": total / len(x)})
    model.eval()
    return history
