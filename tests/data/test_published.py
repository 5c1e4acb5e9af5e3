"""Readers of published layouts (a2vlib.data.published) on small trees written here: SoundNet-Flickr with Wan et
al.'s split lists (both the SoundNet archive layout and the layout Wan's make_dataset.sh leaves), VEGAS category
folders and The Greatest Hits' vis-data folder. Every test also checks that the source tree is left as it was."""
from __future__ import annotations

import hashlib
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from a2vlib.core.errors import DataError, ParamsError
from a2vlib.data.audio_io import write_audio
from a2vlib.data.image_io import write_image
from a2vlib.data.published import (
    WAN_FRAMES,
    load_greatest_hits,
    load_soundnet_flickr,
    load_vegas,
    read_hit_times,
    soundnet_clip_paths,
)
from a2vlib.data.video_io import write_video


def snapshot(root: Path) -> dict[str, str]:
    """Every file and folder under ``root`` with the hash of its bytes (folders: 'dir')."""
    return {str(p.relative_to(root)): "dir" if p.is_dir() else hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*"))}


@pytest.fixture
def unchanged():
    """Call with a root before the reader runs; on teardown the tree must be exactly as it was."""
    taken = []

    def take(root: Path) -> Path:
        taken.append((root, snapshot(root)))
        return root

    yield take
    for root, before in taken:
        assert snapshot(root) == before, f"{root} was modified by the reader"


def _write(path: Path, data: bytes = b"x") -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


# ---------------------------------------------------------------- SoundNet-Flickr with Wan et al.'s split lists
LISTS = "training_and_testing_data_list"
CLIPS = {  # mp3 path as listed -> frames present
    "mp3/videos/1/2/3/1000000123.mp4.mp3": WAN_FRAMES,
    "mp3/videos/4/5/6/2000000456.mp4.mp3": (3, 8),  # a short video: two frames
    "mp3/videos2/9/8/7/6/5/4/3/2/1234567898.mp4.mp3": WAN_FRAMES,  # the deeper videos2 tree
    "mp3/videos/7/7/7/3000000777.mp4.mp3": (),  # no frame at all: dropped and named
}
WAN_LISTS = {  # list file -> lines; clip 1000000123 is listed as dog and as plane, as in the published lists
    "training_data_dog_keywords.txt": ["mp3/videos/1/2/3/1000000123.mp4.mp3", "mp3/videos/4/5/6/2000000456.mp4.mp3"],
    "testing_data_dog_keywords.txt": ["mp3/videos/7/7/7/3000000777.mp4.mp3"],
    "training_data_plane_keywords.txt": ["mp3/videos/1/2/3/1000000123.mp4.mp3",
                                         "mp3/videos2/9/8/7/6/5/4/3/2/1234567898.mp4.mp3"],
    "testing_data_plane_keywords.txt": ["mp3/videos2/9/8/7/6/5/4/3/2/1234567898.mp4.mp3"],
}
CLASSES = ("dog", "plane")


def _lists(folder: Path, lists: dict[str, list[str]] = WAN_LISTS) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name, lines in lists.items():
        (folder / name).write_text("".join(f"{line}\n" for line in lines))


@pytest.fixture
def flickr(tmp_path) -> Path:
    """SoundNet's archives unpacked (mp3/, frames/) and Wan's lists beside them; dummy bytes (never opened)."""
    root = tmp_path / "soundnet"
    for mp3, frames in CLIPS.items():
        _write(root / mp3, b"ID3 dummy mp3")
        rel_frames = soundnet_clip_paths(mp3)[1]
        for f in frames:
            _write(root / rel_frames / f"{f:08d}.jpg", b"\xff\xd8 dummy jpg")
    _lists(root / LISTS)
    return root


def test_clip_paths_follow_wans_copy_script():
    assert soundnet_clip_paths("mp3/videos/8/6/9/5676758869.mp4.mp3") == (
        "mp3/videos/8/6/9/5676758869.mp4.mp3", "frames/videos/8/6/9/5676758869.mp4")
    for bad in ("videos/1.mp4.mp3", "mp3/videos/1.mp4", "mp3/.mp3"):
        with pytest.raises(ValueError):
            soundnet_clip_paths(bad)


def test_flickr_pairs_every_existing_frame_with_its_sound(flickr, unchanged):
    df = load_soundnet_flickr(unchanged(flickr), classes=CLASSES)
    # dog train: 4 + 2 frames; dog test: none (dropped); plane train: 4 + 4; plane test: 4
    assert len(df) == 18 and df["pair_id"].is_unique
    assert list(df.columns) == ["pair_id", "split", "sound_class", "class_index", "clip_id", "frame", "audio_path",
                                "image_path", "list_file", "line", "cross_listed"]
    assert df.groupby(["split", "sound_class"]).size().to_dict() == {
        ("train", "dog"): 6, ("train", "plane"): 8, ("test", "plane"): 4}
    assert (df["class_index"] == df["sound_class"].map({"dog": 0, "plane": 1})).all()
    short = df[df["clip_id"] == "2000000456"]
    assert short["frame"].tolist() == [3, 8] and short["line"].tolist() == [2, 2]
    for col in ("audio_path", "image_path", "list_file"):
        assert all(Path(p).is_absolute() and Path(p).is_file() for p in df[col])
    row = df[(df["clip_id"] == "1234567898") & (df["frame"] == 13)].iloc[0]
    assert row["image_path"] == str(flickr / "frames/videos2/9/8/7/6/5/4/3/2/1234567898.mp4/00000013.jpg")
    assert row["audio_path"] == str(flickr / "mp3/videos2/9/8/7/6/5/4/3/2/1234567898.mp4.mp3")
    # cross-listed clips are kept as published, and flagged
    assert set(df.loc[df["cross_listed"], "clip_id"]) == {"1000000123", "1234567898"}
    assert "1000000123: training_data_dog, training_data_plane" in df.attrs["cross_listed"]
    assert df.attrs["layout"] == "soundnet" and df.attrs["root"] == str(flickr.resolve())
    [(path, reason)] = df.attrs["skipped"]
    assert path.endswith("frames/videos/7/7/7/3000000777.mp4") and "testing_data_dog_keywords.txt:1" in reason


def test_flickr_splits_classes_and_frames(flickr, unchanged):
    df = load_soundnet_flickr(unchanged(flickr), classes=("plane",), splits=("test",), frames=(8,))
    assert df["pair_id"].tolist() == ["test/plane/1234567898/00000008"] and df["class_index"].tolist() == [0]
    with pytest.raises(ParamsError, match="splits"):
        load_soundnet_flickr(flickr, splits=("valid",))
    with pytest.raises(ParamsError, match="layout"):
        load_soundnet_flickr(flickr, layout="flat")
    with pytest.raises(ParamsError, match="frame"):
        load_soundnet_flickr(flickr, classes=CLASSES, frames=(3.5,))


def test_flickr_wan_prepared_layout(tmp_path, unchanged):
    """What Wan's make_dataset.sh leaves: mp3s moved per class, frames copied as <id>_<frame>.jpg per class."""
    root = tmp_path / "soundnet"
    for name, lines in WAN_LISTS.items():
        cls = name.split("_")[2]
        for mp3 in lines:
            clip = mp3.rsplit("/", 1)[-1]
            _write(root / "mp3_files" / f"mp3_files_{cls}_keywords" / clip)
            for f in CLIPS[mp3]:
                _write(root / "images" / f"images_{cls}_keywords" / f"{clip.split('.')[0]}_{f:08d}.jpg")
    _lists(tmp_path / "lists")
    df = load_soundnet_flickr(unchanged(root), lists_dir=unchanged(tmp_path / "lists"), classes=CLASSES)
    assert df.attrs["layout"] == "wan" and len(df) == 18
    row = df[(df["sound_class"] == "dog") & (df["clip_id"] == "1000000123") & (df["frame"] == 18)].iloc[0]
    assert row["image_path"] == str(root.resolve() / "images/images_dog_keywords/1000000123_00000018.jpg")
    assert row["audio_path"] == str(root.resolve() / "mp3_files/mp3_files_dog_keywords/1000000123.mp4.mp3")


def test_flickr_bad_inputs_name_the_file_and_line(flickr, tmp_path, unchanged):
    unchanged(flickr)
    with pytest.raises(DataError, match="Audio_to_Scene_Image_Generator"):
        load_soundnet_flickr(tmp_path / "nowhere")
    with pytest.raises(DataError, match=r"training_data_speedboat_keywords\.txt: Wan .* for 'speedboat' not found"):
        load_soundnet_flickr(flickr)  # the default nine classes: most lists are not there
    with pytest.raises(DataError, match=r"list folder not found"):
        load_soundnet_flickr(flickr, lists_dir=tmp_path / "no_lists", classes=CLASSES)

    def broken(**edits) -> Path:
        folder = tmp_path / f"lists_{len(list(tmp_path.iterdir()))}"
        _lists(folder, {**WAN_LISTS, **edits})
        return folder

    with pytest.raises(DataError, match=r"testing_data_dog_keywords\.txt: .* is empty"):
        load_soundnet_flickr(flickr, lists_dir=broken(**{"testing_data_dog_keywords.txt": []}), classes=CLASSES)
    two = {"training_data_dog_keywords.txt": ["mp3/videos/1/2/3/1000000123.mp4.mp3", "mp3/a.mp3 dog"]}
    with pytest.raises(DataError, match=r"training_data_dog_keywords\.txt:2: 2 field\(s\)"):
        load_soundnet_flickr(flickr, lists_dir=broken(**two), classes=CLASSES)
    with pytest.raises(DataError, match=r"training_data_dog_keywords\.txt:1: 'frames/x\.jpg' is not a SoundNet mp3"):
        load_soundnet_flickr(flickr, lists_dir=broken(**{"training_data_dog_keywords.txt": ["frames/x.jpg"]}),
                             classes=CLASSES)
    gone = {"testing_data_plane_keywords.txt": ["mp3/videos/0/0/0/9999999000.mp4.mp3"]}
    with pytest.raises(DataError, match=r"1 listed mp3 file\(s\) missing: .*9999999000\.mp4\.mp3 \(listed in "
                                        r"testing_data_plane_keywords\.txt:1\)"):
        load_soundnet_flickr(flickr, lists_dir=broken(**gone), classes=CLASSES)
    with pytest.raises(DataError, match="no SoundNet-Flickr .* items found; left out: .*3000000777"):
        load_soundnet_flickr(flickr, classes=("dog",), splits=("test",))


# ---------------------------------------------------------------- VEGAS
SR, FPS = 16000, 10


def _clip(path: Path, shade: int, sound: bool = True) -> None:
    frames = np.full((8, 16, 16, 3), shade, np.uint8)
    audio = (0.3 * np.sin(2 * np.pi * 440 * np.arange(int(0.8 * SR)) / SR)).astype(np.float32) if sound else None
    path.parent.mkdir(parents=True, exist_ok=True)
    write_video(path, frames, FPS, audio, SR if sound else None)


@pytest.fixture
def vegas(tmp_path) -> Path:
    root = tmp_path / "VEGAS"
    for name in ("video_00002.mp4", "video_00010.mp4", "video_00001.mp4"):
        _write(root / "dog" / "videos" / name)
    _write(root / "dog" / "videos" / "notes.txt")  # not a video: ignored
    _write(root / "Fireworks" / "videos" / "video_00001.mp4")
    _write(root / "water-flowing" / "clip_a.mp4")  # videos directly in the category folder
    (root / "chainsaw" / "videos").mkdir(parents=True)  # an empty category
    _write(root / "README.txt")  # a file beside the category folders: ignored
    (root / ".cache").mkdir()  # hidden folders are ignored
    return root


def test_vegas_lists_clips_by_category(vegas, unchanged):
    df = load_vegas(unchanged(vegas))
    assert list(df.columns) == ["clip_id", "category", "video_path"]
    assert df[["category", "clip_id"]].values.tolist() == [  # VEGAS category order, natural file order
        ["dog", "video_00001"], ["dog", "video_00002"], ["dog", "video_00010"],
        ["fireworks", "video_00001"], ["water_flowing", "clip_a"]]
    assert all(Path(p).is_absolute() and Path(p).is_file() for p in df["video_path"])
    assert df.attrs["skipped"] == [(str(vegas.resolve() / "chainsaw" / "videos"),
                                    "no video files (.mp4, .mkv, .avi, .mov, .webm, .m4v)")]
    assert "split" not in df.columns  # VEGAS publishes no split


def test_vegas_unknown_folder_and_no_clips(vegas, tmp_path, unchanged):
    (vegas / "gun" / "videos").mkdir(parents=True)
    _write(vegas / "gun" / "videos" / "video_00001.mp4")
    unchanged(vegas)
    with pytest.raises(DataError, match=r"gun: folder 'gun' is not a VEGAS category; known: baby_cry, .*categories="):
        load_vegas(vegas)
    df = load_vegas(vegas, categories=("gun", "dog", "fireworks", "chainsaw", "water_flowing"))
    assert df["category"].tolist()[0] == "gun"
    with pytest.raises(DataError, match="VEGAS folder not found"):
        load_vegas(tmp_path / "nowhere")
    empty = tmp_path / "empty"
    (empty / "dog" / "videos").mkdir(parents=True)
    with pytest.raises(DataError, match=r"no VEGAS items found; left out: .*dog/videos \(no video files"):
        load_vegas(empty)


def test_vegas_check_opens_each_clip_and_skips_bad_ones(tmp_path, unchanged):
    root = tmp_path / "VEGAS"
    _clip(root / "dog" / "videos" / "video_00001.mp4", 60)
    _clip(root / "dog" / "videos" / "video_00002.mp4", 120, sound=False)  # no sound track
    _write(root / "dog" / "videos" / "video_00003.mp4", b"not a video at all")
    _clip(root / "fireworks" / "videos" / "video_00001.mp4", 200)
    unchanged(root)
    assert len(load_vegas(root)) == 4  # without check nothing is opened
    df = load_vegas(root, check=True)
    assert df["clip_id"].tolist() == ["video_00001", "video_00001"]
    reasons = dict(df.attrs["skipped"])
    assert "no sound track" in reasons[str(root.resolve() / "dog/videos/video_00002.mp4")]
    assert "not a readable video" in reasons[str(root.resolve() / "dog/videos/video_00003.mp4")]


# ---------------------------------------------------------------- The Greatest Hits
A, B, C = "2015-02-16-16-49-06", "2015-02-16-17-27-53", "2015-10-02-11-46-40-1490"
TIMES = {A: "1.7333 rock hit static\n2.5333 rock scratch None\n4.8 None None None\n6.6667 wood hit static\n",
         B: "0.5 cloth hit static\n1.0 cloth hit static\n",
         C: "3.2 glass hit\n"}  # three fields: no reaction column


@pytest.fixture
def hits(tmp_path) -> Path:
    root = tmp_path / "vis-data"
    _write(root / f"{A}_denoised.mp4")
    _write(root / f"{A}_mic.mp4")  # the denoised video is preferred
    _write(root / f"{A}_denoised.wav")
    _write(root / f"{A}_sf.mat")  # other files are ignored
    _write(root / f"{B}_mic.mp4")
    _write(root / f"{B}_mic.wav")
    _write(root / f"{C}_denoised.mp4")  # no separate sound: the video's track
    for rec, text in TIMES.items():
        (root / f"{rec}_times.txt").write_text(text)
    (root / "2015-03-01-00-00-00_times.txt").write_text("1.0 wood hit static\n")  # annotation without a video
    _write(root / "2015-03-02-00-00-00_mic.mp4")  # video without an annotation
    (root / "train.txt").write_text(f"{A}\n{C}\n")
    (root / "test.txt").write_text(f"{B}\n2015-04-01-00-00-00\n")  # the second id has no files
    return root


def test_greatest_hits_recordings_with_hits(hits, unchanged):
    df = load_greatest_hits(unchanged(hits))
    assert list(df.columns) == ["recording_id", "split", "material", "video_path", "audio_path", "times_path",
                                "n_hits", "hit_times", "materials", "actions", "reactions"]
    assert df["recording_id"].tolist() == [A, B, C] and df["split"].tolist() == ["train", "test", "train"]
    a = df.iloc[0]
    assert a["video_path"] == str(hits.resolve() / f"{A}_denoised.mp4")
    assert a["audio_path"] == str(hits.resolve() / f"{A}_denoised.wav")
    assert a["hit_times"] == [1.7333, 2.5333, 4.8, 6.6667] and a["n_hits"] == 4
    assert a["materials"] == ["rock", "rock", None, "wood"] and a["material"] == "rock"
    assert a["actions"] == ["hit", "scratch", None, "hit"] and a["reactions"] == ["static", None, None, "static"]
    assert df.iloc[1]["video_path"].endswith(f"{B}_mic.mp4") and df.iloc[1]["material"] == "cloth"
    c = df.iloc[2]
    assert c["audio_path"] is None and c["reactions"] == [None] and c["material"] == "glass"
    per_hit = df.explode(["hit_times", "materials", "actions", "reactions"])
    assert len(per_hit) == 7 and per_hit["hit_times"].astype(float).between(0, 7).all()
    skipped = dict(df.attrs["skipped"])
    assert skipped[str(hits.resolve() / "2015-03-01-00-00-00")].startswith("no 2015-03-01-00-00-00_denoised.mp4")
    assert skipped[str(hits.resolve() / "2015-03-02-00-00-00")] == "no 2015-03-02-00-00-00_times.txt"
    assert skipped[str(hits.resolve() / "2015-04-01-00-00-00")] == "listed in test.txt:2 but no files"


def test_greatest_hits_split_lists(hits, tmp_path, unchanged):
    unchanged(hits)
    mine = tmp_path / "mine.txt"
    mine.write_text(f"{B}\n")
    df = load_greatest_hits(hits, splits={"heldout": mine})
    assert df.set_index("recording_id")["split"].to_dict() == {A: None, B: "heldout", C: None}
    bare = tmp_path / "bare"
    bare.mkdir()
    for name in (f"{B}_mic.mp4", f"{B}_times.txt"):
        (bare / name).write_bytes((hits / name).read_bytes())
    assert "split" not in load_greatest_hits(unchanged(bare)).columns
    twice = tmp_path / "twice.txt"
    twice.write_text(f"{B}\n{A}\n")
    with pytest.raises(DataError, match=rf"twice\.txt:2: {A} is also listed in train\.txt:1 \(train\)"):
        load_greatest_hits(hits, splits={"train": hits / "train.txt", "test": twice})
    wide = tmp_path / "wide.txt"
    wide.write_text(f"{A} extra\n")
    with pytest.raises(DataError, match=r"wide\.txt:1: 2 field\(s\)"):
        load_greatest_hits(hits, splits={"train": wide})
    (tmp_path / "blank.txt").write_text("\n\n")
    with pytest.raises(DataError, match=r"blank\.txt: Greatest Hits train list is empty"):
        load_greatest_hits(hits, splits={"train": tmp_path / "blank.txt"})
    with pytest.raises(DataError, match=r"absent\.txt: Greatest Hits train list not found"):
        load_greatest_hits(hits, splits={"train": tmp_path / "absent.txt"})


@pytest.mark.parametrize("text, match", [
    ("1.0 wood hit static extra\n", r":1: 5 field\(s\)"),
    ("1.0 wood hit static\n2.0 wood\n", r":2: 2 field\(s\)"),
    ("soon wood hit static\n", r":1: hit time 'soon' is not a number"),
    ("-0.5 wood hit static\n", r":1: hit time '-0.5'"),
    ("nan wood hit static\n", r":1: hit time 'nan'"),
    ("\n", r": Greatest Hits annotation file is empty"),
])
def test_greatest_hits_bad_annotations(hits, text, match, unchanged):
    (hits / f"{B}_times.txt").write_text(text)
    unchanged(hits)
    with pytest.raises(DataError, match=re.escape(f"{B}_times.txt") + match):
        load_greatest_hits(hits)


def test_read_hit_times_alone(hits):
    t = read_hit_times(hits / f"{A}_times.txt")
    assert isinstance(t, pd.DataFrame) and list(t.columns) == ["time", "material", "action", "reaction"]
    assert t["material"].tolist() == ["rock", "rock", None, "wood"]
    with pytest.raises(DataError, match="annotation file not found"):
        read_hit_times(hits / "missing_times.txt")


def test_greatest_hits_check_and_nothing_usable(tmp_path, unchanged):
    root = tmp_path / "vis-data"
    _clip(root / f"{A}_denoised.mp4", 90, sound=False)  # picture only: its sound is the separate wav
    write_audio(root / f"{A}_denoised.wav", 0.2 * np.ones(SR // 2, np.float32), SR)
    _write(root / f"{B}_mic.mp4", b"garbage")
    write_image(root / f"{B}_frame.jpg", np.zeros((8, 8, 3), np.uint8))  # an unrelated picture: ignored
    for rec in (A, B):
        (root / f"{rec}_times.txt").write_text(TIMES[rec])
    unchanged(root)
    df = load_greatest_hits(root, check=True)
    assert df["recording_id"].tolist() == [A]
    assert "not a readable video" in dict(df.attrs["skipped"])[str(root.resolve() / f"{B}_mic.mp4")]
    with pytest.raises(DataError, match="Greatest Hits folder not found"):
        load_greatest_hits(tmp_path / "nowhere")
    lone = tmp_path / "lone"
    lone.mkdir()
    (lone / f"{A}_times.txt").write_text(TIMES[A])
    with pytest.raises(DataError, match=rf"no The Greatest Hits items found; left out: .*{A} \(no {A}_denoised"):
        load_greatest_hits(lone)


def test_the_a2v_command_reads_a_published_folder(vegas, tmp_path, unchanged, capsys):
    from a2vlib.cli import main

    out = tmp_path / "vegas.csv"
    assert main(["published", "vegas", str(unchanged(vegas)), "--manifest", str(out)]) == 0
    printed = capsys.readouterr()
    assert "vegas at" in printed.out and "5 row(s)" in printed.out and "category\tdog\t3" in printed.out
    assert "chainsaw" in printed.err  # the empty category is named
    assert len(pd.read_csv(out)) == 5
    (tmp_path / "empty").mkdir()
    assert main(["published", "vegas", str(tmp_path / "empty")]) != 0  # nothing there: not a success
    assert "a2v" in capsys.readouterr().err
