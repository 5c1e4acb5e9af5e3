"""The volume study (Wan et al. §5.3, Table 3): the same sound at several gains, its features re-extracted after the
gain, the images a trained S2I generator draws for each, and the measured effect: the visual magnitude of those
images (read straight from the pixels, as SceneSynth-9 defines it) against the gain."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping, Sequence

import numpy as np
import pandas as pd
from scipy.stats import spearmanr

from a2vlib.studies.wan2019 import scenesynth as scenes
from a2vlib import verdicts
from a2vlib.core.errors import ParamsError
from a2vlib.studies.wan2019.data import SceneData, scene_data
from a2vlib.studies.wan2019.models import Judges, TrainedS2I, generate, train_s2i

KIT_RHO_TARGET = 0.5  # the kit's aim for its own rung's within-sound Spearman (issue: effects at lab scale)
KIT_GAINS = (0.5, 1.0, 2.0, 3.0)  # the kit's choice: the paper prints its gains only inside the Table 3 image


def pick_sounds(data: SceneData, per_class: int = 1, classes: Sequence[str] | None = None,
                target_loudness: float = 0.5) -> list[int]:
    """Indices of test sounds to study, ``per_class`` of each class, those whose loudness is nearest
    ``target_loudness``. At 0.5 the gains 0.5x-2x keep the sound inside the loudness range the generator was trained
    on (SceneSynth-9: 0.25-1); only 3x extrapolates. (With the quietest sounds, 0.5x falls below the range and the
    generator's output there is noise, not a smaller object.)"""
    chosen = []
    for c in classes or data.classes:
        idx = [i for i, lbl in enumerate(data.test_labels) if lbl == c]
        chosen += sorted(idx, key=lambda i: abs(data.test_loudness[i] - target_loudness))[:per_class]
    if not chosen:
        raise ParamsError("no test sounds of the requested classes; enlarge the dataset or change the classes")
    return chosen


def images_at_gains(model: TrainedS2I, data: SceneData, sound_idx: Sequence[int], gains: Sequence[float],
                    seed: int = 0) -> np.ndarray:
    """(n_sounds, n_gains, H, W, 3): each sound scaled by each gain, its features re-extracted, one image each.
    The noise z is the same for every gain of a sound, so the gain is the only thing that changes."""
    if not len(gains) or min(gains) <= 0:
        raise ParamsError(f"gains must be positive, got {list(gains)}")
    waves = [data.test_audio[i] * g for i in sound_idx for g in gains]
    cond = data.condition(waves)
    import torch

    z = torch.randn(len(sound_idx), model.config.z_dim, generator=torch.Generator().manual_seed(seed))
    z = z.repeat_interleave(len(gains), dim=0)
    return generate(model, cond, z=z).reshape(len(sound_idx), len(gains), *data.test_images.shape[1:])


def sound_labels(data: SceneData, sound_idx: Sequence[int]) -> list[str]:
    """Row labels for the grid: class and loudness of each studied sound."""
    return [f"{data.test_labels[i]} ({data.test_loudness[i]:.2f})" for i in sound_idx]


def grid_rows(grid: np.ndarray, data: SceneData, sound_idx: Sequence[int], gains: Sequence[float]
              ) -> tuple[list[list[np.ndarray]], list[str], list[str]]:
    """A (sounds, gains) image grid as (rows, row labels, column labels) for :func:`a2vlib.viz.image_grid`."""
    return [list(r) for r in grid], sound_labels(data, sound_idx), [f"x{g:g}" for g in gains]


def continuous_gains(steps: int, low: float = 0.5, high: float = 3.0) -> list[float]:
    """``steps`` gains evenly from ``low`` to ``high`` (the range of :data:`KIT_GAINS`)."""
    return [float(g) for g in np.linspace(low, high, steps).round(3)]


def gallery(grid: np.ndarray, data: SceneData, sound_idx: Sequence[int], gains: Sequence[float], row: int = 0,
            scale: float = 3.0) -> list[dict[str, Any]]:
    """One sound at every gain with its image, for :func:`a2vlib.viz.pair_gallery`; the players are scaled down
    together by ``scale`` so that louder stays louder and nothing clips."""
    y = data.test_audio[sound_idx[row]]
    return [{"image": grid[row, j], "audio": y * g / scale, "gain": g} for j, g in enumerate(gains)]


def model_info(model: TrainedS2I) -> pd.Series:
    return pd.Series({"loaded from the cache (trained by 04 or an earlier run)": model.cache_hit,
                      "epochs": len(model.history), "cache folder": str(model.folder)})


def measure(images: np.ndarray, gains: Sequence[float], data: SceneData, sound_idx: Sequence[int]) -> pd.DataFrame:
    """One row per generated image of a (sounds, gains) grid: the sound, its loudness, the gain, whether loudness x
    gain stays in the loudness range the generator was trained on, the object size
    (:func:`~a2vlib.studies.wan2019.scenesynth.object_size`: the largest region unlike the background, noise left out), the
    raw visual magnitude, and whether the object size lies within the range of the real pictures'."""
    lo, hi = scenes.LOUDNESS_RANGE
    flat = images.reshape(-1, *images.shape[2:])
    real = scenes.object_size(data.reference_images)
    rows = []
    for k, i in enumerate(sound_idx):
        for j, g in enumerate(gains):
            rows.append({"sound": f"{data.test_labels[i]} #{i}", "class": data.test_labels[i],
                         "loudness": float(data.test_loudness[i]), "gain": float(g),
                         "in_trained_range": bool(lo - 1e-9 <= data.test_loudness[i] * g <= hi + 1e-9)})
    table = pd.DataFrame(rows)
    table["object_size"] = scenes.object_size(flat)
    table["visual_magnitude"] = scenes.visual_magnitude(flat)
    table["within_real_range"] = table.object_size.between(real.min(), real.max())
    table.attrs["real_range"] = (float(real.min()), float(real.max()))
    return table


def _pooled_spearman(table: pd.DataFrame) -> float:
    if len(table) < 3 or table.object_size.nunique() < 2 or table.gain.nunique() < 2:
        return float("nan")
    return float(spearmanr(table.gain, table.object_size).statistic)


def _within_sound_spearman(table: pd.DataFrame) -> float:
    """Spearman(gain, object size) within each sound, averaged over sounds: what a louder version of *one* sound
    does, without the differences between sounds and classes that a pooled correlation mixes in."""
    rhos = [_sound_spearman(g) for _, g in table.groupby("sound")]
    rhos = [r for r in rhos if np.isfinite(r)]
    return float(np.mean(rhos)) if rhos else float("nan")


def _sound_spearman(one: pd.DataFrame) -> float:
    """One sound's Spearman(gain, object size): from two gains on (a sound near the edge of the trained range has
    few); 0 when the object does not change with the gain (it did not grow); NaN with fewer than two gains."""
    if one.gain.nunique() < 2:
        return float("nan")
    if one.object_size.nunique() < 2:
        return 0.0
    return float(spearmanr(one.gain, one.object_size).statistic)


def bootstrap_within_sound(table: pd.DataFrame, reps: int = 500, seed: int = 0) -> tuple[float, float]:
    """:func:`_within_sound_spearman` and its bootstrap standard error over sounds."""
    groups = [g for _, g in table.groupby("sound")]
    return _within_sound_spearman(table), verdicts.cluster_bootstrap_se(
        groups, lambda picked: _within_sound_spearman(
            pd.concat([g.assign(sound=k) for k, g in enumerate(picked)])), reps=reps, seed=seed)


def bootstrap_spearman(table: pd.DataFrame, reps: int = 500, seed: int = 0) -> tuple[float, float]:
    """Pooled Spearman(gain, object size) and its bootstrap standard error over sounds (sounds resampled with
    replacement, all of a sound's images together)."""
    groups = [g for _, g in table.groupby("sound")]
    return _pooled_spearman(table), verdicts.cluster_bootstrap_se(
        groups, lambda picked: _pooled_spearman(pd.concat(picked)), reps=reps, seed=seed)


def effect_metrics(effect: pd.DataFrame) -> dict[str, float]:
    """The figures notebook 05 records: the rank correlation in the trained range (with its bootstrap SE) and over
    all images, and the share of images whose object lies within the real range."""
    inside = effect[effect.in_trained_range]
    rho, se = bootstrap_spearman(inside)
    within, within_se = bootstrap_within_sound(inside)
    return {"volume_spearman_in_trained_range": rho, "volume_spearman_in_trained_range_se": se,
            "volume_spearman_within_sound": within, "volume_spearman_within_sound_se": within_se,
            "volume_spearman_all_gains": _pooled_spearman(effect),
            "share_within_real_range": float(inside.within_real_range.mean()) if len(inside) else float("nan"),
            "share_within_real_range_all_gains": float(effect.within_real_range.mean()),
            "images_in_trained_range": int(len(inside)), "images": int(len(effect))}


def weight_average_effect(model: TrainedS2I, data: SceneData, sound_idx: Sequence[int], gains: Sequence[float],
                          monitor: Judges | None = None, seed: int = 0, device: Any = "cpu") -> pd.DataFrame:
    """:func:`measure` for the kit's rung (g+ema): ``model``'s own training (the cache's, no new one), sampled from the
    average of its generator's weights (:mod:`a2vlib.training.ema`)."""
    ema = train_s2i(data, model.config.replace(weights="ema"), model.seed, device, monitor=monitor)
    return measure(images_at_gains(ema, data, sound_idx, gains, seed), gains, data, sound_idx)


def compare_models(effects: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """The volume effect of several models of one study, a row each: Spearman within each sound in the trained range
    (with its bootstrap SE over sounds), pooled, and the share of objects within the real range."""
    cols = ["volume_spearman_within_sound", "volume_spearman_within_sound_se", "volume_spearman_in_trained_range",
            "share_within_real_range"]
    return pd.DataFrame({name: effect_metrics(e) for name, e in effects.items()}).T[cols]


def effect_table(effect: pd.DataFrame) -> pd.DataFrame:
    """Object size per sound (rows) and gain (columns), for :func:`a2vlib.viz.gain_plot`."""
    wide = effect.pivot_table(index="sound", columns="gain", values="object_size", sort=False)
    wide.columns = [f"x{g:g}" for g in wide.columns]
    return wide.reset_index()


def loudness_readout(params: Mapping[str, Any], features: Sequence[str], image_size: int = 32, summary: str = "mean",
                     device: Any = "cpu") -> pd.DataFrame:
    """Where loudness is lost, before any GAN: how much of each sound's loudness its standardised, time-averaged
    condition vector still carries. A ridge regression (scikit-learn's ``RidgeCV``, alpha chosen by leave-one-out on
    the training pairs) from each feature's vectors to the log loudness of the training sounds (the features are in
    dB, so a gain is a shift), scored on the test pairs: R^2 and Spearman's rho between read-out and true loudness. A feature with R^2 near 0 gives the generator nothing
    to grow an object from; one with a high R^2 whose model's objects do not grow says the generator is the limit."""
    from sklearn.linear_model import RidgeCV

    rows = []
    for f in features:
        data = scene_data(params, f, image_size, summary, device)
        if data.train_loudness is None:
            raise ParamsError(f"{f}: these pairs carry no loudness to read out")
        target = np.log(data.train_loudness), np.log(data.test_loudness)
        model = RidgeCV(alphas=np.logspace(-3, 4, 15)).fit(data.train_cond, target[0])
        guess = model.predict(data.test_cond)
        rows.append({"feature": f, "dim": data.cond_dim, "train pairs": len(data.train_cond),
                     "test pairs": len(data.test_cond), "held-out R^2": model.score(data.test_cond, target[1]),
                     "Spearman rho": float(spearmanr(guess, data.test_loudness).statistic),
                     "alpha": float(model.alpha_)})
    return pd.DataFrame(rows).set_index("feature")


def truth_spearman(manifest: pd.DataFrame, root: Any, image_size: int = 32) -> float:
    """The data's own relation: loudness against the object size of the clean reference pictures, measured at the
    study's image size the same way as the generated ones."""
    rows = manifest[(manifest.split == "reference") & manifest.is_consistent.astype(bool)
                    & manifest.sound_class.isin(scenes.CLASSES)]
    sizes = scenes.object_size(scenes.load_images(root, rows, size=image_size))
    return float(spearmanr(rows.loudness, sizes).statistic)


def findings(effect: pd.DataFrame, rho_truth: float, rho_target: float = 0.6, share_target: float = 0.8,
             kit_effect: pd.DataFrame | None = None) -> list[verdicts.Finding]:
    """The volume study's claims, judged on the numbers of its one model: that the object grows with the gain (the
    paper's claim, here about this model only: where the sound stays in the trained range, Spearman within each
    sound, averaged over sounds, against the kit's ``rho_target`` (the paper names no figure), bootstrap spread over
    sounds); and the kit's checks: the objects stay within the real range (share against ``share_target``), and the
    same relation holds in the data; with ``kit_effect`` (:func:`weight_average_effect`), the kit's rung against
    :data:`KIT_RHO_TARGET`."""
    inside = effect[effect.in_trained_range]
    rho, se = bootstrap_within_sound(inside)
    # one trained model: its sounds are independent draws for *this model*, not training runs; the paper's claim
    # gets no verdict from it
    out = [verdicts.kit(verdicts.estimate_at_least(
               f"this model: a louder sound gives a larger object (Spearman within each sound, trained range) of "
               f"at least the kit's target {rho_target} (one model; no verdict on the paper's claim)", rho, se,
               rho_target,
               how=f"bootstrap over {inside.sound.nunique()} sounds")),
           _share_finding(f"generated objects lie within the real pictures' size range "
                          f"({effect.attrs.get('real_range', (0, 0))[0]:.3f}-{effect.attrs.get('real_range', (0, 0))[1]:.3f})"
                          f" at least {share_target:.0%} of the time (trained range)", inside, share_target),
           verdicts.kit(verdicts.at_least("in the data itself, object size follows loudness (Spearman >= 0.9)",
                                          [rho_truth], 0.9, exact=True))]
    if kit_effect is not None:
        kit_inside = kit_effect[kit_effect.in_trained_range]
        kit_rho, kit_se = bootstrap_within_sound(kit_inside)
        out.append(verdicts.kit(verdicts.estimate_at_least(
            f"this model sampled from its weight average (g+ema): a louder sound gives a larger object (Spearman "
            f"within each sound, trained range) of at least the kit's aim {KIT_RHO_TARGET}", kit_rho, kit_se,
            KIT_RHO_TARGET, how=f"bootstrap over {kit_inside.sound.nunique()} sounds")))
    beyond = effect[~effect.in_trained_range]
    if len(beyond):
        out.append(_share_finding("beyond the trained range (extrapolation), objects stay within the real size range "
                                  "at least half of the time", beyond, 0.5))
    return out


def _share_finding(claim: str, images: pd.DataFrame, target: float) -> verdicts.Finding:
    """The share of ``images`` whose object lies within the real size range, against ``target``, as a kit finding.
    One sound's images at several gains are not independent: Wilson's interval is taken on an effective number of
    images, the images over the design effect that a bootstrap over sounds measures, held between 1 (independent
    images) and the images per sound (one draw per sound), the latter where the share is 0 or 1 and the bootstrap
    has no spread to measure."""
    if images.empty:
        return verdicts.kit(verdicts.proportion_at_least(claim, 0, 0, target))
    groups = [g for _, g in images.groupby("sound")]
    n, hits = len(images), int(images.within_real_range.sum())
    share, per_sound = hits / n, n / len(groups)
    se = verdicts.cluster_bootstrap_se(groups, lambda picked: float(pd.concat(picked).within_real_range.mean()))
    binomial = share * (1 - share) / n
    effect = se ** 2 / binomial if binomial > 0 and np.isfinite(se) else per_sound
    n_eff = n / min(max(effect, 1.0), per_sound)
    lo, hi = verdicts.wilson_interval(share * n_eff, n_eff)
    status = verdicts.HOLDS if lo >= target else verdicts.FAILS if hi < target else verdicts.INCONCLUSIVE
    return verdicts.kit(verdicts.Finding(claim, status, f"{share:.3f} ({hits} of {n} images from {len(groups)} "
                                                        f"sounds; 95 % Wilson interval {lo:.3f}-{hi:.3f} on "
                                                        f"{n_eff:.1f} effective images, by a bootstrap over sounds) "
                                                        f"against {target:.3f}"))


@dataclass
class ExplorerView:
    """What the explorer shows for one (sound, gain): the generated image, the sound at that gain, its magnitude."""

    image: np.ndarray
    audio: np.ndarray
    sample_rate: int
    magnitude: float
    label: str


def explorer_view(model: TrainedS2I, data: SceneData, sound_index: int, gain: float, seed: int = 0) -> ExplorerView:
    """The explorer's callback as a plain function (tested; the widget only calls it)."""
    if not 0 <= sound_index < len(data.test_audio):
        raise ParamsError(f"sound_index {sound_index} is out of range 0..{len(data.test_audio) - 1}")
    image = images_at_gains(model, data, [sound_index], [gain], seed)[0, 0]
    audio = data.test_audio[sound_index] * gain
    return ExplorerView(image, audio, data.sample_rate, float(scenes.object_size(image)),
                        data.test_labels[sound_index])


def make_explorer(model: TrainedS2I, data: SceneData, sound_idx: Sequence[int], gains: tuple[float, float] = (0.5, 3.0),
                  seed: int = 0):
    """An ipywidgets explorer: a sound picker and a gain slider; it plays the sound and shows the image.
    A static HTML report cannot run it: the notebook draws the static grid as well."""
    import ipywidgets as widgets
    import matplotlib.pyplot as plt
    from IPython.display import Audio, display

    from a2vlib.viz import image_grid

    picker = widgets.Dropdown(options=[(f"{data.test_labels[i]} #{i}", i) for i in sound_idx], description="sound")
    slider = widgets.FloatSlider(value=1.0, min=gains[0], max=gains[1], step=0.25, description="gain")
    out = widgets.Output()

    def show(*_: Any) -> None:
        view = explorer_view(model, data, picker.value, slider.value, seed)
        with out:
            out.clear_output(wait=True)
            fig = image_grid([[view.image]], title=f"{view.label} x{slider.value:g}: magnitude {view.magnitude:.3f}",
                             cell=3.0)
            display(fig)
            plt.close(fig)  # shown once, inside the widget, not again by the inline backend
            # scaled down together so that louder stays louder and nothing clips
            display(Audio(np.clip(view.audio / max(1.0, gains[1]), -1, 1), rate=view.sample_rate, normalize=False))

    picker.observe(show, names="value")
    slider.observe(show, names="value")
    show()
    return widgets.VBox([widgets.HBox([picker, slider]), out])
