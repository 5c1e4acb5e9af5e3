"""V2RA-GAN of Liu et al. (§3.2, Tables 1-3): from a 1-D video-feature condition to one second of raw audio.

Generator (Table 1): seven strided 1-D convolutions take the condition V (c channels, one second of samples) down to
length 1, seven transposed convolutions bring it back, then tanh and a 513-tap "audio filter" (a bias-free stride-1
convolution that keeps the length; WaveGAN's learned post-processing filter). Model size d sets the channels
(d, 2d, 4d, 8d, 8d, ...). Dropout (0.5) on the first decoder layers is the only noise (no z, §3.2), kept on when
generating, as in pix2pix. Switches for Table 7's rows: ``use_z`` (a Gaussian noise channel added to V) and ``skip``
(U-Net skip connections from each encoder layer to its mirror). Activations, a stated reading: §3.2 says "convolution
layers with leaky ReLU activations and strided convolution layers with ReLU activations", but every layer of Table 1
is strided; the kit follows pix2pix: leaky ReLU (0.2) in the encoder and in D, ReLU in the decoder.

Departure, stated (the paper's Table 1 does not add up): its decoder strides (7, 5, 5, 4, 3, 3, 3) multiply to
18,900, not 44,100, while its printed lengths mirror the encoder's. The kit mirrors the encoder exactly: kernel 3s,
stride s, padding s for each stride s (encoder 3, 3, 4, 5, 5, 7, 7 at 44.1 kHz), which reproduces every printed
length. Other rates take other strides whose product is the segment length (:func:`strides_for`).

Discriminator (Table 2): real or generated audio stacked with V (2c channels), three stride-4 convolutions (kernel
16), two stride-1 convolutions (kernel 4) and, the kit's assumption (Table 2 lists none), a 1-channel kernel-1 head:
a map of patch scores. Leaky ReLU 0.2; BatchNorm on all but the first layer of each network (§3.2).

How the generated seconds make a longer clip (``join``): the paper segments the audio into seconds side by side
(eq. 4 and Fig. 3) and reads them back the same way (``concat``, the paper profile's); each join is then a hard edge
that an onset detector reads as a strike. The kit's choice for its CPU profiles generates a second every half second
and cross-fades them (``overlap_add``, :func:`a2vlib.studies.liu_v2ra.experiment.generate_clips`).
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch
from torch import Tensor, nn

from a2vlib.training.config import TrainingConfig
from a2vlib.core.errors import ParamsError
from a2vlib.papers import liu_v2ra
from a2vlib.registry import register_all

PAPER_STRIDES = tuple(int(liu_v2ra.TABLE1_GENERATOR[f"conv{i}"]["stride"].value) for i in range(1, 8))
FILTER_TAPS = int(liu_v2ra.AUDIO_FILTER_TAPS.value)
DROPOUT = float(liu_v2ra.DROPOUT.value)
DROPOUT_LAYERS = 3  # decoder layers with dropout (pix2pix's choice; the paper does not say which)


def strides_for(length: int, layers: int = 7) -> tuple[int, ...]:
    """Seven strides (ascending, each >= 2) whose product is ``length``: the paper's for 44,100, else the most even
    split of ``length``'s prime factors. A length that cannot be split so is a ParamsError."""
    if length == 44100:
        return PAPER_STRIDES
    factors, n, p = [], length, 2
    while p * p <= n:
        while n % p == 0:
            factors.append(p)
            n //= p
        p += 1
    if n > 1:
        factors.append(n)
    if len(factors) < layers:
        raise ParamsError(f"segment of {length} samples: cannot split into {layers} strides >= 2; use a length with "
                          f"at least {layers} prime factors (e.g. 16000 or 44100 samples)")
    strides = [1] * layers
    for f in sorted(factors, reverse=True):  # greedy: the largest factor to the smallest stride so far
        i = min(range(layers), key=lambda k: strides[k])
        strides[i] *= f
    return tuple(sorted(strides))


JOINS = ("overlap_add", "concat")
register_all("v2ra_join", JOINS)


