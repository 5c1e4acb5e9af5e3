"""FID's reference features through Inception are computed once per image set and process (a ladder scores every
rung against the same real images), with the same value as computed afresh."""
import numpy as np

from a2vlib.metrics.image import distances as D


def test_inception_reference_features_are_kept_by_content(monkeypatch):
    calls = []

    class Fake:
        device = "cpu"

        def __call__(self, images):
            calls.append(len(images))
            return images.reshape(len(images), -1)[:, :8].astype(np.float64)

    monkeypatch.setattr(D, "_REFERENCE_FEATURES", {})
    info = {"backbone": "fake inception", "resize": "bilinear"}
    ref = np.random.default_rng(0).integers(0, 255, (20, 4, 4, 3), dtype=np.uint8)
    first = D._cached_features(Fake(), info, ref)
    again = D._cached_features(Fake(), info, ref.copy())  # the same content: not computed again
    assert calls == [20] and np.array_equal(first, again)
    other = ref.copy()
    other[0, 0, 0, 0] ^= 1
    D._cached_features(Fake(), info, other)  # one pixel differs: computed
    assert calls == [20, 20]
    D._cached_features(Fake(), {"backbone": "classifier"}, ref)  # a classifier backbone is never kept
    assert calls == [20, 20, 20]
