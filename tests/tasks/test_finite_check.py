"""A non-finite training loss stops the run at the next check (no host sync at every step), naming the
first bad step, and never reaches validation or a checkpoint."""

import lightning.pytorch as pl
import pytest
import torch
import torch.nn.functional as F
from torch.utils.data import DataLoader

from mimic import batch as keys
from mimic.data.chunks import ChunkedBatches
from mimic.nets import DeepMLP
from mimic.tasks import TeacherModule

BAD_FROM = 3  # the first step whose loss is NaN


class _NaNFrom(TeacherModule):
    def training_step(self, batch, batch_idx):
        logits = self.net(batch[keys.X])
        loss = F.cross_entropy(logits, batch[keys.Y])
        if self.global_step >= BAD_FROM:
            loss = loss * float("nan")
        self.log_train(loss, logits, batch)
        return loss


def _batches(count: int) -> list[dict[str, torch.Tensor]]:
    generator = torch.Generator().manual_seed(0)
    return [{keys.X: torch.randn(4, 6, generator=generator), keys.Y: torch.randint(0, 3, (4,))} for _ in range(count)]


def _fit(every: int, steps_per_epoch: int):
    net = DeepMLP([6], 3, hidden=[8], dropout=0.0, input_norm="none")
    module = _NaNFrom(net, optimizer="sgd", lr=0.1, schedule="constant", finite_check_every=every)
    trainer = pl.Trainer(
        accelerator="cpu",
        max_epochs=3,
        logger=False,
        enable_progress_bar=False,
        enable_checkpointing=False,
        num_sanity_val_steps=0,
    )
    batches = _batches(steps_per_epoch)
    with pytest.raises(FloatingPointError, match=f"became NaN or infinite at step {BAD_FROM} .*lower model.lr") as err:
        trainer.fit(module, DataLoader(batches, batch_size=None), DataLoader(batches[:1], batch_size=None))
    return trainer, err


def test_stops_at_the_next_check_naming_the_first_bad_step():
    trainer, _ = _fit(every=5, steps_per_epoch=100)
    assert trainer.global_step == 4  # the check after the 5th step's loss (step 4), before its update


def test_stops_before_validation_when_the_next_check_is_further():
    trainer, _ = _fit(every=1000, steps_per_epoch=10)
    assert trainer.global_step == 10  # the epoch's end: validation would otherwise score NaN weights
    assert trainer.current_epoch == 0


class _NaNLossFrom(TeacherModule):
    def step_loss(self, batch):
        loss, logits = super().step_loss(batch)
        return (loss * float("nan") if self.global_step >= BAD_FROM else loss), logits


def test_chunked_steps_stop_at_the_chunk_end_past_the_check_naming_the_first_bad_step():
    net = DeepMLP([6], 3, hidden=[8], dropout=0.0, input_norm="none")
    module = _NaNLossFrom(net, lr=0.1, schedule="constant", finite_check_every=5, steps_per_chunk=4)
    trainer = pl.Trainer(
        accelerator="cpu", max_epochs=3, logger=False, enable_progress_bar=False, enable_checkpointing=False
    )
    batches = _batches(100)
    with pytest.raises(FloatingPointError, match=f"became NaN or infinite at step {BAD_FROM} "):
        trainer.fit(module, ChunkedBatches(DataLoader(batches, batch_size=None), 4))
    assert trainer.global_step == 8  # the check falls at step 5, in the second chunk (steps 4-7): at its end
