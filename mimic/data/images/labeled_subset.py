"""The few-labels regime: which training images keep their labels.

``data.labeled_size: N`` keeps the labels of N training images, drawn per class in proportion to the
classes' shares (stratified) from a generator seeded by ``data.seed``; every other training image stays in
the run as an unlabeled image (``mimic.data.images.Unlabeled`` hands them to a mimic as transfer data).
The choice depends on the data settings alone, so the teachers, the twins and the mimics of a table all
see the same N labels and the same validation split.
"""

import json
from pathlib import Path

import numpy as np
import torch
from torch import Tensor

from mimic import atomic


def stratified_subset(labels: Tensor, size: int, seed: int) -> Tensor:
    """(size,) sorted positions into ``labels`` (n,): ``size`` of them, each class's share as in ``labels``.

    Each class c gets ``floor(size * n_c / n)`` positions; the ones left go to the classes with the
    largest remainders (ties to the lower class), so the counts sum to ``size`` and differ from the exact
    shares by less than one.
    """
    n = len(labels)
    if not 0 < size <= n:
        raise ValueError(f"data.labeled_size must be between 1 and {n} (the training images), got {size}")
    classes, counts = np.unique(labels.numpy(), return_counts=True)
    exact = size * counts / n
    taken = np.floor(exact).astype(np.int64)
    rest = size - int(taken.sum())
    by_remainder = np.lexsort((classes, -(exact - taken)))  # largest remainder first, then lower class
    taken[by_remainder[:rest]] += 1
    rng = np.random.default_rng([seed, size])
    chosen = [rng.permutation(np.flatnonzero(labels.numpy() == c))[:k] for c, k in zip(classes, taken, strict=True)]
    return torch.from_numpy(np.sort(np.concatenate(chosen)))


def write_split(path: Path, labeled: Tensor, labels: Tensor, unlabeled: int, settings: dict) -> None:
    """Keep the choice with the run: ``labeled`` (N,) indices into the corpus's training file, their
    labels (N,) (for the per-class counts), how many images went unlabeled, and the settings behind it."""
    per_class = {int(c): int(k) for c, k in zip(*np.unique(labels.numpy(), return_counts=True), strict=True)}
    content = {
        "settings": settings,
        "labeled": len(labeled),
        "unlabeled": unlabeled,
        "per_class": per_class,
        "labeled_indices": labeled.tolist(),  # into the corpus's training file, sorted
    }
    atomic.write_text(path, json.dumps(content) + "\n")
