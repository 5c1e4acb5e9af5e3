"""Figures, sound players and tables for the notebooks: each function returns something a cell can show."""
from __future__ import annotations

import base64
import html
import io
from typing import Any, Mapping, Sequence

import numpy as np
import pandas as pd


def _figure(nrows: int, ncols: int, cell: float = 1.2, **kw):
    import matplotlib.pyplot as plt

    return plt.subplots(nrows, ncols, figsize=(max(2.0, ncols * cell), max(1.5, nrows * cell)), squeeze=False, **kw)


def image_grid(images: Sequence[Sequence[np.ndarray]], row_labels: Sequence[str] | None = None,
               col_labels: Sequence[str] | None = None, title: str | None = None, cell: float = 1.1):
    """A grid of RGB images given as rows (lists of (H, W, 3) uint8 arrays); returns the figure."""
    nrows, ncols = len(images), max(len(r) for r in images)
    fig, axes = _figure(nrows, ncols, cell)
    for i, row in enumerate(images):
        for j in range(ncols):
            ax = axes[i][j]
            ax.set_xticks([]), ax.set_yticks([])
            for s in ax.spines.values():
                s.set_visible(False)
            if j < len(row):
                ax.imshow(row[j], interpolation="nearest")
            if j == 0 and row_labels is not None:
                ax.set_ylabel(row_labels[i], rotation=0, ha="right", va="center", fontsize=9)
            if i == 0 and col_labels is not None and j < len(col_labels):
                ax.set_title(col_labels[j], fontsize=8)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def spectrogram_grid(waveforms: Sequence[np.ndarray], sr: int, titles: Sequence[str], ncols: int = 3):
    """Log-mel spectrograms of several clips side by side; returns the figure."""
    from a2vlib.core.compiled import librosa as load_librosa
    load_librosa()
    import librosa.display
    from matplotlib.ticker import MaxNLocator

    from a2vlib.features.spectral import log_mel

    nrows = int(np.ceil(len(waveforms) / ncols))
    fig, axes = _figure(nrows, ncols, cell=2.6)
    for k, ax in enumerate(np.ravel(axes)):
        if k >= len(waveforms):
            ax.axis("off")
            continue
        librosa.display.specshow(log_mel(waveforms[k], sr, n_mels=64), sr=sr, hop_length=512, x_axis="time",
                                 y_axis="mel", ax=ax, vmin=-80, vmax=0, cmap="magma")
        ax.xaxis.set_major_locator(MaxNLocator(3))  # short clips (spoken digits) otherwise crowd the time axis
        ax.set_title(titles[k], fontsize=9)
        ax.set_xlabel(""), ax.set_ylabel("")
    fig.tight_layout()
    return fig


def confusion_matrix(truth: Sequence[str], predicted: Sequence[str], labels: Sequence[str]) -> pd.DataFrame:
    """Counts: rows = truth, columns = prediction."""
    m = pd.DataFrame(0, index=list(labels), columns=list(labels))
    for t, p in zip(truth, predicted, strict=True):
        m.loc[t, p] += 1
    m.index.name, m.columns.name = "truth", "predicted"
    return m


def confusion_plots(matrices: Mapping[str, pd.DataFrame]):
    """Heat maps of several confusion matrices side by side; returns the figure."""
    import seaborn as sns

    fig, axes = _figure(1, len(matrices), cell=5.0)
    for ax, (title, m) in zip(axes[0], matrices.items()):
        sns.heatmap(m, annot=True, fmt="d", cbar=False, cmap="Blues", ax=ax, annot_kws={"fontsize": 7})
        ax.set_title(title)
    fig.tight_layout()
    return fig


