"""Readers for three published layouts: SoundNet-Flickr as Wan et al. (2019) listed it, VEGAS and The Greatest Hits.

Each reader returns a manifest (a pandas DataFrame, one row per item, absolute paths) and only reads: nothing is
ever written into the source folder. Files a reader leaves out are named in ``df.attrs["skipped"]`` as
``(path, reason)`` pairs; ``df.attrs`` also holds ``source`` and ``root``. Errors are :class:`DataError` naming the
file (and line) at fault. Layouts, as found in public code (repository and path in each reader's docstring):

- SoundNet-Flickr, Wan et al.'s split (wjohn1483/Audio_to_Scene_Image_Generator): one list per split and class,
  ``training_and_testing_data_list/{training,testing}_data_<class>_keywords.txt``, one mp3 path a line, relative to
  where SoundNet's ``mp3_public.tar.gz`` unpacks (``mp3/videos/8/6/9/5676758869.mp4.mp3``). A clip's frames are
  ``frames/videos/8/6/9/5676758869.mp4/0000000{3,8,13,18}.jpg`` (from ``frames_public.tar.gz``).
- VEGAS (Zhou et al. 2018): a folder per category holding the clips, ``VEGAS/<category>/videos/*.mp4``.
- The Greatest Hits (Owens et al. 2016): ``vis-data/<recording>_{denoised,mic}.mp4``, ``..._{denoised,mic}.wav``
  and ``<recording>_times.txt`` (one hit a line: time in seconds, material, action, reaction; ``None`` where unset).
"""
from __future__ import annotations

import os
import re
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from pathlib import Path

import pandas as pd

from a2vlib.core.checks import is_int
from a2vlib.core.errors import DataError, ParamsError
from a2vlib.data.video_io import read_video
from a2vlib.data.video_pairs import VIDEO_SUFFIXES

MAX_LISTED = 5  # missing files named in one error

# Wan et al.'s nine classes in the order of their loader (the class index of the auxiliary classifier), the four
# frames it pairs with each sound, and the prefix of each split's list files.
WAN_CLASSES = ("plane", "speedboat", "guitar", "piano", "drum", "dog", "dam", "baseball", "soccer")
WAN_FRAMES = (3, 8, 13, 18)
WAN_SPLITS = {"train": "training", "test": "testing"}
WAN_LISTS = "training_and_testing_data_list"
WAN_GET = ("copy soundnet/training_and_testing_data_list/ from github.com/wjohn1483/Audio_to_Scene_Image_Generator "
           "and unpack SoundNet's mp3_public.tar.gz and frames_public.tar.gz (data.csail.mit.edu/soundnet)")
VEGAS_CATEGORIES = ("baby_cry", "chainsaw", "dog", "drum", "fireworks", "helicopter", "printer", "rail_transport",
                    "snoring", "water_flowing")
GH_VIDEO = ("_denoised.mp4", "_mic.mp4")  # first found is used
GH_AUDIO = ("_denoised.wav", "_mic.wav")
GH_TIMES = "_times.txt"
GH_SPLITS = ("train", "val", "test")


def _dir(root: str | os.PathLike, what: str, get_it: str) -> Path:
    root = Path(root).expanduser()
    if not root.is_dir():
        raise DataError(f"{root}: {what} folder not found; {get_it}, then pass that folder")
    return root.resolve()


def _lines(path: Path, what: str) -> list[tuple[int, list[str]]]:
    """``(line number, fields)`` of every non-blank line; a missing, unreadable or empty file is a DataError."""
    if not path.is_file():
        raise DataError(f"{path}: {what} not found; check the path (or pass the folder that holds it)")
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise DataError(f"{path}: cannot read {what} ({exc}); re-download it") from exc
    lines = [(n, line.split()) for n, line in enumerate(text.splitlines(), 1) if line.strip()]
    if not lines:
        raise DataError(f"{path}: {what} is empty; re-download it or leave it out")
    return lines


