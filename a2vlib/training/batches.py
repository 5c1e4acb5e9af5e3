"""Random access to training batches of (sample, condition, label), and the choice of mismatched conditions for
GAN-CLS's wrong pairs: the data side of :mod:`a2vlib.training.trainer`."""
from __future__ import annotations

from typing import Any

import torch
from torch import Tensor
from torch.utils.data import Dataset, TensorDataset

from a2vlib.core.errors import DataError

Batch = tuple[Tensor, Tensor, "Tensor | None"]


class Samples:
    """Random access to (sample, condition, label) batches from tensors, a TensorDataset or any map-style Dataset
    whose items are (sample, condition) or (sample, condition, label)."""

    def __init__(self, data: Any):
        if isinstance(data, TensorDataset):
            data = data.tensors
        self.tensors: tuple[Tensor, Tensor, Tensor | None] | None = None
        self.dataset: Dataset | None = None
        if isinstance(data, (tuple, list)) and 2 <= len(data) <= 3 and all(
                t is None or isinstance(t, Tensor) for t in data):
            x, c, y = (*data, None)[:3]
            if x is None or c is None or len(x) != len(c) or (y is not None and len(y) != len(x)):
                sizes = [None if t is None else len(t) for t in data]
                raise DataError(f"samples, conditions and labels must be tensors of equal length, got {sizes}")
            self.tensors = (x, c, None if y is None else y.long())
            self.n = len(x)
        elif isinstance(data, Dataset) and hasattr(data, "__len__"):
            self.dataset, self.n = data, len(data)
        else:
            raise DataError("training data must be (samples, conditions[, labels]) tensors or a map-style Dataset "
                            f"of such tuples, got {type(data).__name__}")

    def labels(self) -> Tensor | None:
        """All class labels (for class-balanced sampling), or None when the data carry none; read once."""
        if self.tensors is not None:
            return self.tensors[2]
        if not hasattr(self, "_labels"):
            first = self.dataset[0]
            self._labels = (torch.as_tensor([int(self.dataset[i][2]) for i in range(self.n)]) if len(first) == 3
                            else None)
        return self._labels

    def batch(self, idx: Tensor) -> Batch:
        if self.tensors is not None:
            x, c, y = self.tensors
            return x[idx], c[idx], None if y is None else y[idx]
        items = [self.dataset[i] for i in idx.tolist()]
        if len(items[0]) not in (2, 3):
            raise DataError(f"dataset items must be (sample, condition[, label]), got {len(items[0])} fields")
        x = torch.stack([torch.as_tensor(it[0]) for it in items])
        c = torch.stack([torch.as_tensor(it[1]) for it in items])
        y = torch.as_tensor([int(it[2]) for it in items]) if len(items[0]) == 3 else None
        return x, c, y


def mismatched_indices(n: int, labels: Tensor | None = None, generator: torch.Generator | None = None,
                       device: torch.device | str = "cpu") -> Tensor:
    """For each of ``n`` batch entries, the index of another entry to take a *wrong* condition from: uniformly
    among entries of another class when ``labels`` are given, else among the other entries. An entry whose class
    fills the whole batch falls back to any other entry."""
    eye = torch.eye(n, dtype=torch.bool, device=device)
    invalid = eye if labels is None else labels[:, None] == labels[None, :]
    stuck = invalid.all(dim=1)
    if bool(stuck.any()):
        invalid = torch.where(stuck[:, None], eye, invalid)
    scores = torch.rand(n, n, generator=generator, device=device).masked_fill_(invalid, -1.0)
    return scores.argmax(dim=1)
