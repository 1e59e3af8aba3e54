"""Paired statistics for phone error rates, from the ``utterances.npz`` that each speech ``mimic test``
kept (``mimic.callbacks.utterance_results``).

PER is a ratio of sums over utterances (errors / reference phones), and errors within an utterance are
not independent, so the unit of resampling is the utterance (Bisani & Ney 2004, "Bootstrap estimates
for confidence intervals in ASR performance evaluation"): draw the test utterances with replacement,
recompute both systems' PER on the same draw, and read the spread of their difference.

- ``bootstrap_per``: the 95% percentile interval of PER(B) - PER(A), and a two-sided p-value: twice the
  share of draws in which the difference has the other sign than measured (or is zero), at most 1.
  R draws cannot resolve a p below 2 / R: when no draw flips the sign, 2 / R is given (an upper bound).
"""

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from mimic.report.paired import UnpairedPredictions

RESAMPLES = 10_000
SEED = 0  # the bootstrap's own seed: a report recomputed from the same files gives the same intervals


@dataclass(frozen=True)
class UtteranceScores:
    """One speech test run's per-utterance results."""

    path: Path
    names: np.ndarray  # (U,) str
    references: np.ndarray  # (U,) str: folded reference phones
    errors: np.ndarray  # (U,) int64
    phones: np.ndarray  # (U,) int64

    @property
    def per(self) -> float:
        return float(self.errors.sum() / max(int(self.phones.sum()), 1))


def read_utterances(path: str | Path) -> UtteranceScores:
    """Read an ``utterances.npz`` (arrays only: no pickled objects are loaded)."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no per-utterance results; run the stage's `mimic test` first")
    try:
        with np.load(path, allow_pickle=False) as content:
            names, references = content["utterance"], content["reference"]
            errors, phones = (content[key].astype(np.int64) for key in ("errors", "phones"))
    except (KeyError, ValueError, OSError) as err:
        raise ValueError(f"{path}: not a mimic utterances file (utterance, reference, errors, phones): {err}") from err
    return UtteranceScores(path, names, references, errors, phones)


def check_paired_utterances(a: UtteranceScores, b: UtteranceScores) -> None:
    """Refuse two files that do not score the same utterances against the same references."""
    if len(a.names) != len(b.names):
        raise UnpairedPredictions(f"{a.path} holds {len(a.names)} utterances but {b.path} {len(b.names)}")
    if not np.array_equal(a.names, b.names):
        raise UnpairedPredictions(f"{a.path} and {b.path} score different utterances (their names differ)")
    if not np.array_equal(a.references, b.references):
        differ = int((a.references != b.references).sum())
        raise UnpairedPredictions(f"{a.path} and {b.path} give {differ} utterances different references")


@dataclass(frozen=True)
class PerBootstrap:
    difference: float  # PER(B) - PER(A) measured, as a fraction (positive: A is better)
    low: float  # 95% percentile interval of the difference
    high: float
    p_value: float  # two-sided
    resamples: int


def bootstrap_per(a: UtteranceScores, b: UtteranceScores, resamples: int = RESAMPLES, seed: int = SEED) -> PerBootstrap:
    """The paired bootstrap of PER(B) - PER(A) over utterances."""
    check_paired_utterances(a, b)
    count = len(a.names)
    rng = np.random.default_rng(seed)
    # Each draw as how often it takes each utterance: (R, U) multiplicities, so that every PER on a draw
    # is two dot products.
    weights = rng.multinomial(count, np.full(count, 1.0 / count), size=resamples).astype(np.float64)
    phones = np.maximum(weights @ a.phones, 1.0)  # (R,), the same references in both
    differences = (weights @ b.errors - weights @ a.errors) / phones  # (R,)
    measured = b.per - a.per
    if measured > 0:
        against = float(np.mean(differences <= 0))
    elif measured < 0:
        against = float(np.mean(differences >= 0))
    else:
        against = 0.5
    against = max(against, 1.0 / resamples)  # R draws cannot show a smaller share: an upper bound
    low, high = np.percentile(differences, [2.5, 97.5])
    return PerBootstrap(measured, float(low), float(high), min(1.0, 2 * against), resamples)