def _fields(path: Path, n: int, fields: list[str], allowed: Sequence[int], form: str) -> None:
    if len(fields) not in allowed:
        raise DataError(f"{path}:{n}: {len(fields)} field(s) {' '.join(fields)!r}; each line holds {form}; fix the "
                        "line or re-download the file")


def _raise_missing(missing: list[str], what: str, hint: str) -> None:
    more = f" and {len(missing) - MAX_LISTED} more" if len(missing) > MAX_LISTED else ""
    raise DataError(f"{len(missing)} {what} missing: {'; '.join(missing[:MAX_LISTED])}{more}. {hint}")


def _probe(path: Path, require_audio: bool) -> str | None:
    """Why the first second of ``path`` cannot be used (None when it can): a cheap check with the kit's reader."""
    try:
        read_video(path, fps=10, size=8, max_seconds=1.0, require_audio=require_audio)
    except DataError as exc:
        return str(exc)
    except Exception as exc:  # noqa: BLE001 - an unforeseen decoder failure is this file's problem only
        return f"{path}: {exc.__class__.__name__}: {exc}"
    return None


def _norm(name: str) -> str:
    """A category name as compared: lower case, runs of spaces and hyphens read as one underscore."""
    return re.sub(r"[\s-]+", "_", name.strip().lower())


def _natural(name: str) -> tuple:
    """Sort key that orders ``video_2`` before ``video_10``."""
    return tuple(int(t) if t.isdigit() else t for t in re.split(r"(\d+)", name))


def _manifest(rows: list[dict], columns: list[str], source: str, root: Path, skipped: list[tuple[str, str]],
              nullable: Sequence[str] = (), **attrs) -> pd.DataFrame:
    """The manifest; ``nullable`` columns keep None (object dtype) where pandas would turn it into NaN."""
    if not rows:
        reasons = "; ".join(f"{p} ({r})" for p, r in skipped[:MAX_LISTED])
        raise DataError(f"{root}: no {source} items found" + (f"; left out: {reasons}" if reasons else "") +
                        "; check that you passed the right folder and that it is fully unpacked")
    df = pd.DataFrame({c: pd.Series([r[c] for r in rows], dtype=object if c in nullable else None) for c in columns})
    df.attrs.update(source=source, root=str(root), skipped=skipped, **attrs)
    return df


def soundnet_clip_paths(listed: str) -> tuple[str, str]:
    """A list line ``mp3/videos/8/6/9/5676758869.mp4.mp3`` -> its mp3 and its frame folder, relative to the
    SoundNet root: (``mp3/videos/.../5676758869.mp4.mp3``, ``frames/videos/.../5676758869.mp4``)."""
    if not (listed.startswith("mp3/") and listed.endswith(".mp3")) or len(listed) <= len("mp3/.mp3"):
        raise ValueError(listed)
    return listed, "frames/" + listed[len("mp3/"):-len(".mp3")]


