"""What teachers and students share: the net, optimiser and schedule, error metrics, logging, checkpoints."""

import time
from typing import Any, Literal

import lightning.pytorch as pl
import torch
from lightning.pytorch.utilities import rank_zero_info, rank_zero_warn
from torch import Tensor

from mimic import batch as keys
from mimic.data.base import MimicDataModule
from mimic.metrics.classification import ErrorRate, RunningMean
from mimic.nets.base import Net, count_hidden_units, count_parameters
from mimic.nets.compile import compile_in_place
from mimic.ranks import gather_from_ranks, own_share
from mimic.tasks.checkpoints import FORMAT, FORMAT_KEY, NET_SPEC_KEY, check_format

RUNNING_METRICS = ("train_err", "train_loss")  # the training epoch's running figures
RUNNING_KEY = "mimic_running_metrics"

SPLITS = ("train", "val", "test")


class ClassifierTask(pl.LightningModule):
    """A net trained by SGD-style optimisation and scored by error rate on labels.

    Args:
        net: the model, a ``mimic.nets`` net given by ``class_path``.
        optimizer: ``"sgd"`` (with momentum, the paper's choice), ``"adamw"`` or ``"adam"``.
        lr: peak learning rate.
        momentum: SGD momentum (Nesterov when > 0).
        weight_decay: L2 penalty on weight matrices and kernels (biases and norms are exempt).
        schedule: ``"onecycle"`` (warm-up then cosine decay, per step), ``"cosine"`` (decay per step)
            or ``"constant"``.
        warmup_fraction: share of the steps spent warming up under ``"onecycle"``.
        finite_check_every: steps between checks that the training loss stayed finite. A check waits for
            the device (and, under DDP, for every rank), so it is not made at every step: the first
            non-finite step is noted on the device, and the run stops at the next check (and before any
            validation or checkpoint) naming that step.
        compile: ``torch.compile`` the net (in place: its weights keep their names in checkpoints). The
            first steps pay the compilation; off by default (see the README's measurements).
    """

    def __init__(
        self,
        net: Net,
        optimizer: Literal["sgd", "adamw", "adam"] = "sgd",
        lr: float = 0.02,
        momentum: float = 0.9,
        weight_decay: float = 0.0,
        schedule: Literal["onecycle", "cosine", "constant"] = "onecycle",
        warmup_fraction: float = 0.2,
        finite_check_every: int = 50,
        compile: bool = False,
    ) -> None:
        super().__init__()
        self.save_hyperparameters(ignore=["net"])
        # kept here too: a subclass's own hyperparameters (EnsembleModule's) need not include it
        self.finite_check_every = finite_check_every
        self._first_nonfinite_step: Tensor | None = None  # () int64 on the device; -1 while all finite
        self.net = net
        # One metric per split: they accumulate separately and sync across ranks at epoch end.
        self.train_err, self.val_err, self.test_err = (ErrorRate() for _ in SPLITS)
        self.train_loss = RunningMean()

    def forward(self, x: Tensor) -> Tensor:
        return self.net(x)  # (B, *in_shape) -> (B, C)

    def setup(self, stage: str) -> None:
        # Checked here, not in __init__: the CLI builds the module while parsing, and jsonargparse would
        # bury this message under its own ("does not validate against any of the Union subtypes").
        if self.finite_check_every < 1:
            raise ValueError(f"model.finite_check_every must be at least 1, got {self.finite_check_every}")

    def configure_model(self) -> None:
        if self.hparams.get("compile", False):  # (checkpoints from before the option have no such key)
            compile_in_place(self.net, self.trainer.strategy.root_device, "model.compile")

    # --- steps -------------------------------------------------------------------------------------

    # Evaluation steps return their logits: callbacks that score whole sequences (PER) decode them.
    def validation_step(self, batch: dict[str, Tensor], batch_idx: int) -> Tensor:
        return self.evaluate(batch, "val")

    def test_step(self, batch: dict[str, Tensor], batch_idx: int) -> Tensor:
        return self.evaluate(batch, "test")

    def predict_step(self, batch: dict[str, Tensor], batch_idx: int) -> Tensor:
        return self.net(batch[keys.X])

    def evaluate(self, batch: dict[str, Tensor], split: str) -> Tensor:
        logits = self.net(batch[keys.X])  # (B, C)
        err = getattr(self, f"{split}_err")
        err(logits, batch[keys.Y])
        self.log(f"{split}/err", err, prog_bar=True)
        return logits

    def log_train(self, loss: Tensor, logits: Tensor, batch: dict[str, Tensor]) -> None:
        """The step's bookkeeping, none of which waits for the device: the epoch's figures are updated on
        it and logged at the epoch's end (``on_train_epoch_end``); the step's loss is logged only at the
        steps Lightning writes logs (``trainer.log_every_n_steps``): each ``self.log`` costs host time."""
        self.watch_finite(loss)
        self.train_err.update(logits.detach(), batch[keys.Y])
        self.train_loss.update(loss.detach(), len(batch[keys.Y]))  # weighted by the batch's samples
        if (self.global_step + 1) % self.trainer.log_every_n_steps == 0:
            self.log("train/loss_step", loss.detach(), prog_bar=True, on_step=True, on_epoch=False)

    def watch_finite(self, loss: Tensor) -> None:
        """Note (on the device, without waiting for it) the first step whose loss is NaN or infinite;
        check every ``finite_check_every`` steps."""
        if self._first_nonfinite_step is None or self._first_nonfinite_step.device != loss.device:
            self._first_nonfinite_step = torch.full((), -1, dtype=torch.long, device=loss.device)
        first = self._first_nonfinite_step
        self._first_nonfinite_step = torch.where(~torch.isfinite(loss.detach()) & (first < 0), self.global_step, first)
        if (self.global_step + 1) % self.finite_check_every == 0:
            self.check_finite()

    def check_finite(self) -> None:
        """Stop the run when the loss was NaN or infinite on any rank, instead of training on garbage.
        Every rank calls it at the same steps (it is a collective under DDP)."""
        first = -1 if self._first_nonfinite_step is None else int(self._first_nonfinite_step)  # waits for the device
        if self.trainer.strategy.reduce_boolean_decision(first >= 0, all=False):
            where = f"step {first}" if first >= 0 else "a step of another rank"
            raise FloatingPointError(
                f"{type(self).__name__}: training loss became NaN or infinite at {where} (epoch "
                f"{self.current_epoch}; lr {self.hparams.lr}). The learning rate is probably too high for this "
                "loss: lower model.lr, or set trainer.gradient_clip_val."
            )

    # --- optimisation ------------------------------------------------------------------------------

    def configure_optimizers(self) -> Any:
        hp = self.hparams
        params = list(self.net.parameters())
        groups: list[dict[str, Any]] = [{"params": params, "weight_decay": 0.0}]  # (AdamW's default is 0.01)
        if hp.weight_decay:  # matrices and kernels decay, biases and norms do not (one group otherwise: one kernel)
            groups = [
                {"params": [p for p in params if p.ndim > 1], "weight_decay": hp.weight_decay},
                {"params": [p for p in params if p.ndim <= 1], "weight_decay": 0.0},
            ]
        # One fused kernel per step where torch has one for the device (CUDA, CPU), not a loop over tensors:
        # the multi-tensor path launches several kernels per parameter group and step.
        fused = fused_supported(self.net.parameters())
        if hp.optimizer == "sgd":
            optimizer = torch.optim.SGD(groups, lr=hp.lr, momentum=hp.momentum, nesterov=hp.momentum > 0, fused=fused)
        elif hp.optimizer == "adamw":
            optimizer = torch.optim.AdamW(groups, lr=hp.lr, fused=fused)
        elif hp.optimizer == "adam":
            optimizer = torch.optim.Adam(groups, lr=hp.lr, fused=fused)
        else:
            raise ValueError(f"model.optimizer must be 'sgd', 'adamw' or 'adam', got {hp.optimizer!r}")
        if hp.schedule == "constant":
            return optimizer
        total_steps = int(self.trainer.estimated_stepping_batches)
        if total_steps < 4:  # smoke runs: too few steps to shape (OneCycleLR divides by the phase lengths)
            return optimizer
        if hp.schedule == "onecycle":
            scheduler = torch.optim.lr_scheduler.OneCycleLR(
                optimizer,
                max_lr=hp.lr,
                total_steps=total_steps,
                # each phase needs at least two steps, or OneCycleLR divides by zero
                pct_start=min(max(hp.warmup_fraction, 2 / total_steps), 1 - 2 / total_steps),
                cycle_momentum=hp.optimizer == "sgd",
                base_momentum=min(0.85, hp.momentum),
                max_momentum=hp.momentum,
            )
        elif hp.schedule == "cosine":
            scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=total_steps)
        else:
            raise ValueError(f"model.schedule must be 'onecycle', 'cosine' or 'constant', got {hp.schedule!r}")
        return {"optimizer": optimizer, "lr_scheduler": {"scheduler": scheduler, "interval": "step"}}

    # --- bookkeeping -------------------------------------------------------------------------------

    def net_summary(self) -> dict[str, Any]:
        """Architecture, parameter count and hidden units, computed from the net (never typed by hand)."""
        return {
            "net/class": type(self.net).__name__,
            "net/arch": self.net.describe(),
            "net/params": count_parameters(self.net),
            "net/hidden_units": count_hidden_units(self.net),
        }

    def on_fit_start(self) -> None:
        # After Lightning restored any checkpoint: a resumed run keeps the statistics it saved.
        self.fit_input_statistics()
        self._log_net_summary()

    def on_train_epoch_start(self) -> None:
        # A fresh epoch's running figures start at zero, even when restored from a checkpoint taken at the
        # previous epoch's end (Lightning resets them only after that save). A run resumed mid-epoch skips
        # this hook and keeps the restored figures of the batches it had done.
        self.train_err.reset()
        self.train_loss.reset()

    def on_validation_start(self) -> None:
        if self.trainer.state.fn == "fit":
            self.check_finite()  # never score (or keep as best) weights a non-finite loss has reached
        self._warn_if_unfitted()

    def on_train_epoch_end(self) -> None:
        self.check_finite()
        self.log("train/loss_epoch", self.train_loss)
        self.log("train/err", self.train_err)

    def on_test_start(self) -> None:
        self._warn_if_unfitted()
        self._log_net_summary()

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

    def _warn_if_unfitted(self) -> None:
        if self.net.inputs.needs_fitting:
            rank_zero_warn(
                "the net's input statistics were never fitted (no training, no checkpoint): scoring raw inputs; "
                "pass --ckpt_path to score a trained net"
            )

    def _log_net_summary(self) -> None:
        summary = self.net_summary()
        for logger in self.loggers:
            logger.log_hyperparams(summary)

    def on_save_checkpoint(self, checkpoint: dict[str, Any]) -> None:
        checkpoint[NET_SPEC_KEY] = self.net.spec()
        checkpoint[FORMAT_KEY] = FORMAT
        # The training epoch's running figures, each rank's own: a run resumed mid-epoch reports the whole
        # epoch's loss and error, not those of the batches after the resume.
        running = {name: dict(getattr(self, name).metric_state) for name in RUNNING_METRICS}
        checkpoint[RUNNING_KEY] = gather_from_ranks(_detached(running))

    def on_load_checkpoint(self, checkpoint: dict[str, Any]) -> None:
        check_format(checkpoint, "the checkpoint given as ckpt_path")
        if not self.hparams.weight_decay:  # configure_optimizers makes one group
            _merge_optimizer_groups_of(checkpoint, list(self.net.parameters()))
        if RUNNING_KEY in checkpoint:  # (not in checkpoints from before they were kept)
            for name, states in own_share(checkpoint[RUNNING_KEY]).items():
                metric = getattr(self, name)
                if set(states) != set(metric.metric_state):  # saved by an older version's metrics: not resumable
                    rank_zero_warn(f"checkpoint: the running {name} of this epoch has other fields; restarting it")
                    continue
                for key, value in states.items():
                    setattr(metric, key, value.to(self.device))
                metric._update_count, metric._computed = 1, None  # as after an update: compute() reads them


