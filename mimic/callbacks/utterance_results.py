"""Every speech ``mimic test`` keeps each utterance's result, so that PER differences can be tested
(bootstrap over utterances, ``mimic.report.paired_per``) without rerunning a model.

The file is ``utterances.npz`` in the test run's folder (``RunFolder.utterances``), one entry per
utterance, sorted by name:

- ``utterance`` (U,) str: the utterance's name (``dr1/faks0/si943``), the key that pairs two runs;
- ``reference``, ``hypothesis`` (U,) str: the scored phone strings, folded to 39, space separated;
- ``errors`` (U,) int64: edit distance between them; ``phones`` (U,) int64: reference length;
- ``frame_offsets`` (U + 1,) int64 and ``frame_argmax`` (F,) int64: each utterance's frame-level
  argmax over the 183 targets, concatenated in the same order;
- ``lm_weight``, ``insertion_penalty`` (): the decoder setting the hypotheses come from.

Plain arrays only (``allow_pickle=False`` reads it), written atomically.
"""

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from mimic.atomic import atomic_file


@dataclass(frozen=True)
class UtteranceResult:
    """One utterance's scored result."""

    name: str
    reference: list[str]  # folded phones
    hypothesis: list[str]
    errors: int
    frame_argmax: np.ndarray  # (T,) int64


def write_utterance_results(
    path: Path, results: list[UtteranceResult], lm_weight: float, insertion_penalty: float
) -> None:
    results = sorted(results, key=lambda r: r.name)
    names = [r.name for r in results]
    if len(set(names)) != len(names):
        raise ValueError(f"{path}: an utterance was scored twice; every utterance must appear once")
    lengths = [len(r.frame_argmax) for r in results]
    with atomic_file(path) as f:
        np.savez(
            f,
            utterance=np.array(names, dtype=str),
            reference=np.array([" ".join(r.reference) for r in results], dtype=str),
            hypothesis=np.array([" ".join(r.hypothesis) for r in results], dtype=str),
            errors=np.array([r.errors for r in results], dtype=np.int64),
            phones=np.array([len(r.reference) for r in results], dtype=np.int64),
            frame_offsets=np.concatenate([[0], np.cumsum(lengths, dtype=np.int64)]).astype(np.int64),
            frame_argmax=np.concatenate([r.frame_argmax for r in results] or [np.zeros(0)]).astype(np.int64),
            lm_weight=np.float64(lm_weight),
            insertion_penalty=np.float64(insertion_penalty),
        )
