"""The instrument pairs of notebooks 03 and 06 and Chen et al.'s encoders trained on them, cached by what produced
them: the dataset (rendered performances, or the real Sub-URMP when ``sub_urmp_root`` is set), the sound classifier
on LMS, the image classifier (also the judge of generated images, Γ in §5.2.2) and S2I-A's stacked autoencoder.
"""
from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import torch

from a2vlib import verdicts
from a2vlib.core.cache import cached
from a2vlib.core.errors import ParamsError
from a2vlib.studies.chen2017.urmp.pairs import InstrumentPairs
from a2vlib.studies.chen2017.urmp.instruments import resolve_soundfont_names, resolve_soundfonts
from a2vlib.studies.chen2017.urmp.performances import PerformanceConfig, generate
from a2vlib.studies.chen2017.urmp.sub_urmp import load_sub_urmp
from a2vlib.models.classifiers import TrainedClassifier, images_to_tensor, train_classifier
from a2vlib.models.encoders import ImageEncoderClassifier, SoundClassifier, StackedAutoencoder, encodings, \
    train_autoencoder
from a2vlib.models.sound_classifier import lms
from a2vlib.papers import chen2017

# notebook parameter -> PerformanceConfig field
DATASET_KEYS = {"seed": "seed", "performances": "performances", "test_performances": "test_performances",
                "performance_seconds": "seconds", "sample_rate": "sample_rate", "image_size": "image_size",
                "soundfont": "soundfont"}


def dataset_key(params: Mapping[str, Any]) -> dict[str, Any]:
    """What defines the instrument pairs: the rendered set's settings, or the Sub-URMP folder and sizes."""
    if params.get("sub_urmp_root"):
        return {"sub_urmp_root": str(params["sub_urmp_root"]), "image_size": params["image_size"],
                "sample_rate": params["sample_rate"], "max_per_instrument": params.get("max_per_instrument") or None}
    missing = [k for k in DATASET_KEYS if k not in params]
    if missing:
        raise ParamsError(f"instrument dataset: parameter(s) {missing} missing; see params/<profile>/instruments.yaml")
    key = {field_: params[k] for k, field_ in DATASET_KEYS.items()}
    # "auto" and "all" stand for different fonts on different machines: the key names the fonts themselves
    key["soundfont"] = resolve_soundfont_names(str(key["soundfont"]))
    if params.get("room"):  # only when set: every key without it stays as it was
        key["room"] = True
    return key


def load_pairs(params: Mapping[str, Any]) -> InstrumentPairs:
    key = dataset_key(params)
    if "sub_urmp_root" in key:
        return load_sub_urmp(key["sub_urmp_root"], image_size=key["image_size"], sample_rate=key["sample_rate"],
                             max_per_instrument=key["max_per_instrument"])
    return generate(PerformanceConfig(**key))


@dataclass
class InstrumentData:
    """The pairs, their LMS (N, 1, 128, 44) and images as tensors, and the split."""

    pairs: InstrumentPairs
    lms: torch.Tensor
    images: torch.Tensor
    key: dict[str, Any]
    classes: list[str] = field(default_factory=list)

    def idx(self, split: str, instrument: str | None = None) -> np.ndarray:
        return self.pairs.indices(split, instrument)

    def labels(self, idx: np.ndarray) -> list[str]:
        return [self.pairs.labels[i] for i in idx]

    def label_tensor(self, idx: np.ndarray) -> torch.Tensor:
        return torch.tensor([self.classes.index(self.pairs.labels[i]) for i in idx])

    def baseline(self, split: str = "test") -> float:
        """What a classifier that always answers one class scores on ``split`` at best: the largest class's share.
        1/13 on the kit's balanced instruments; Sub-URMP's test split is not balanced (Chen's Table 2, in
        ``a2vlib.papers.chen2017``), and Chen's own classifier "outputs the class with the most images" when it knows
        nothing, so accuracies are judged against this share, not 1/13."""
        labels = self.labels(self.idx(split))
        return max(labels.count(c) for c in set(labels)) / len(labels) if labels else float("nan")

    def baseline_label(self, split: str = "test") -> str:
        """How findings name :meth:`baseline`: "1/13" on balanced data, else the share beside 1/13."""
        share, k = self.baseline(split), len(self.classes)
        return f"1/{k}" if abs(share - 1 / k) < 1e-9 else f"the largest class's share, {share:.3f}; 1/{k} = {1 / k:.3f}"