def load_soundnet_flickr(root: str | os.PathLike, lists_dir: str | os.PathLike | None = None,
                         splits: Sequence[str] = ("train", "test"), classes: Sequence[str] = WAN_CLASSES,
                         frames: Sequence[int] = WAN_FRAMES, layout: str = "auto") -> pd.DataFrame:
    """Wan et al.'s image-sound pairs from SoundNet-Flickr: one row per (listed clip, frame that exists).

    Source: github.com/wjohn1483/Audio_to_Scene_Image_Generator, ``soundnet/training_and_testing_data_list/``
    (18 lists; 4,575 training and 248 test lines), ``soundnet/make_dataset.sh`` and
    ``soundnet/scripts/copy_images_given_file.sh`` (frames 3, 8, 13, 18 of ``frames/<path>/``), and
    ``data_loader/soundnet_mix_multi_auxiliary_classifier_dataloader.py`` (pairs each existing frame with its
    clip's sound; class index = order of :data:`WAN_CLASSES`).

    ``root`` holds either SoundNet's unpacked archives (``layout="soundnet"``: ``mp3/`` and ``frames/``) or what
    Wan's ``make_dataset.sh`` leaves (``layout="wan"``: ``mp3_files/mp3_files_<class>_keywords/<id>.mp4.mp3`` and
    ``images/images_<class>_keywords/<id>_<frame:08d>.jpg``); ``"auto"`` picks by the folder present.
    ``lists_dir`` defaults to ``root/training_and_testing_data_list``.

    Columns: ``pair_id, split, sound_class, class_index, clip_id, frame, audio_path, image_path, list_file, line,
    cross_listed``. The lists are kept as published: in them 177 clips sit in two lists (every dog clip is also
    listed as plane, 21 dog test clips in plane's training list; 20 clips are both baseball and soccer). Rows of a
    clip found in more than one of the lists read have ``cross_listed`` True; ``df.attrs["cross_listed"]`` names
    those clips and their lists.

    A listed mp3 that is missing is an error (the split is only comparable whole: leave a class or split out
    instead). A missing frame is skipped, as Wan's loader does; a clip with none of ``frames`` is dropped and named
    in ``df.attrs["skipped"]``. Also a DataError: a missing or empty list, a line that is not one ``mp3/...mp3`` path.
    """
    root = _dir(root, "SoundNet-Flickr", WAN_GET)
    if layout == "auto":
        layout = "wan" if (root / "mp3_files").is_dir() and not (root / "mp3").is_dir() else "soundnet"
    if layout not in ("soundnet", "wan"):
        raise ParamsError(f"layout={layout!r}: use 'auto', 'soundnet' or 'wan'")
    bad = [s for s in splits if s not in WAN_SPLITS]
    if bad or not splits:
        raise ParamsError(f"splits={list(splits)!r}: use one or both of {', '.join(WAN_SPLITS)}")
    if not classes or len(set(classes)) != len(classes) or not frames or not all(is_int(f) and f >= 0 for f in frames):
        raise ParamsError(f"classes={list(classes)!r}, frames={list(frames)!r}: give distinct class names and frame "
                          "numbers >= 0")
    lists = Path(lists_dir).expanduser() if lists_dir is not None else root / WAN_LISTS
    if not lists.is_dir():
        raise DataError(f"{lists}: Wan et al.'s list folder not found; {WAN_GET}; pass it as lists_dir")
    first = root / ("mp3" if layout == "soundnet" else "mp3_files")
    if not first.is_dir():
        raise DataError(f"{root}: no '{first.name}/' folder for layout {layout!r}; {WAN_GET}")

    listed: list[tuple[str, str, Path, int, str]] = []  # (split, class, list file, line, mp3 path as listed)
    for split in splits:
        for cls in classes:
            path = lists / f"{WAN_SPLITS[split]}_data_{cls}_keywords.txt"
            for n, fields in _lines(path, f"Wan et al.'s {split} list for {cls!r}"):
                _fields(path, n, fields, (1,), "one mp3 path (mp3/videos/<...>/<id>.mp4.mp3)")
                try:
                    soundnet_clip_paths(fields[0])
                except ValueError:
                    raise DataError(f"{path}:{n}: {fields[0]!r} is not a SoundNet mp3 path (mp3/<...>.mp3); fix the "
                                    "line or re-download the list") from None
                listed.append((split, cls, path, n, fields[0]))

    where = defaultdict(list)
    for split, cls, path, _, mp3 in listed:
        where[mp3].append(path.stem.replace("_keywords", ""))
    rows, missing, skipped = [], [], []
    for split, cls, path, n, mp3 in listed:
        name = mp3.rsplit("/", 1)[-1]
        clip = name.split(".")[0]
        if layout == "soundnet":
            rel_audio, rel_frames = soundnet_clip_paths(mp3)
            audio = root / rel_audio
            images = [(f, root / rel_frames / f"{f:08d}.jpg") for f in frames]
        else:
            audio = root / "mp3_files" / f"mp3_files_{cls}_keywords" / name
            images = [(f, root / "images" / f"images_{cls}_keywords" / f"{clip}_{f:08d}.jpg") for f in frames]
        if not audio.is_file():
            missing.append(f"{audio} (listed in {path.name}:{n})")
            continue
        found = [(f, p) for f, p in images if p.is_file()]
        if not found:
            skipped.append((str(images[0][1].parent), f"none of frames {list(frames)} for {path.name}:{n}"))
        rows += [{"pair_id": f"{split}/{cls}/{clip}/{f:08d}", "split": split, "sound_class": cls,
                  "class_index": classes.index(cls), "clip_id": clip, "frame": f, "audio_path": str(audio),
                  "image_path": str(p), "list_file": str(path), "line": n, "cross_listed": len(where[mp3]) > 1}
                 for f, p in found]
    if missing:
        _raise_missing(missing, "listed mp3 file(s)", f"Unpack the listed files into {root} ({WAN_GET}), or leave "
                       "the incomplete classes or splits out (classes=, splits=)")
    cross = sorted(f"{m.rsplit('/', 1)[-1].split('.')[0]}: {', '.join(w)}" for m, w in where.items() if len(w) > 1)
    return _manifest(rows, ["pair_id", "split", "sound_class", "class_index", "clip_id", "frame", "audio_path",
                            "image_path", "list_file", "line", "cross_listed"],
                     "SoundNet-Flickr (Wan et al. lists)", root, skipped, layout=layout, cross_listed=cross)


