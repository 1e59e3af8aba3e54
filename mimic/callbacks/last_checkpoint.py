"""``LastCheckpoint``: ``checkpoints/last.ckpt`` is the run as it last stood, what ``--ckpt_path last`` resumes.

Lightning's ``ModelCheckpoint(save_last=True)`` writes ``last.ckpt`` only when it also writes a top-k
checkpoint: with a monitored metric, that is when the metric improves. A run killed after epochs that did
not improve would resume from its best epoch and train those epochs again (and end elsewhere). This
callback writes ``last.ckpt`` at the end of every training epoch (after validation) and every
``every_n_steps`` optimiser steps (at the first batch end past each multiple: a chunk of batches,
``mimic.data.chunks``, takes several steps), so that a kill loses at most that many steps (plus a chunk's);
Lightning takes a run resumed mid-epoch up at the batch where it stopped, and ``mimic.data.epoch_order``
makes the loaders continue the same order there.
"""

from pathlib import Path
from typing import Protocol, runtime_checkable

import lightning.pytorch as pl
from lightning.pytorch.callbacks import Checkpoint

LAST = "last.ckpt"


@runtime_checkable
class ChecksFiniteLoss(Protocol):
    """A module whose loss is checked only every few steps (``TrainedClassifier``): it is checked once more
    before its weights are kept."""

    def check_finite(self) -> None: ...


class LastCheckpoint(Checkpoint):
    """A ``Checkpoint`` (not a plain callback) so that Lightning runs it after the other checkpoint callbacks:
    the best-checkpoint tracker's state in ``last.ckpt`` then includes the epoch just scored.

    Args:
        dirpath: the run's ``checkpoints/`` folder.
        every_n_steps: also write every this many optimiser steps (``0``: at epoch ends only).
    """

    def __init__(self, dirpath: str | Path, every_n_steps: int = 0) -> None:
        if every_n_steps < 0:
            raise ValueError(f"LastCheckpoint: every_n_steps must be 0 (epoch ends only) or more, not {every_n_steps}")
        self.path = Path(dirpath) / LAST
        self.every_n_steps = every_n_steps
        self._saved_at_step = -1
        self._step_before_batch = 0

    @property
    def state_key(self) -> str:
        return f"LastCheckpoint[{self.path}]"

    def on_train_batch_start(self, trainer: pl.Trainer, *args) -> None:
        self._step_before_batch = trainer.global_step

    def on_train_batch_end(self, trainer: pl.Trainer, pl_module, outputs, batch, batch_idx: int) -> None:
        # The epoch's last batch is left to the epoch-end save, after validation: Lightning resumes a run saved
        # at that batch's end as if its epoch were over, skipping the epoch's validation and end.
        if batch_idx + 1 == trainer.num_training_batches:
            return
        # a batch may take several optimiser steps (a chunk, mimic.data.chunks): save when it crossed a multiple
        step, n = trainer.global_step, self.every_n_steps
        if n and step // n > self._step_before_batch // n and step != self._saved_at_step:
            self._save(trainer)

    def on_train_epoch_end(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        self._save(trainer)

    def _save(self, trainer: pl.Trainer) -> None:
        if trainer.fast_dev_run or trainer.sanity_checking:
            return
        module = trainer.lightning_module
        if isinstance(module, ChecksFiniteLoss):  # never keep weights a non-finite loss ruined
            module.check_finite()
        # all ranks call it (each adds its own states); rank 0 writes, atomically (SafeCheckpointIO)
        trainer.save_checkpoint(self.path, weights_only=False)
        self._saved_at_step = trainer.global_step
