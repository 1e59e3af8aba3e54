"""Chunks of training batches: several optimiser steps per Lightning step.

A small student's step is short (a few hundred microseconds of arithmetic on a GPU, a few milliseconds on
a CPU), and Lightning's work around each batch (the loader's ``next``, hooks, callbacks, logging, the
progress bar) is a fixed host cost per batch that then weighs. ``ChunkedBatches`` hands Lightning K
consecutive batches of the DataModule's loader as one: the trainer's per-batch work happens once per K
optimiser steps, the teacher labels the whole chunk in one forward pass, and the task
(``TrainedClassifier(steps_per_chunk=K)``) takes one step per original batch, in order. The batches are the
loader's own, so K chunked steps are the K single steps (same samples, augmentation and mixing draws),
and a resumed run continues exactly (the DataModule counts a chunk as the batches it holds).
"""

import math
from collections.abc import Iterator
from typing import Any, Protocol

import torch
from torch import Tensor

from mimic import batch as keys


class SizedBatches(Protocol):
    def __len__(self) -> int: ...

    def __iter__(self) -> Iterator[dict[str, Tensor]]: ...


class ChunkedBatches:
    """The batches of ``batches`` (a loader of dict batches), ``steps`` at a time, each chunk one dict of
    the batches' tensors concatenated along the samples, plus ``batch["step_sizes"]``: the samples of
    each batch, in order (a tuple of ints, so that splitting never waits for the device). The last chunk
    of an epoch holds the batches that are left.

    Lightning calls ``set_epoch`` on the loader's ``sampler`` or ``batch_sampler``; those of the wrapped
    loader are exposed here for it.
    """

    def __init__(self, batches: SizedBatches, steps: int) -> None:
        if steps < 1:
            raise ValueError(f"steps per chunk must be at least 1, got {steps}")
        self.batches, self.steps = batches, steps

    @property
    def sampler(self) -> Any:
        return getattr(self.batches, "sampler", None)

    @property
    def batch_sampler(self) -> Any:
        return getattr(self.batches, "batch_sampler", None)

    @property
    def batches_per_epoch(self) -> int:
        """The optimiser steps of a whole epoch: the wrapped loader's batches."""
        return len(self.batches)

    def __len__(self) -> int:
        return math.ceil(len(self.batches) / self.steps)

    def __iter__(self) -> Iterator[dict[str, Any]]:
        group: list[dict[str, Tensor]] = []
        for batch in self.batches:
            group.append(batch)
            if len(group) == self.steps:
                yield join_batches(group)
                group = []
        if group:
            yield join_batches(group)


def join_batches(batches: list[dict[str, Tensor]]) -> dict[str, Any]:
    """One chunk of ``batches``: each key's tensors (B_i, ...) concatenated to (sum B_i, ...)."""
    chunk: dict[str, Any] = {key: torch.cat([batch[key] for batch in batches]) for key in batches[0]}
    chunk[keys.STEP_SIZES] = tuple(len(batch[keys.X]) for batch in batches)
    return chunk


def split_chunk(chunk: dict[str, Any]) -> list[dict[str, Tensor]]:
    """The batches of a chunk, in order, as views of its tensors (no copy); keys added to the chunk after
    it was made (``TeacherLogits``' ``teacher_logits``) are split with the rest."""
    sizes = chunk[keys.STEP_SIZES]
    parts = {key: value.split(sizes) for key, value in chunk.items() if key != keys.STEP_SIZES}
    return [{key: pieces[i] for key, pieces in parts.items()} for i in range(len(sizes))]


def steps_in(batch: dict[str, Any]) -> int:
    """Optimiser steps a training batch stands for: a chunk's batches, else one."""
    return len(batch.get(keys.STEP_SIZES, (None,)))