def load_vegas(root: str | os.PathLike, categories: Sequence[str] = VEGAS_CATEGORIES,
               check: bool = False) -> pd.DataFrame:
    """VEGAS's clips: one row per video, ``clip_id, category, video_path``, by category and natural file order.

    Layout (``root`` holds the category folders): ``<category>/videos/*.mp4``, or the videos directly in
    ``<category>/`` when it has no ``videos/``. Found in github.com/PeihaoChen/regnet ``gen_list.py`` (default input
    ``dataset/VEGAS/dog/videos``, files ``video_<n>.mp4`` sorted by n); the ten names of :data:`VEGAS_CATEGORIES`
    are those of a third-party VEGAS loader in public code (``<class>/videos/video_<n:05d>.mp4``). Assumed, not
    checked against the official download (VEGAS.zip, linked from the Visual-to-Sound project page at UNC).
    Folder names match case-insensitively, with spaces and hyphens read as underscores. VEGAS has no published
    split (Liu et al. split 75/25 by clip themselves), so there is no split column.

    A folder that is not in ``categories`` is a DataError (pass ``categories=`` to accept it, e.g. VAS's gun or
    sneeze); a category folder without videos is named in ``df.attrs["skipped"]``. ``check=True`` opens the first
    second of every clip with :func:`a2vlib.data.video_io.read_video` and skips (and names) those without a
    decodable picture and sound track.
    """
    root = _dir(root, "VEGAS", "download VEGAS (Visual to Sound project page, UNC) and unzip it")
    known = {_norm(c): c for c in categories}
    rows, skipped = [], []
    folders = sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))
    for folder in folders:
        if _norm(folder.name) not in known:
            raise DataError(f"{folder}: folder {folder.name!r} is not a VEGAS category; known: "
                            f"{', '.join(categories)}; move it out of {root} or pass categories= to read it")
    order = {c: i for i, c in enumerate(categories)}
    folders.sort(key=lambda p: order[known[_norm(p.name)]])
    for folder in folders:
        category = known[_norm(folder.name)]
        clips = folder / "videos" if (folder / "videos").is_dir() else folder
        videos = sorted((p for p in clips.iterdir() if p.is_file() and p.suffix.lower() in VIDEO_SUFFIXES),
                        key=lambda p: _natural(p.name))
        if not videos:
            skipped.append((str(clips), f"no video files ({', '.join(VIDEO_SUFFIXES)})"))
        for video in videos:
            reason = _probe(video, require_audio=True) if check else None
            if reason:
                skipped.append((str(video), reason))
            else:
                rows.append({"clip_id": video.stem, "category": category, "video_path": str(video)})
    return _manifest(rows, ["clip_id", "category", "video_path"], "VEGAS", root, skipped)