@dataclass(frozen=True)
class V2RAConfig:
    """One V2RA-GAN and its training (Table 3: c = 1, batch 64, d = 64, 2 D updates per G update; §4.2: Adam 1e-3,
    dropout 0.5; λ of eq. 9 is not printed: the kit's default 100, pix2pix's, on the L1 term taken as the mean
    absolute difference per sample, as pix2pix does, not the sum that a norm would be). ``loss="bce"`` (Table 7's CE
    rows) is the kit's non-saturating cross-entropy, not eq. 5's minimax form."""

    segment: int = 44100  # samples per training example (one second)
    model_size: int = 64
    channels: int = 1
    use_z: bool = False
    skip: bool = False
    audio_filter: bool = True
    loss: str = "lsgan"
    l1_weight: float = 100.0
    adv_weight: float = 1.0  # 0: G trained by the L1 term alone (Table 7's "L1" row)
    batch_size: int = 64
    d_steps: int = 2
    lr: float = 1e-3
    epochs: int = 100
    # how a clip longer than a segment is generated: "concat", segments side by side (the paper's: eq. 4 and Fig. 3
    # segment the audio into seconds; each join is a hard edge), or the kit's "overlap_add", half-overlapping
    # segments cross-faded
    join: str = "overlap_add"

    def __post_init__(self) -> None:
        strides_for(self.segment)  # fails early on a length that cannot be split
        if self.join not in JOINS:
            raise ParamsError(f"v2ra_join {self.join!r}: unknown; use one of {', '.join(JOINS)}")
        if self.model_size < 1 or self.channels < 1 or self.batch_size < 1 or self.d_steps < 1:
            raise ParamsError("V2RAConfig: model_size, channels, batch_size and d_steps must be >= 1")

    def training(self, n_examples: int) -> TrainingConfig:
        """The training part, as the trainer takes it: no noise (``use_z`` adds it inside G), the L1 term of eq. 9,
        one G update per ``d_steps`` D updates; a batch no larger than the ``n_examples`` there are."""
        return TrainingConfig(loss=self.loss, z_dim=None, d_steps=self.d_steps, g_steps=1, lr_g=self.lr,
                              lr_d=self.lr, batch_size=min(self.batch_size, n_examples), l1_weight=self.l1_weight,
                              adv_weight=self.adv_weight)


def _act(kind: str) -> nn.Module:
    return nn.LeakyReLU(0.2, inplace=True) if kind == "leaky" else nn.ReLU(inplace=True)


