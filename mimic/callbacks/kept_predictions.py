"""``KeepTestPredictions``: every ``mimic test`` keeps its predictions, so that any comparison can be
recomputed from files without rerunning a model.

The file is ``predictions.npz`` in the test run's folder (``RunFolder.predictions``) with
``index`` (N,) int64 (the sample's position in the test split), ``label`` (N,) int64, ``argmax`` (N,)
int64 and ``logits`` (N, C) float32, sorted by ``index``. Under DDP every rank's predictions are gathered
and rank 0 writes them once; samples that a distributed sampler repeated to even out the ranks are
kept once. The file is written to a temporary name in the same folder and renamed, so a reader never
sees half of one.
"""

from pathlib import Path

import lightning.pytorch as pl
import numpy as np
import torch
from torch import Tensor

from mimic import batch as keys
from mimic.atomic import atomic_file
from mimic.run_folder import RunFolder


class KeepTestPredictions(pl.Callback):
    """Collects the test batches' logits (the outputs of ``test_step``) and writes ``predictions.npz`` into
    the stage's test folder (the ``mimic`` command adds it to every test run)."""

    def __init__(self) -> None:
        super().__init__()
        self._parts: list[tuple[Tensor, Tensor, Tensor]] = []

    def on_test_epoch_start(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        self._parts = []

    def on_test_batch_end(self, trainer, pl_module, outputs: Tensor, batch: dict, batch_idx: int, dataloader_idx=0):
        logits = outputs.detach().float()  # (B, C)
        self._parts.append((batch[keys.INDEX].detach(), batch[keys.Y].detach(), logits))

    def on_test_epoch_end(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        index, label, logits = (torch.cat(column) for column in zip(*self._parts, strict=True))
        self._parts = []
        if trainer.world_size > 1:
            index, label, logits = _gather(trainer, index, label, logits)
        if trainer.is_global_zero:
            write_predictions(RunFolder.of_trainer(trainer).predictions, index.cpu(), label.cpu(), logits.cpu())


def _gather(trainer: pl.Trainer, *columns: Tensor) -> tuple[Tensor, ...]:
    """Every rank's rows, padded to the longest rank for ``all_gather`` and trimmed again."""
    strategy = trainer.strategy
    count = torch.tensor([len(columns[0])], device=columns[0].device)
    counts = strategy.all_gather(count).flatten().tolist()  # (world,)
    longest = max(counts)
    gathered = []
    for column in columns:
        padded = column.new_zeros((longest, *column.shape[1:]))
        padded[: len(column)] = column
        ranks = strategy.all_gather(padded)  # (world, longest, ...)
        gathered.append(torch.cat([ranks[r, :n] for r, n in enumerate(counts)]))
    return tuple(gathered)


def write_predictions(path: Path, index: Tensor, label: Tensor, logits: Tensor) -> None:
    """Sort by sample index, keep each sample once, and write atomically."""
    order = torch.argsort(index, stable=True)
    index, label, logits = index[order], label[order], logits[order]
    first = torch.ones_like(index, dtype=torch.bool)
    first[1:] = index[1:] != index[:-1]  # a distributed sampler's padding repeats samples
    index, label, logits = index[first], label[first], logits[first]
    with atomic_file(path) as f:
        np.savez(
            f,
            index=index.numpy().astype(np.int64),
            label=label.numpy().astype(np.int64),
            argmax=logits.argmax(1).numpy().astype(np.int64),
            logits=logits.numpy().astype(np.float32),
        )