def read_hit_times(path: str | os.PathLike) -> pd.DataFrame:
    """One Greatest Hits annotation file as ``time, material, action, reaction`` (None where the file says None).

    Format as read by github.com/park4134/SoundGen ``preprocess/preprocess.py`` (whitespace-separated: time in
    seconds, material, action, motion); a line with three fields (no reaction) is accepted too. A line with
    another number of fields, a time that is not a number or is negative, or an empty file is a DataError.
    """
    path = Path(path)
    rows = []
    for n, fields in _lines(path, "Greatest Hits annotation file"):
        _fields(path, n, fields, (3, 4), "a hit: time material action reaction (e.g. '1.7333 rock hit static')")
        try:
            t = float(fields[0])
        except ValueError:
            t = float("nan")
        if not t >= 0:
            raise DataError(f"{path}:{n}: hit time {fields[0]!r} is not a number of seconds >= 0; fix the line")
        labels = [None if f == "None" else f for f in fields[1:]] + [None] * (4 - len(fields))
        rows.append({"time": t, "material": labels[0], "action": labels[1], "reaction": labels[2]})
    return pd.DataFrame({"time": pd.Series([r["time"] for r in rows], dtype=float)} |
                        {c: pd.Series([r[c] for r in rows], dtype=object) for c in ("material", "action", "reaction")})


def _split_of(root: Path, splits: Mapping[str, str | os.PathLike] | None) -> tuple[dict[str, str], dict[str, str]]:
    """``recording -> split`` from the split lists (one recording id a line) and ``recording -> where listed``."""
    if splits is None:
        splits = {s: root / f"{s}.txt" for s in GH_SPLITS if (root / f"{s}.txt").is_file()}
    split_of, where = {}, {}
    for name, path in splits.items():
        path = Path(path).expanduser()
        for n, fields in _lines(path, f"Greatest Hits {name} list"):
            _fields(path, n, fields, (1,), "one recording id (e.g. 2015-02-16-16-49-06)")
            rec = fields[0]
            if rec in split_of and split_of[rec] != name:
                raise DataError(f"{path}:{n}: {rec} is also listed in {where[rec]} ({split_of[rec]}); a recording "
                                "belongs to one split: fix the lists")
            split_of[rec], where[rec] = name, f"{path.name}:{n}"
    return split_of, where