def _merge_optimizer_groups_of(checkpoint: dict[str, Any], params: list[Tensor]) -> None:
    """Optimiser states saved with two groups (weight-decayed matrices, then the rest), as every run made
    them before one group was used at weight decay 0, rewritten as that one group in ``params``' order,
    in place: such a run resumes (Lightning loads the optimiser state after this hook)."""
    decayed_first = [i for i, p in enumerate(params) if p.ndim > 1] + [i for i, p in enumerate(params) if p.ndim <= 1]
    for state in checkpoint.get("optimizer_states", []):
        groups = state["param_groups"]
        saved = [i for group in groups for i in group["params"]]
        if len(groups) != 2 or groups[1].get("weight_decay") != 0.0 or saved != list(range(len(params))):
            continue
        position = dict(zip(saved, decayed_first, strict=True))  # saved id -> position in params
        state["state"] = {position[i]: value for i, value in state["state"].items()}
        state["param_groups"] = [{**groups[0], "params": list(range(len(params)))}]
    for scheduler in checkpoint.get("lr_schedulers", []):
        for key in ("base_lrs", "_last_lr"):  # one entry per group
            if isinstance(scheduler.get(key), list) and len(scheduler[key]) == 2:
                scheduler[key] = scheduler[key][:1]


def fused_supported(parameters) -> bool | None:
    """``True`` where every parameter is a floating tensor on a device with fused optimiser kernels, else
    ``None`` (torch's default)."""
    from torch.utils._foreach_utils import _get_fused_kernels_supported_devices

    supported = set(_get_fused_kernels_supported_devices())
    params = list(parameters)
    return True if params and all(p.device.type in supported and p.is_floating_point() for p in params) else None


def _detached(running: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {name: {k: v.detach().cpu().clone() for k, v in states.items()} for name, states in running.items()}
