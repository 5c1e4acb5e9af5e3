"""V2RA's video encoding (Liu eq. 3): frames kept per second, zero padding at equal intervals, pixel features."""
from __future__ import annotations

import numpy as np
import pytest

from a2vlib.core.errors import DataError, ParamsError
from a2vlib.studies.liu_v2ra import video_encoding as V


def test_frames_per_second_is_eq_3():
    assert V.frames_per_second(44100, 4096, 30) == (10, 3)  # the paper: 10 fc6 vectors, every third frame
    assert V.frames_per_second(16000, 256, 30) == (30, 1)  # short features: every frame
    with pytest.raises(ParamsError, match="do not fit"):
        V.frames_per_second(1000, 4096, 30)


def test_tile_second_keeps_order_and_spreads_zeros():
    feats = np.arange(1, 13, dtype=np.float32).reshape(3, 4)  # 12 values into 17 samples
    out = V.tile_second(feats, 17)  # Fig. 3: a block of zeros after each vector, vector k at floor(17 k / 3)
    assert out.tolist() == [1, 2, 3, 4, 0, 5, 6, 7, 8, 0, 0, 9, 10, 11, 12, 0, 0]
    out = V.tile_second(feats, 16, zeros="interleaved")
    assert out.shape == (16,) and np.count_nonzero(out) == 12
    assert out[out != 0].tolist() == list(range(1, 13))
    gaps = np.flatnonzero(out == 0)
    assert gaps.tolist() == [0, 5, 10, 15]  # equal intervals
    with pytest.raises(DataError, match="exceed"):
        V.tile_second(np.ones((5, 4)), 16)
    with pytest.raises(ParamsError, match="zero layout 'x'"):
        V.tile_second(feats, 16, zeros="x")


def test_encode_clip_in_whole_seconds():
    fps, sr = 30, 16000
    frames_feat = np.random.default_rng(0).standard_normal((75, 256)).astype(np.float32)  # 2.5 s
    cond = V.encode_clip(frames_feat, fps, sr)
    assert cond.shape == (2 * sr,)
    # 30 frames x 256 values = 7,680 of 16,000: the first second holds frames 0-29 in order, zeros between
    nonzero = cond[:sr][cond[:sr] != 0]
    assert np.allclose(nonzero, frames_feat[:30].reshape(-1))
    assert np.allclose(cond[sr:][cond[sr:] != 0], frames_feat[30:60].reshape(-1))
    # 700-value features: p = 22 frames of 30; spread over the whole second, not the first 22 frames
    ids = np.repeat(np.arange(30, dtype=np.float32)[:, None] + 1, 700, axis=1)  # frame k holds the value k + 1
    kept = np.unique(V.encode_clip(ids, fps, sr))
    kept = kept[kept != 0] - 1
    assert len(kept) == 22 and kept[0] == 0 and kept[-1] >= 28
    with pytest.raises(DataError, match="shorter than one second"):
        V.encode_clip(frames_feat[:20], fps, sr)


def test_pixel_features():
    frames = np.zeros((2, 64, 64, 3), np.uint8)
    frames[1, :32] = 255
    f = V.pixel_features(frames, side=16)
    assert f.shape == (2, 256) and f[0].max() == -1.0
    assert np.allclose(f[1].reshape(16, 16)[:8], 1.0) and np.allclose(f[1].reshape(16, 16)[8:], -1.0)
    with pytest.raises(DataError, match="divide"):
        V.pixel_features(np.zeros((1, 30, 30, 3), np.uint8), side=16)
    with pytest.raises(ParamsError, match="frame_encoder 'x'"):
        V.frame_features(frames, "x")


def test_encode_video_encodes_only_the_frames_eq_3_keeps():
    """The same condition as every frame's features through encode_clip, from p frames a second: at 44.1 kHz with
    4,096 values (VGG19's fc6), 10 of 30 frames, so a paper-size clip costs a third of the encoder's work."""
    fps, sr, dim = 30, 44100, 4096
    frames = np.random.default_rng(1).integers(0, 255, (75, 8, 8, 3), dtype=np.uint8)  # 2.5 s
    weights = np.random.default_rng(2).standard_normal((8 * 8 * 3, dim)).astype(np.float32)
    seen: list[int] = []

    def encode(x):  # a per-frame encoder that counts the frames it is given
        seen.append(len(x))
        return (x.reshape(len(x), -1).astype(np.float32) / 255.0) @ weights

    cond = V.encode_video(frames, fps, sr, encode)
    every = V.encode_clip((frames.reshape(75, -1).astype(np.float32) / 255.0) @ weights, fps, sr)
    np.testing.assert_allclose(cond, every, rtol=1e-5, atol=1e-4)  # a matrix product by blocks: rounding only
    assert np.array_equal(cond == 0, every == 0)
    assert seen == [1, 20]  # one frame to learn F, then p = 10 frames for each of the two whole seconds
    with pytest.raises(DataError, match="shorter than one second"):
        V.encode_video(frames[:20], fps, sr, encode)
