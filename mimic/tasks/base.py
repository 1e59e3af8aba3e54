"""``ClassifierTask``: what every task shares, trained or only scored: the net, its error on labels, the
evaluation steps, and the net's record in checkpoints and loggers."""

from typing import Any

import lightning.pytorch as pl
from lightning.pytorch.utilities import rank_zero_warn
from torch import Tensor

from mimic import batch as keys
from mimic.metrics.classification import ErrorRate
from mimic.nets.base import Net, count_hidden_units, count_parameters
from mimic.nets.checkpoints import FORMAT, FORMAT_KEY, NET_SPEC_KEY, check_format
from mimic.nets.ensemble import Ensemble


class ClassifierTask(pl.LightningModule):
    """A net scored by error rate on labels (``validate``, ``test``, ``predict``); it is not trained here
    (``TrainedClassifier`` adds training).

    Args:
        net: the model, a ``mimic.nets`` net given by ``class_path``.
    """

    def __init__(self, net: Net) -> None:
        super().__init__()
        self.net = net
        # One metric per split: they accumulate separately and sync across ranks at epoch end.
        self.val_err, self.test_err = ErrorRate(), ErrorRate()

    def forward(self, x: Tensor) -> Tensor:
        return self.net(x)  # (B, *in_shape) -> (B, C)

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

    def net_summary(self) -> dict[str, Any]:
        """Architecture, parameter count and hidden units, computed from the net (never typed by hand)."""
        return {
            "net/class": type(self.net).__name__,
            "net/arch": self.net.describe(),
            "net/params": count_parameters(self.net),
            "net/hidden_units": count_hidden_units(self.net),
        }

    def on_validation_start(self) -> None:
        self.warn_if_unfitted()

    def on_test_start(self) -> None:
        self.warn_if_unfitted()
        self.log_net_summary()

    def warn_if_unfitted(self) -> None:
        members = self.net.members if isinstance(self.net, Ensemble) else [self.net]  # each fitted in its run
        if any(member.inputs.needs_fitting for member in members):
            rank_zero_warn(
                "the net's input statistics were never fitted (no training, no checkpoint): scoring raw inputs; "
                "pass --ckpt_path to score a trained net"
            )

    def log_net_summary(self) -> None:
        summary = self.net_summary()
        for logger in self.loggers:
            logger.log_hyperparams(summary)

    def on_save_checkpoint(self, checkpoint: dict[str, Any]) -> None:
        checkpoint[NET_SPEC_KEY] = self.net.spec()  # rebuilds the net from the file alone
        checkpoint[FORMAT_KEY] = FORMAT

    def on_load_checkpoint(self, checkpoint: dict[str, Any]) -> None:
        check_format(checkpoint, "the checkpoint given as ckpt_path")