def instrument_data(params: Mapping[str, Any]) -> InstrumentData:
    """The pairs with their LMS and images; ``key`` (what the caches of models trained on them are keyed by) is the
    dataset's key and, for rendered pairs, the size of each font file: a font replaced under the same name (an .sf3
    for an .sf2, a new package) is another data set."""
    pairs = load_pairs(params)
    key = dataset_key(params)
    if "sub_urmp_root" not in key:
        key["soundfont_bytes"] = [path.stat().st_size for _, path in resolve_soundfonts(key["soundfont"])]
    return InstrumentData(pairs, lms(pairs.waveforms, pairs.sample_rate), images_to_tensor(pairs.images),
                          key, pairs.classes)


def describe(data: InstrumentData) -> pd.DataFrame:
    """Where the pairs came from (font, seed, sizes, or the Sub-URMP folder), as a table."""
    return pd.DataFrame({"value": [str(v) for v in data.pairs.info.values()]}, index=list(data.pairs.info))


def summary(data: InstrumentData) -> pd.DataFrame:
    """Pairs per instrument and split beside Chen's Table 2, and where the data came from."""
    ours = data.pairs.counts().T
    ours.columns = [f"{c} (ours)" for c in ours.columns]
    paper = pd.DataFrame({f"{s} (Chen)": {k: v[s].value for k, v in chen2017.TABLE2.items()} for s in ("train", "test")})
    return ours.join(paper)


HELD_OUT_SEED = 7919  # added to the dataset's seed: the held-out font's performances share no phrase with the pairs'


FONT_TARGET = 0.5  # the kit's aim: instruments named from a font never heard at least half of the time


def held_out_font(encoders: Encoders, params: Mapping[str, Any], font: str, performances: int = 4) -> pd.DataFrame:
    """The sound classifier on ``performances`` performances per instrument rendered from ``font``, a font that no
    training pair came from: does it know the instruments, or the fonts it heard? Per instrument and overall:
    accuracy over the 0.5 s chunks, and over performances (each named by the majority of its chunks; performances
    are the independent unit, so the 95 % interval is Wilson's over them), beside chance. ``font`` "" (none held
    out): an empty table. A font this machine lacks gives a one-line table that says so and how to fetch it (the
    lab profile names FluidR3_GM, which only Debian's package brings)."""
    from a2vlib.studies.chen2017.urmp.instruments import available_soundfonts, resolve_soundfont

    if not font:
        return pd.DataFrame(columns=["chunk accuracy", "performance accuracy", "performances"])
    key = dataset_key(params)
    if "sub_urmp_root" in key:
        raise ParamsError("held_out_font: the pairs are the real Sub-URMP, not rendered from fonts; leave it empty")
    trained = [name for name, _ in resolve_soundfonts(key["soundfont"])]
    if font not in dict(available_soundfonts()) and not Path(font).expanduser().is_file():
        why = (f"held_out_font {font!r} is not on this machine: `make soundfonts` fetches Debian's fonts, or put "
               "its file in the folder A2V_SOUNDFONTS names")
        return pd.DataFrame({"not measured": [why]}, index=["all"])
    name, _ = resolve_soundfont(font)
    if name in trained:
        raise ParamsError(f"held_out_font {font!r}: the training pairs were rendered from it ({', '.join(trained)}); "
                          "hold out a font they do not use")
    pairs = generate(PerformanceConfig(**{**key, "soundfont": font, "seed": key["seed"] + HELD_OUT_SEED,
                                          "performances": max(2, performances), "test_performances": 1}))
    predicted, _ = encoders.sound.predict(lms(pairs.waveforms, pairs.sample_rate))
    chunks = pd.DataFrame({"instrument": pairs.labels, "performance": pairs.performances,
                           "right": np.asarray(predicted) == np.asarray(pairs.labels), "predicted": predicted})
    votes = chunks.groupby("performance").agg(instrument=("instrument", "first"),
                                               vote=("predicted", lambda p: p.value_counts().index[0]))
    votes["right"] = votes.vote == votes.instrument
    table = pd.DataFrame({"chunk accuracy": chunks.groupby("instrument").right.mean(),
                          "performance accuracy": votes.groupby("instrument").right.mean(),
                          "performances": votes.groupby("instrument").size()})
    lo, hi = verdicts.wilson_interval(int(votes.right.sum()), len(votes))
    table.loc["all"] = [chunks.right.mean(), votes.right.mean(), len(votes)]
    table["95 % low"], table["95 % high"] = np.nan, np.nan
    table.loc["all", ["95 % low", "95 % high"]] = lo, hi
    table.attrs.update(font=name, trained_on=trained, chance=1 / len(set(pairs.labels)))
    return table


