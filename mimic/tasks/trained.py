"""``TrainedClassifier``: a ``ClassifierTask`` trained by SGD-style optimisation: the optimiser and schedule,
the net's input statistics fitted before the first step, the training figures, the finite-loss watch, and
optionally several optimiser steps per Lightning step (``steps_per_chunk``, ``mimic.data.chunks``)."""

import time
from typing import Any

import lightning.pytorch as pl
import torch
from lightning.pytorch.utilities import rank_zero_info
from torch import Tensor

from mimic import batch as keys
from mimic.data.base import MimicDataModule
from mimic.data.chunks import ChunkedBatches, split_chunk
from mimic.metrics.classification import ErrorRate, RunningMean
from mimic.nets.base import Net
from mimic.nets.compile import compile_in_place
from mimic.tasks.base import ClassifierTask
from mimic.tasks.finite_loss import FiniteLossWatch
from mimic.tasks.losses import unmixed_labels
from mimic.tasks.optimisation import OptimiserSettings, Optimizer, Schedule, make_optimizer, make_schedule
from mimic.tasks.resume_state import merge_optimizer_groups, restore_running, save_running


class TrainedClassifier(ClassifierTask):
    """A net trained here; subclasses give the loss (``training_step``).

    Args:
        net: the model, a ``mimic.nets`` net given by ``class_path``.
        optimizer: ``"sgd"`` (with momentum, the paper's choice), ``"adamw"`` or ``"adam"``.
        lr: peak learning rate.
        momentum: SGD momentum (Nesterov when > 0).
        weight_decay: L2 penalty on weight matrices and kernels (biases and norms are exempt).
        schedule: ``"onecycle"`` (warm-up then cosine decay, per step), ``"cosine"`` (decay per step)
            or ``"constant"``.
        warmup_fraction: share of the steps spent warming up under ``"onecycle"``.
        finite_check_every: steps between checks that the training loss stayed finite
            (``mimic.tasks.finite_loss``): the run stops at the next check after a NaN, naming its step.
        compile: ``torch.compile`` the net (in place: its weights keep their names in checkpoints). The
            first steps pay the compilation; off by default.
        steps_per_chunk: K > 1 takes K optimiser steps per Lightning step, over K consecutive batches of the
            DataModule's loader handed over as one chunk (``mimic.data.chunks``): Lightning's per-batch host
            work, the teacher's forward pass and the training figures' updates happen once per chunk. The
            steps are those of K single steps (same batches, same order, same weights in deterministic
            mode). Counted in optimiser steps as ever: ``trainer.max_steps``, schedules, ``global_step``;
            in chunks: Lightning's batch counts (``val_check_interval``, ``limit_train_batches``,
            ``log_every_n_steps``). ``trainer.gradient_clip_val`` applies to each step as ever;
            ``trainer.accumulate_grad_batches`` is refused.
    """

    def __init__(
        self,
        net: Net,
        optimizer: Optimizer = "sgd",
        lr: float = 0.02,
        momentum: float = 0.9,
        weight_decay: float = 0.0,
        schedule: Schedule = "onecycle",
        warmup_fraction: float = 0.2,
        finite_check_every: int = 50,
        compile: bool = False,
        steps_per_chunk: int = 1,
    ) -> None:
        super().__init__(net)
        if steps_per_chunk < 1:
            raise ValueError(f"model.steps_per_chunk must be at least 1, got {steps_per_chunk}")
        self.steps_per_chunk = steps_per_chunk
        self.automatic_optimization = steps_per_chunk == 1  # a chunk's steps are taken here
        self.chunk_clipping: tuple[float, str | None] | None = None  # trainer.gradient_clip_val and _algorithm
        self.save_hyperparameters(ignore=["net", "teacher"])
        self.optimisation = OptimiserSettings(optimizer, lr, momentum, weight_decay, schedule, warmup_fraction)
        self.finite_loss = FiniteLossWatch(finite_check_every)
        self.compile_net = compile
        self.train_err, self.train_loss = ErrorRate(), RunningMean()  # the epoch's running figures

    def configure_model(self) -> None:
        if self.compile_net:
            compile_in_place(self.net, self.trainer.strategy.root_device, "model.compile")

    def configure_callbacks(self) -> list[pl.Callback]:
        # Lightning calls this as a fit starts, before it checks its settings against manual optimisation:
        # a chunk's steps clip their gradients here as Lightning would, and Lightning is told not to.
        trainer = self.trainer
        self.chunk_clipping = None
        if self.steps_per_chunk > 1 and trainer.state.fn == "fit":
            if trainer.accumulate_grad_batches != 1:
                raise ValueError(
                    "model.steps_per_chunk > 1 takes one optimiser step per batch: trainer.accumulate_grad_batches "
                    "does not apply there; unset it"
                )
            if trainer.gradient_clip_val:
                self.chunk_clipping = (trainer.gradient_clip_val, trainer.gradient_clip_algorithm)
                trainer.gradient_clip_val = None
        return []

    def teardown(self, stage: str) -> None:
        if stage == "fit" and self.chunk_clipping is not None:  # the trainer's setting back, for its next fit
            self.trainer.gradient_clip_val = self.chunk_clipping[0]

    def setup(self, stage: str) -> None:
        if stage != "fit":
            return
        datamodule = self.trainer.datamodule
        if isinstance(datamodule, MimicDataModule):  # (1 too: a DataModule may serve several fits)
            datamodule.steps_per_chunk = self.steps_per_chunk  # before Lightning asks for its training loader
        elif datamodule is not None and self.steps_per_chunk > 1:
            raise ValueError(
                f"model.steps_per_chunk > 1 needs a mimic.data.base.MimicDataModule to make chunks of its batches; "
                f"{type(datamodule).__name__} is not one (or give a mimic.data.chunks.ChunkedBatches loader)"
            )

    def configure_optimizers(self) -> Any:
        optimizer = make_optimizer(self.net, self.optimisation)
        schedule = make_schedule(optimizer, self.optimisation, self.planned_steps())
        if schedule is None:
            return optimizer
        return {"optimizer": optimizer, "lr_scheduler": {"scheduler": schedule, "interval": "step"}}

    def planned_steps(self) -> int:
        """The optimiser steps this fit will take: what the schedule spans."""
        trainer = self.trainer
        batches = int(trainer.estimated_stepping_batches)  # (sets up the training data)
        if self.steps_per_chunk == 1:
            return batches
        loader = trainer.train_dataloader
        chunks = trainer.num_training_batches  # after limit_train_batches
        per_epoch = chunks * self.steps_per_chunk
        if isinstance(loader, ChunkedBatches):  # the last chunk of an epoch may hold fewer batches
            per_epoch = min(per_epoch, loader.batches_per_epoch)
        limits = [per_epoch * trainer.max_epochs] if trainer.max_epochs not in (None, -1) else []
        limits += [trainer.max_steps] if trainer.max_steps != -1 else []
        return min(limits) if limits else batches

    # --- each step ---------------------------------------------------------------------------------

    def step_loss(self, batch: dict[str, Tensor]) -> tuple[Tensor, Tensor]:
        """The training loss () of one batch and the net's logits (B, C) on it; subclasses give it."""
        raise NotImplementedError

    def training_step(self, batch: dict[str, Tensor], batch_idx: int) -> Tensor | None:
        if not self.automatic_optimization:
            return self.chunk_steps(batch)
        loss, logits = self.step_loss(batch)
        self.log_train(loss, logits, batch)
        return loss

    def chunk_steps(self, chunk: dict[str, Any]) -> Tensor | None:
        """One optimiser step per batch of ``chunk``, in order, as Lightning takes a single step (gradients
        zeroed, the loss, its backward pass, the optimiser, the per-step schedule); the bookkeeping once."""
        if keys.STEP_SIZES not in chunk:
            raise ValueError(
                "model.steps_per_chunk > 1 needs chunks of batches (mimic.data.chunks.ChunkedBatches), which "
                "MimicDataModule.train_dataloader makes from training_batches(); the training loader gave a plain "
                "batch (a DataModule that defines train_dataloader itself trains one step per batch)"
            )
        optimizer, schedule = self.optimizers(), self.lr_schedulers()
        last = self.trainer.max_steps  # -1: none; a chunk never steps past it
        first_step = self.global_step
        losses, logits, taken = [], [], []
        for batch in split_chunk(chunk):
            if 0 <= last <= self.global_step:
                break
            optimizer.zero_grad(set_to_none=True)
            loss, batch_logits = self.step_loss(batch)
            self.manual_backward(loss)
            if self.chunk_clipping is not None:  # trainer.gradient_clip_val and _algorithm, as Lightning applies them
                value, algorithm = self.chunk_clipping
                self.clip_gradients(optimizer, gradient_clip_val=value, gradient_clip_algorithm=algorithm)
            optimizer.step()
            if schedule is not None:
                schedule.step()
            losses.append(loss.detach())
            logits.append(batch_logits.detach())
            taken.append(batch)
        if not losses:  # max_steps reached before this chunk (Lightning stops before one: a guard)
            return None
        losses_ = torch.stack(losses)  # (K,)
        if self.finite_loss.note_steps(losses_, first_step):
            self.check_finite()
        self.update_train_figures(losses_, torch.cat(logits), taken)
        self.log("train/loss_step", losses_[-1], prog_bar=True, on_step=True, on_epoch=False)
        return losses_[-1]

    def update_train_figures(self, losses: Tensor, logits: Tensor, batches: list[dict[str, Tensor]]) -> None:
        """The epoch's running figures from a chunk's steps: losses (K,), logits (N, C) of its N samples."""
        counts = [len(batch[keys.Y]) for batch in batches]  # known on the host: nothing is read back
        weights = torch.tensor(counts, dtype=losses.dtype).to(losses.device, non_blocking=True)
        self.train_err.update(logits, torch.cat([unmixed_labels(batch) for batch in batches]))
        self.train_loss.update((losses * weights).sum() / sum(counts), sum(counts))

    def log_train(self, loss: Tensor, logits: Tensor, batch: dict[str, Tensor]) -> None:
        """The step's bookkeeping, none of which waits for the device: the epoch's figures are updated on
        it and logged at the epoch's end; the step's loss only at the steps Lightning writes logs
        (``trainer.log_every_n_steps``): each ``self.log`` costs host time."""
        if self.finite_loss.note(loss, self.global_step):
            self.check_finite()
        self.train_err.update(logits.detach(), unmixed_labels(batch))  # mixed images have no single label
        self.train_loss.update(loss.detach(), len(batch[keys.Y]))  # weighted by the batch's samples
        if (self.global_step + 1) % self.trainer.log_every_n_steps == 0:
            self.log("train/loss_step", loss.detach(), prog_bar=True, on_step=True, on_epoch=False)

    def check_finite(self) -> None:
        """Stop the run when the loss was NaN or infinite on any rank, instead of training on garbage.
        Every rank calls it at the same steps (it is a collective under DDP)."""
        first = self.finite_loss.first_bad_step()  # waits for the device
        if self.trainer.strategy.reduce_boolean_decision(first >= 0, all=False):
            where = f"step {first}" if first >= 0 else "a step of another rank"
            raise FloatingPointError(
                f"{type(self).__name__}: training loss became NaN or infinite at {where} (epoch "
                f"{self.current_epoch}; lr {self.optimisation.lr}). The learning rate is probably too high for "
                "this loss: lower model.lr, or set trainer.gradient_clip_val."
            )

    # --- the epoch around the steps ----------------------------------------------------------------

    def on_fit_start(self) -> None:
        # After Lightning restored any checkpoint: a resumed run keeps the statistics it saved.
        self.fit_input_statistics()
        self.log_net_summary()

    def on_train_epoch_start(self) -> None:
        # A fresh epoch's running figures start at zero, even when restored from a checkpoint taken at the
        # previous epoch's end (Lightning resets them only after that save). A run resumed mid-epoch skips
        # this hook and keeps the restored figures of the batches it had done.
        self.train_err.reset()
        self.train_loss.reset()

    def on_train_epoch_end(self) -> None:
        self.check_finite()
        self.log("train/loss_epoch", self.train_loss)
        self.log("train/err", self.train_err)

    def on_validation_start(self) -> None:
        if self.trainer.state.fn == "fit":
            self.check_finite()  # never score (or keep as best) weights a non-finite loss has reached
        super().on_validation_start()

    def fit_input_statistics(self) -> None:
        """Fit the net's input normalisation on the DataModule's raw training inputs, once, before training."""
        inputs = self.net.inputs
        if not inputs.needs_fitting:
            return
        datamodule = self.trainer.datamodule
        if not isinstance(datamodule, MimicDataModule):
            raise ValueError(
                f"{type(self.net).__name__}.input_norm must be fitted on the training inputs, which only a "
                f"mimic.data.base.MimicDataModule provides ({type(datamodule).__name__} is not one); "
                "or set the net's input_norm: none"
            )
        started = time.monotonic()
        rank_zero_info(f"fitting the net's input normalisation ({type(inputs).__name__}) on the training inputs ...")
        inputs.fit(chunk.to(inputs.fitted.device) for chunk in datamodule.training_inputs())
        rank_zero_info(f"fitted the input normalisation in {time.monotonic() - started:.1f} s")

    # --- checkpoints -------------------------------------------------------------------------------

    def on_save_checkpoint(self, checkpoint: dict[str, Any]) -> None:
        super().on_save_checkpoint(checkpoint)
        save_running(checkpoint, {"train_err": self.train_err, "train_loss": self.train_loss})

    def on_load_checkpoint(self, checkpoint: dict[str, Any]) -> None:
        super().on_load_checkpoint(checkpoint)
        if not self.optimisation.weight_decay:  # make_optimizer makes one group
            merge_optimizer_groups(checkpoint, list(self.net.parameters()))
        restore_running(checkpoint, {"train_err": self.train_err, "train_loss": self.train_loss}, self.device)
        datamodule = self.trainer.datamodule
        if isinstance(datamodule, MimicDataModule) and "epoch_progress" not in checkpoint.get(
            type(datamodule).__qualname__, {}
        ):  # written before the DataModule kept its count (Lightning restores its state after this hook)
            datamodule.epoch_progress.load_from_lightning(checkpoint)