class AudioFilter(nn.Module):
    """The 513-tap audio filter: ``nn.Conv1d(c, c, taps, padding=taps // 2, bias=False)`` (the same weight, shape,
    initialisation and output up to rounding), computed through the FFT. A direct convolution with one channel and
    hundreds of taps has too little work per output for the convolution kernels of a CPU; the FFT does the same
    product in O(L log L)."""

    def __init__(self, channels: int, taps: int):
        super().__init__()
        conv = nn.Conv1d(channels, channels, taps, padding=taps // 2, bias=False)  # its default initialisation
        self.weight = conv.weight

    def forward(self, x: Tensor) -> Tensor:
        from scipy.fft import next_fast_len

        length, taps = x.shape[-1], self.weight.shape[-1]
        n = next_fast_len(length + taps - 1, real=True)
        spectrum = torch.einsum("bcf,ocf->bof", torch.fft.rfft(x, n), torch.fft.rfft(self.weight.flip(-1), n))
        full = torch.fft.irfft(spectrum, n)  # the linear convolution with the flipped taps = Conv1d's correlation
        start = taps - 1 - taps // 2
        return full[..., start:start + length]


class V2RAGenerator(nn.Module):
    """V (N, c, L) -> audio (N, c, L) in [-1, 1] (after the filter it may leave that range slightly)."""

    def __init__(self, segment: int = 44100, model_size: int = 64, channels: int = 1, use_z: bool = False,
                 skip: bool = False, audio_filter: bool = True):
        super().__init__()
        self.strides, self.use_z, self.skip = strides_for(segment), use_z, skip
        d = model_size
        widths = [d, 2 * d, 4 * d] + [8 * d] * 4
        cin = channels + (1 if use_z else 0)
        self.down = nn.ModuleList()
        for i, (s, w) in enumerate(zip(self.strides, widths)):
            layers: list[nn.Module] = [nn.Conv1d(cin, w, 3 * s, s, s)]
            if i > 0:
                layers.append(nn.BatchNorm1d(w))
            self.down.append(nn.Sequential(*layers, _act("leaky")))
            cin = w
        self.up = nn.ModuleList()
        outs = widths[::-1][1:] + [channels]
        for i, (s, w) in enumerate(zip(self.strides[::-1], outs)):
            extra = widths[::-1][i] if (skip and i > 0) else 0  # the mirrored encoder output, concatenated
            layers = [nn.ConvTranspose1d(cin + extra, w, 3 * s, s, s)]
            if i < len(outs) - 1:
                layers += [nn.BatchNorm1d(w), _act("relu")]
                if i < DROPOUT_LAYERS:
                    layers.append(nn.Dropout(DROPOUT))
            self.up.append(nn.Sequential(*layers))
            cin = w
        self.filter = AudioFilter(channels, FILTER_TAPS) if audio_filter else nn.Identity()

    def forward(self, v: Tensor, z: Tensor | None = None) -> Tensor:
        if self.use_z:
            z = torch.randn_like(v[:, :1]) if z is None else z  # §4.5: "a Gaussian random vector"
            v = torch.cat([v, z], dim=1)
        h, skips = v, []
        for layer in self.down:
            h = layer(h)
            skips.append(h)
        for i, layer in enumerate(self.up):
            if self.skip and i > 0:
                h = torch.cat([h, skips[-1 - i]], dim=1)
            h = layer(h)
        return self.filter(torch.tanh(h))


class V2RADiscriminator(nn.Module):
    """(audio (N, c, L), V (N, c, L)) -> patch scores (N, 1, L')."""

    def __init__(self, model_size: int = 64, channels: int = 1):
        super().__init__()
        d = model_size
        spec = [(2 * channels, d, 16, 4), (d, 2 * d, 16, 4), (2 * d, 4 * d, 16, 4), (4 * d, 8 * d, 4, 1),
                (8 * d, 8 * d, 4, 1)]
        layers: list[nn.Module] = []
        for i, (cin, cout, k, s) in enumerate(spec):
            # paddings 6 for the stride-4 layers and 1 for the others give Table 2's lengths (11025, 2756, 689, 688, 687)
            layers.append(nn.Conv1d(cin, cout, k, s, 6 if s == 4 else 1))
            if i > 0:
                layers.append(nn.BatchNorm1d(cout))
            layers.append(_act("leaky"))
        self.body = nn.Sequential(*layers)
        self.head = nn.Conv1d(8 * d, 1, 1)

    def forward(self, x: Tensor, v: Tensor) -> Tensor:
        return self.head(self.body(torch.cat([x, v], dim=1)))


def build_v2ra(config: V2RAConfig) -> tuple[V2RAGenerator, V2RADiscriminator]:
    g = V2RAGenerator(config.segment, config.model_size, config.channels, config.use_z, config.skip,
                      config.audio_filter)
    return g, V2RADiscriminator(config.model_size, config.channels)


def layer_lengths(model: nn.Module, segment: int, channels: int = 1) -> list[int]:
    """Output length after each layer of the generator's encoder and decoder, or the discriminator's body (for the
    comparison with Tables 1 and 2)."""
    lengths: list[int] = []
    hooks = []
    blocks: Sequence[nn.Module] = ([*model.down, *model.up] if isinstance(model, V2RAGenerator)
                                   else [m for m in model.body if isinstance(m, nn.Conv1d)])
    for block in blocks:
        hooks.append(block.register_forward_hook(lambda m, i, o: lengths.append(int(o.shape[-1]))))
    with torch.no_grad():
        v = torch.zeros(1, channels, segment)
        model.eval()
        model(v) if isinstance(model, V2RAGenerator) else model(v, v)
    for h in hooks:
        h.remove()
    return lengths