def held_out_font_findings(table: pd.DataFrame, target: float = FONT_TARGET) -> list[Any]:
    """The kit's aim for :func:`held_out_font`: performances from the unheard font named right at least ``target``
    of the time (Wilson's interval over performances); none when no font was held out."""
    if table.empty or "performances" not in table:
        return []
    n = int(table.loc["all", "performances"])
    hits = int(round(table.loc["all", "performance accuracy"] * n))
    return [verdicts.kit(verdicts.proportion_at_least(
        f"the sound classifier names the instrument of performances from a font it never heard "
        f"({table.attrs['font']}; trained on {', '.join(table.attrs['trained_on'])}) at least {target:.0%} of the "
        f"time (chance {table.attrs['chance']:.3f})", hits, n, target))]


def _gain_tilt(max_gain_db: float = 10.0, max_tilt_db: float = 6.0):
    """LMS augmentation: a random level (dB offset) and a spectral tilt across the mel bands, so that the classifier
    does not rest on the rendered level or on the exact spectral balance of one soundfont."""
    def augment(x: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
        n = x.shape[0]
        gain = (torch.rand(n, 1, 1, 1, generator=gen) * 2 - 1) * max_gain_db
        tilt = (torch.rand(n, 1, 1, 1, generator=gen) * 2 - 1) * max_tilt_db
        ramp = torch.linspace(-1, 1, x.shape[2]).view(1, 1, -1, 1)
        return torch.maximum(x + gain + tilt * ramp, torch.full_like(x, -100.0))
    return augment


def _shift_and_tint(max_shift: int = 3, max_tint: float = 0.2):
    """Image augmentation: a random shift of up to ``max_shift`` pixels and a random gain per colour channel, so
    that the classifier learns the instrument rather than the few players and stages of the training performances
    (Sub-URMP has 1 to 4 players per instrument; a test performance brings a new look)."""
    def augment(x: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
        n = x.shape[0]
        gains = 1 + (torch.rand(n, 3, 1, 1, generator=gen) * 2 - 1) * max_tint
        out = ((x + 1) * gains - 1).clamp(-1, 1)
        dx, dy = (int(v) for v in torch.randint(-max_shift, max_shift + 1, (2,), generator=gen))
        return torch.roll(out, shifts=(dy, dx), dims=(2, 3))
    return augment


ENCODER_RECIPE = 4  # bump when the training recipe (augmentations, penalties) changes: it is part of the cache key


@dataclass
class Encoders:
    sound: TrainedClassifier
    image: TrainedClassifier
    autoencoder: StackedAutoencoder
    history: dict[str, list[dict[str, float]]]
    key: dict[str, Any]
    width: int

    def accuracy(self, data: InstrumentData) -> dict[str, float]:
        """Held-out (test split) accuracy of the two classifiers."""
        test = data.idx("test")
        return {"sound_classifier_test_accuracy": self.sound.accuracy(data.lms[test], data.labels(test)),
                "image_classifier_test_accuracy": self.image.accuracy(data.images[test], data.labels(test))}


def train_encoders(data: InstrumentData, epochs: int, image_epochs: int, autoencoder_epochs: int, width: int = 16,
                   seed: int = 0, device: str | torch.device = "cpu") -> Encoders:
    """The three encoders, trained on the training split once per (dataset, settings) and cached."""
    key = {"recipe": ENCODER_RECIPE, "data": data.key, "epochs": epochs, "image_epochs": image_epochs, "ae_epochs": autoencoder_epochs,
           "width": width, "seed": seed}
    train = data.idx("train")
    labels, n = data.labels(train), len(data.classes)

    def build(folder: Path) -> None:
        sound = train_classifier(SoundClassifier(n, width), data.lms[train], labels, data.classes, epochs=epochs,
                                 seed=seed, device=device, augment=_gain_tilt(), l2=chen2017.L2_PENALTY.value)
        image = train_classifier(ImageEncoderClassifier(n, width), data.images[train], labels, data.classes,
                                 epochs=image_epochs, seed=seed, device=device, augment=_shift_and_tint())
        ae = StackedAutoencoder(data.lms.shape[2], data.lms.shape[3])
        ae_history = train_autoencoder(ae, data.lms[train], autoencoder_epochs, seed=seed, device=device)
        torch.save({"sound": sound.model.cpu().state_dict(), "image": image.model.cpu().state_dict(),
                    "autoencoder": ae.cpu().state_dict()}, folder / "encoders.pt")
        (folder / "history.json").write_text(json.dumps({"sound": sound.history, "image": image.history,
                                                         "autoencoder": ae_history}))

    folder = cached("chen_encoders", key, build)
    state = torch.load(folder / "encoders.pt", weights_only=True)
    sound, image = SoundClassifier(n, width), ImageEncoderClassifier(n, width)
    ae = StackedAutoencoder(data.lms.shape[2], data.lms.shape[3])
    for model, name in ((sound, "sound"), (image, "image"), (ae, "autoencoder")):
        model.load_state_dict(state[name])
        model.eval()
    return Encoders(TrainedClassifier(sound, data.classes), TrainedClassifier(image, data.classes), ae,
                    json.loads((folder / "history.json").read_text()), key, width)


# A unit whose spread over the training split is below this share of the median unit's counts as silent.
DEAD_UNIT_SPREAD = 1e-3


def conditions(encoders: Encoders, data: InstrumentData, kind: str) -> torch.Tensor:
    """The 128-d condition of every pair: ``"classifier"`` (S2I-C/N's sound encoding), ``"autoencoder"`` (S2I-A's)
    or ``"image"`` (I2S's image encoding), standardised by the training split's mean and spread (the kit's choice,
    so that the two sound encoders are compared on what they carry, not on their scale); units silent on the
    training split (:data:`DEAD_UNIT_SPREAD`) are 0 for every pair."""
    model = {"classifier": encoders.sound.model, "autoencoder": encoders.autoencoder,
             "image": encoders.image.model}.get(kind)
    if model is None:
        raise ParamsError(f"condition {kind!r}: use 'classifier', 'autoencoder' or 'image'")
    x = data.images if kind == "image" else data.lms
    enc = encodings(model, x)
    train = torch.as_tensor(data.idx("train"))
    mean, std = enc[train].mean(0), enc[train].std(0)
    # A unit silent on the whole training split (a dead ReLU) carries nothing the GAN could learn from; dividing by
    # its near-zero spread would multiply a test sound's stray activation by a million. Such units are set to 0.
    dead = std <= DEAD_UNIT_SPREAD * std.median().clamp_min(1e-12)
    return torch.where(dead, torch.zeros_like(enc), (enc - mean) / (std + 1e-6))


def example_rows(data: InstrumentData, per_instrument: int = 6, split: str = "train"
                 ) -> tuple[list[list[np.ndarray]], list[str]]:
    """Real pictures, one row per instrument, spread over its performances (for :func:`a2vlib.viz.image_grid`)."""
    rows = []
    for inst in data.classes:
        idx = data.idx(split, inst)
        pick = idx[np.linspace(0, len(idx) - 1, per_instrument).round().astype(int)]
        rows.append([data.pairs.images[i] for i in pick])
    return rows, [c.replace("_", " ") for c in data.classes]


def gallery_items(data: InstrumentData, split: str = "test") -> list[dict[str, Any]]:
    """One pair per instrument (picture, sound, performance, note) for :func:`a2vlib.viz.pair_gallery`."""
    items = []
    for inst in data.classes:
        i = data.idx(split, inst)[0]
        note = None if data.pairs.notes is None else int(data.pairs.notes[i])
        items.append({"image": data.pairs.images[i], "audio": data.pairs.waveforms[i], "instrument": inst,
                      "performance": data.pairs.performances[i], "MIDI note": note})
    return items


def confusions(encoders: Encoders, data: InstrumentData) -> dict[str, pd.DataFrame]:
    """Confusion matrices (rows: truth) of the two classifiers on the test split."""
    from a2vlib.viz import confusion_matrix

    test = data.idx("test")
    truth = data.labels(test)
    return {f"{name} classifier (test)": confusion_matrix(truth, clf.predict(x[test])[0], data.classes)
            for name, clf, x in (("sound", encoders.sound, data.lms), ("image", encoders.image, data.images))}