def load_greatest_hits(root: str | os.PathLike, splits: Mapping[str, str | os.PathLike] | None = None,
                       check: bool = False) -> pd.DataFrame:
    """The Greatest Hits' recordings with their hits: one row per recording that has a video and an annotation.

    ``root`` is the unpacked ``vis-data/`` folder (project page: andrewowens.com/vis). A recording ``<id>`` is
    ``<id>_denoised.mp4`` or else ``<id>_mic.mp4`` (video), ``<id>_denoised.wav`` or else ``<id>_mic.wav``
    (sound; None when neither: use the video's track) and ``<id>_times.txt`` (hits, see :func:`read_hit_times`).
    File names as used by github.com/XYPB/CondFoleyGen (``feature_extraction/video_preprocess.py``: ``*_denoised
    .mp4``), park4134/SoundGen (``_mic.mp4``, ``_denoised.wav``, ``_times.txt``) and GeorgeEfstathiadis/
    Visually-Indicated-Sounds (``_mic.mp4``, ``_mic.wav``: 977 recordings). Other files (e.g. ``_sf.mat``) are ignored.

    Columns: ``recording_id, split, material, video_path, audio_path, times_path, n_hits, hit_times, materials,
    actions, reactions`` (the last four are lists, one entry a hit; ``df.explode([...])`` gives one row a hit).
    ``material`` is the recording's most frequent labelled material (None if no hit is labelled). ``split`` comes
    from ``splits`` (``{"train": path, ...}``, one recording id a line, as Wan et al.'s Greatest Hits loader reads
    ``train.txt``), by default from ``train.txt``, ``val.txt``, ``test.txt`` in ``root`` where present; the column
    is left out when there is no list, and is None for a recording no list names.

    Skipped and named in ``df.attrs["skipped"]``: a recording without video or without ``_times.txt``, a listed id
    with no files, and (``check=True``) a video whose first second :func:`read_video` cannot decode. DataError: a
    malformed annotation line or split list, an id in two splits, no usable recording at all.
    """
    root = _dir(root, "Greatest Hits", "download The Greatest Hits (andrewowens.com/vis) and unpack vis-data")
    split_of, where = _split_of(root, splits)
    files: dict[str, dict[str, Path]] = defaultdict(dict)
    kinds = GH_VIDEO + GH_AUDIO + (GH_TIMES,)
    for p in root.iterdir():
        kind = next((k for k in kinds if p.name.endswith(k) and len(p.name) > len(k)), None)
        if kind and p.is_file():
            files[p.name[:-len(kind)]][kind] = p
    rows, skipped = [], []
    for rec in sorted(files, key=_natural):
        have = files[rec]
        video = next((have[k] for k in GH_VIDEO if k in have), None)
        audio = next((have[k] for k in GH_AUDIO if k in have), None)
        if video is None or GH_TIMES not in have:
            lacks = f"{rec}{GH_TIMES}" if video is not None else f"{rec}{GH_VIDEO[0]} or {rec}{GH_VIDEO[1]}"
            skipped.append((str(root / rec), f"no {lacks}"))
            continue
        reason = _probe(video, require_audio=audio is None) if check else None
        if reason:
            skipped.append((str(video), reason))
            continue
        hits = read_hit_times(have[GH_TIMES])
        labelled = Counter(m for m in hits["material"] if m is not None)
        rows.append({"recording_id": rec, "split": split_of.get(rec), "material": max(labelled, key=labelled.get)
                     if labelled else None, "video_path": str(video), "audio_path": None if audio is None else
                     str(audio), "times_path": str(have[GH_TIMES]), "n_hits": len(hits),
                     "hit_times": hits["time"].tolist(), "materials": hits["material"].tolist(),
                     "actions": hits["action"].tolist(), "reactions": hits["reaction"].tolist()})
    skipped += [(str(root / rec), f"listed in {where[rec]} but no files") for rec in sorted(split_of)
                if rec not in files]
    columns = ["recording_id", "split", "material", "video_path", "audio_path", "times_path", "n_hits", "hit_times",
               "materials", "actions", "reactions"]
    if not split_of:
        columns.remove("split")
    return _manifest(rows, columns, "The Greatest Hits", root, skipped, nullable=("split", "material", "audio_path"))


LOADERS = {"soundnet-flickr": load_soundnet_flickr, "vegas": load_vegas, "greatest-hits": load_greatest_hits}


def describe(name: str, root: str | os.PathLike, out: str | os.PathLike | None = None, force: bool = False
             ) -> tuple[list[str], list[tuple[str, str]], int]:
    """What ``a2v published`` says of a folder: lines with the rows per class, category or material, the files
    left out (path, why) and the row count; with ``out``, the manifest is also written there (CSV: never inside
    ``root``, over a folder, or over a file the kit did not write unless ``force``)."""
    from a2vlib.core.outputs import guard_file

    if out:  # where it would go, before reading (a file over a folder, inside ROOT, among the sources)
        guard_file(out, "the manifest (--manifest)", force=True, reads=[root])
    table = LOADERS[name](root)
    if out:  # an existing file is replaced when it is a manifest of these columns (the kit's) or with force
        guard_file(out, "the manifest (--manifest)", force=force, reads=[root], kit_header=",".join(table.columns))
    lines = [f"a2v: {name} at {root}: {len(table)} row(s)"]
    by = next((c for c in ("class", "category", "material") if c in table.columns), None)
    if by is not None and len(table):
        lines += [f"{by}\t{k}\t{n}" for k, n in table[by].fillna("(none)").value_counts().sort_index().items()]
    if out:
        from a2vlib.core.atomic import write_text

        write_text(out, table.to_csv(index=False))
        lines.append(f"a2v: manifest written to {out}")
    return lines, list(table.attrs.get("skipped", [])), len(table)
