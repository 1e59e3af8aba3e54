"""Paired statistics from kept prediction files: every comparison in a report is recomputed from the
``predictions.npz`` that each ``mimic test`` wrote, never from a model.

- ``mcnemar``: the exact McNemar test of two classifiers on the same test samples: only the samples on
  which exactly one of them is right carry information; under the null hypothesis each of those goes
  either way with probability 1/2, so the count is binomial (n = discordant pairs, p = 1/2), two-sided.
- ``gap_closed``: the share of the gap between a net trained on labels and its teacher that the same
  net closes by mimicking the teacher (1 = as good as the teacher, 0 = no better than on labels).
"""

from dataclasses import dataclass
from math import comb
from pathlib import Path

import numpy as np


class UnpairedPredictions(ValueError):
    """Two prediction files that do not describe the same test samples."""


@dataclass(frozen=True)
class Predictions:
    """One test run's kept predictions (``mimic.callbacks.kept_predictions``)."""

    path: Path
    index: np.ndarray  # (N,) int64
    label: np.ndarray  # (N,) int64
    argmax: np.ndarray  # (N,) int64

    @property
    def correct(self) -> np.ndarray:
        return self.argmax == self.label  # (N,) bool

    @property
    def error(self) -> float:
        return float(1.0 - self.correct.mean())


def read_predictions(path: str | Path) -> Predictions:
    """Read a ``predictions.npz`` (arrays only: no pickled objects are loaded)."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no predictions; run the stage's `mimic test` first")
    try:
        with np.load(path, allow_pickle=False) as content:
            index, label, argmax = (content[key].astype(np.int64) for key in ("index", "label", "argmax"))
    except (KeyError, ValueError, OSError) as err:
        raise ValueError(f"{path}: not a mimic predictions file (index, label, argmax, logits): {err}") from err
    return Predictions(path, index, label, argmax)


def check_paired(a: Predictions, b: Predictions) -> None:
    """Refuse two files that are not predictions on the same samples with the same labels."""
    if len(a.index) != len(b.index):
        raise UnpairedPredictions(f"{a.path} holds {len(a.index)} test samples but {b.path} {len(b.index)}")
    if not np.array_equal(a.index, b.index):
        raise UnpairedPredictions(f"{a.path} and {b.path} predict different test samples (their indices differ)")
    if not np.array_equal(a.label, b.label):
        differ = int((a.label != b.label).sum())
        raise UnpairedPredictions(f"{a.path} and {b.path} give {differ} samples different labels: other test sets")


@dataclass(frozen=True)
class McNemar:
    only_a: int  # samples A gets right and B wrong
    only_b: int  # samples B gets right and A wrong
    p_value: float  # exact two-sided


def mcnemar(a: Predictions, b: Predictions) -> McNemar:
    """The exact McNemar test of A against B on paired predictions."""
    check_paired(a, b)
    only_a = int((a.correct & ~b.correct).sum())
    only_b = int((b.correct & ~a.correct).sum())
    return McNemar(only_a, only_b, exact_binomial_two_sided(min(only_a, only_b), only_a + only_b))


def exact_binomial_two_sided(k: int, n: int) -> float:
    """P(X <= k or X >= n - k) for X ~ Binomial(n, 1/2), k <= n / 2; exact integer arithmetic."""
    if n == 0:
        return 1.0
    tail = sum(comb(n, i) for i in range(k + 1))
    return min(1.0, 2 * tail / 2**n)


def gap_closed(student_error: float, twin_error: float, teacher_error: float) -> float | None:
    """(twin - student) / (twin - teacher); ``None`` when the teacher is no better than the twin."""
    gap = twin_error - teacher_error
    return None if gap <= 0 else (twin_error - student_error) / gap