def _png_data_uri(img: np.ndarray, scale: int = 2) -> str:
    from PIL import Image

    im = Image.fromarray(np.asarray(img, dtype=np.uint8))
    im = im.resize((im.width * scale, im.height * scale), Image.NEAREST)
    buf = io.BytesIO()
    im.save(buf, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()


def _wav_data_uri(y: np.ndarray, sr: int) -> str:
    import soundfile as sf

    buf = io.BytesIO()
    sf.write(buf, np.clip(np.asarray(y, dtype=np.float32), -1, 1), sr, format="WAV", subtype="PCM_16")
    return "data:audio/wav;base64," + base64.b64encode(buf.getvalue()).decode()


def audio_player(y: np.ndarray, sr: int):
    """An embedded player that keeps the clip's level (no normalisation: loudness is part of the story)."""
    from IPython.display import Audio

    return Audio(np.clip(y, -1, 1), rate=sr, normalize=False)


def pair_gallery(items: Sequence[Mapping[str, Any]], sr: int, columns: Sequence[str] = ()) -> Any:
    """An HTML table of image + sound pairs: each item has ``image``, ``audio`` and the fields named in ``columns``.

    Images and sounds are embedded as data URIs, so the exported report plays them offline.
    """
    return media_table(items, sr, images=("image",), audio=("audio",), text=columns,
                       headers={"image": "picture", "audio": "sound"}, text_first=False)


def media_table(items: Sequence[Mapping[str, Any]], sr: int, images: Sequence[str] = (), audio: Sequence[str] = (),
                text: Sequence[str] = (), headers: Mapping[str, str] | None = None, text_first: bool = True) -> Any:
    """An HTML table, one row per item: the fields named in ``text``, ``images`` (uint8 (H, W, 3)) and ``audio``
    (waveforms at ``sr``, players that keep their level), embedded as data URIs so the report works offline."""
    from IPython.display import HTML

    headers = dict(headers or {})
    media = [*images, *audio]
    names = [*text, *media] if text_first else [*media, *text]
    head = "".join(f"<th>{html.escape(headers.get(c, c))}</th>" for c in names)
    rows = []
    for it in items:
        cells = {c: f"<td>{html.escape(_fmt(it.get(c, '')))}</td>" for c in text}
        cells.update({c: f"<td><img src='{_png_data_uri(it[c])}' width='96'></td>" for c in images})
        cells.update({c: f"<td><audio controls preload='metadata' src='{_wav_data_uri(it[c], sr)}'></audio></td>"
                      for c in audio})
        rows.append("<tr>" + "".join(cells[c] for c in names) + "</tr>")
    return HTML(f"<table><tr>{head}</tr>{''.join(rows)}</table>")


def _fmt(v: Any) -> str:
    return f"{v:.3g}" if isinstance(v, (float, np.floating)) else str(v)


_VERDICT_COLOURS = {"holds": "#d4edda", "does not hold": "#f8d7da", "inconclusive": "#fff3cd"}


def findings(items: Sequence[Any]):
    """Findings (:class:`a2vlib.verdicts.Finding`) as a table: claim, whose claim (the paper's or the kit's),
    verdict (coloured), the numbers behind it; under it, how the findings are judged (test, level, unit)."""
    from IPython.display import HTML

    from a2vlib.verdicts import HOW_JUDGED

    rows = "".join(
        f"<tr><td style='text-align:left'>{html.escape(f.claim)}</td><td>{html.escape(f.basis)}</td>"
        f"<td style='background:{_VERDICT_COLOURS.get(f.status, '#fff')}'><b>{html.escape(f.status)}</b></td>"
        f"<td style='text-align:left'>{html.escape(f.evidence)}</td></tr>" for f in items)
    return HTML(f"<table><tr><th>claim</th><th>whose</th><th>verdict</th><th>evidence</th></tr>{rows}</table>"
                f"<p style='font-size:smaller'>{html.escape(HOW_JUDGED)}</p>")


def spread_table(table: pd.DataFrame, spreads: Mapping[str, str], digits: int = 3) -> Any:
    """``table`` rounded, with a caption that says what each spread column is (SD over training seeds, SD over the
    score's splits, the paper's own ±), so that two kinds of ± never share one name."""
    notes = "; ".join(f"<b>{name}</b>: {what}" for name, what in spreads.items())
    return table.round(digits).style.format(precision=digits).set_caption(
        f"<span style='font-weight:normal'>{notes}</span>")


def beside_paper(ours: Mapping[str, Any], paper: Mapping[str, Any], ours_name: str = "ours",
                 paper_name: str = "paper") -> pd.DataFrame:
    """A table with our figure and the paper's for each key (missing ones left blank)."""
    keys = list(dict.fromkeys([*paper, *ours]))
    return pd.DataFrame({paper_name: [_fmt(paper[k]) if k in paper else "" for k in keys],
                         ours_name: [_fmt(ours[k]) if k in ours else "" for k in keys]}, index=keys)


def scatter_with_fit(x: Sequence[float], y: Sequence[float], hue: Sequence[str] | None = None, xlabel: str = "",
                     ylabel: str = "", title: str = ""):
    """A scatter plot (coloured by ``hue``) with the Spearman correlation in the title; returns the figure."""
    import seaborn as sns
    from scipy.stats import spearmanr

    fig, axes = _figure(1, 1, cell=4.5)
    ax = axes[0][0]
    sns.scatterplot(x=np.asarray(x), y=np.asarray(y), hue=None if hue is None else list(hue), s=14, ax=ax)
    rho = spearmanr(x, y).statistic
    ax.set(xlabel=xlabel, ylabel=ylabel, title=f"{title} (Spearman {rho:.2f})".strip())
    if hue is not None:
        ax.legend(fontsize=7, ncol=2)
    fig.tight_layout()
    return fig


def ladder_plot(summary: pd.DataFrame):
    """Per rung: our classifier score (mean +- std over seeds), the paper's Inception Score on its own axis (another
    scale: compare orderings, not values), and the accuracy of generated images by the scene and the object judge."""
    fig, axes = _figure(1, 3, cell=4.2)
    rungs = list(summary.index)
    x = np.arange(len(rungs))
    ticks = [f"({r})" for r in rungs]
    ax = axes[0][0]
    ax.errorbar(x, summary.score_mean, yerr=summary.score_std.fillna(0), marker="o", capsize=3)
    ax.set_xticks(x, ticks)
    ax.set(title="Ours: classifier score (max 9)", ylabel="mean ± std over seeds")
    ax = axes[0][1]
    ax.errorbar(x, summary.paper_IS, yerr=summary.paper_IS_std.fillna(0), marker="s", color="tab:gray", capsize=3)
    ax.set_xticks(x, ticks)
    ax.set(title="Paper: Inception Score (Table 4)", ylabel="mean ± std over 10 splits")
    ax = axes[0][2]
    has_object = summary.object_accuracy_mean.notna().any()  # digits have one judge, no object judge
    ax.errorbar(x, summary.accuracy_mean, yerr=summary.accuracy_std.fillna(0), marker="o",
                label="scene judge" if has_object else "judge")
    if has_object:
        ax.errorbar(x, summary.object_accuracy_mean, yerr=summary.object_accuracy_std.fillna(0), marker="s",
                    label="object judge")
    ax.set_xticks(x, ticks)
    ax.set_ylim(0, 1)
    ax.set_title("Ours: accuracy of generated images")
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def budget_plot(curve: pd.DataFrame, real: Mapping[str, float] | None = None, target: float | None = None):
    """Object- and scene-judge accuracy of generated images against training epochs (and seconds), with the judges'
    accuracy on real images (``real``: row (a)'s ``accuracy`` and ``object_accuracy``) as dashed lines. A judge that
    is not there (all NaN, as the object judge on digits) is left out."""
    fig, axes = _figure(1, 1, cell=5.0)
    ax = axes[0][0]
    scene_name = curve.attrs.get("scene_name", "scene judge")
    real = real or {}
    for column, name, marker, colour in (("object_accuracy", "object judge", "s", "tab:blue"),
                                         ("scene_accuracy", scene_name, "o", "tab:orange")):
        if column in curve and curve[column].notna().any():
            ax.plot(curve.epoch, curve[column], marker=marker, color=colour, label=name)
            on_real = real.get("accuracy" if column == "scene_accuracy" else column)
            if on_real is not None and np.isfinite(on_real):
                ax.axhline(on_real, ls="--", color=colour, alpha=0.6, label=f"{name} on real images")
    if target is not None:
        ax.axhline(target, ls=":", color="tab:red", label=f"target {target:.0%}")
    ax.set(xlabel="epochs", ylabel="accuracy of generated test images", ylim=(0, 1),
           title=f"Budget: full model (g), {curve.train_s.iloc[-1]:.0f} s of training in all")
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def gain_plot(table: pd.DataFrame, gains: Sequence[float], title: str = ""):
    """Visual magnitude of generated images against gain, one line per sound; returns the figure."""
    fig, axes = _figure(1, 1, cell=5.0)
    ax = axes[0][0]
    for _, row in table.iterrows():
        ax.plot(gains, row.drop("sound").to_numpy(dtype=float), marker=".", alpha=0.7, label=row["sound"])
    ax.set(xlabel="gain applied to the sound", ylabel="visual magnitude of the generated image", title=title)
    ax.legend(fontsize=7, ncol=3)
    fig.tight_layout()
    return fig


def lms_pairs(real: Sequence[np.ndarray], generated: Sequence[np.ndarray], titles: Sequence[str],
              vmin: float = -100.0, vmax: float = 40.0):
    """Log-mel spectrograms in dB (mels x frames): real in the first row, generated in the second (Chen Fig. 11)."""
    fig, axes = _figure(2, len(titles), cell=1.5)
    for j, title in enumerate(titles):
        for i, spec in enumerate((real[j], generated[j])):
            ax = axes[i][j]
            ax.imshow(spec, origin="lower", aspect="auto", cmap="magma", vmin=vmin, vmax=vmax)
            ax.set_xticks([]), ax.set_yticks([])
            if i == 0:
                ax.set_title(title.replace("_", " "), fontsize=8)
            if j == 0:
                ax.set_ylabel(("real", "generated")[i], fontsize=9)
    fig.tight_layout()
    return fig


def band_energy_plot(bands: pd.DataFrame):
    """Mean level per mel band, real against generated."""
    fig, axes = _figure(1, 1, cell=4.5)
    ax = axes[0][0]
    for col in ("real", "generated"):
        ax.plot(bands["mel band"], bands[col], label=col)
    ax.set(xlabel="mel band (low to high)", ylabel="mean level (dB)", title="Energy per band, test sounds")
    ax.legend()
    fig.tight_layout()
    return fig


def accuracy_curves(curves: pd.DataFrame, chance: float | None = None):
    """Accuracy of generated images against epochs per variant and split (Chen Fig. 9), mean and spread over seeds."""
    import seaborn as sns

    fig, axes = _figure(1, 1, cell=5.5)
    ax = axes[0][0]
    sns.lineplot(data=curves, x="epoch", y="accuracy", hue="variant", style="split", marker="o", ax=ax,
                 errorbar=("sd", 1) if curves.get("seed") is not None and curves["seed"].nunique() > 1 else None)
    if chance is not None:
        ax.axhline(chance, ls=":", color="tab:gray", label="chance")
    ax.set(ylim=(0, 1), ylabel="judge's accuracy on generated images")
    ax.legend(fontsize=7)
    fig.tight_layout()
    return fig


def waveform_pairs(real: Sequence[np.ndarray], generated: Sequence[np.ndarray], titles: Sequence[str], sr: int):
    """Per column (a category): the real and the generated waveform, then their log-mel spectrograms."""
    from a2vlib.features.spectral import log_mel

    fig, axes = _figure(4, len(titles), cell=2.2)
    for j, title in enumerate(titles):
        for i, (y, name) in enumerate(((real[j], "real"), (generated[j], "generated"))):
            t = np.arange(len(y)) / sr
            axes[i][j].plot(t, y, lw=0.5, color=("tab:blue", "tab:orange")[i])
            axes[i][j].set(ylim=(-1, 1), title=title if i == 0 else "")
            axes[i + 2][j].imshow(log_mel(np.asarray(y, np.float32), sr, n_mels=64), origin="lower", aspect="auto",
                                  cmap="magma", vmin=-100, vmax=20)
            axes[i + 2][j].set_xticks([]), axes[i + 2][j].set_yticks([])
            if j == 0:
                axes[i][j].set_ylabel(name)
                axes[i + 2][j].set_ylabel(f"{name} (log-mel)")
    fig.tight_layout()
    return fig


def training_curves(curves: pd.DataFrame, y: str, hue: str, ylabel: str, real: float | None = None,
                    target: float | None = None, style: str | None = None, ylim: tuple[float, float] = (0, 1)):
    """A measure of the generated samples against epochs (measured along the trainings), per ``hue`` (and
    ``style``), with what the real data gives (``real``) and the kit's target."""
    import seaborn as sns

    fig, axes = _figure(1, 1, cell=4.5)
    ax = axes[0][0]
    sns.lineplot(data=curves, x="epoch", y=y, hue=hue, style=style, marker="o", ax=ax)
    if real is not None:
        ax.axhline(real, ls="--", color="tab:gray", label=f"real ({real:.2f})")
    if target is not None:
        ax.axhline(target, ls=":", color="tab:red", label=f"kit's target ({target:g})")
    ax.set(ylim=ylim, ylabel=ylabel)
    ax.legend(fontsize=7)
    fig.tight_layout()
    return fig


def onset_curves(curves: pd.DataFrame, real_f: float | None = None, target: float | None = None):
    """Onset F of the generated test clips against epochs, per category, with the detector's F on the real audio
    and the kit's target."""
    return training_curves(curves, "onset F", "category", "onset F (one video frame)", real_f, target)


def envelope_pairs(real: Sequence[np.ndarray], generated: Sequence[np.ndarray], events: Sequence[np.ndarray],
                   titles: Sequence[str], frame_s: float):
    """Per test clip: the onset-strength envelope of the real and of the generated audio, the true events marked."""
    fig, axes = _figure(len(titles), 1, cell=2.0)
    fig.set_size_inches(8, 1.9 * len(titles))
    for ax, r, g, ev, title in zip((row[0] for row in axes), real, generated, events, titles):
        for y, name, color in ((r, "real", "tab:blue"), (g, "generated", "tab:orange")):
            ax.plot(np.arange(len(y)) * frame_s, y / (y.max() or 1.0), lw=0.8, color=color, label=name)
        for e in ev:
            ax.axvline(e, color="tab:gray", ls=":", lw=1)
        ax.set(title=title, ylabel="onset strength\n(of its max)", yticks=[])
    axes[0][0].legend(fontsize=7, loc="upper right")
    axes[-1][0].set_xlabel("seconds (dotted: the true events)")
    fig.tight_layout()
    return fig

