"""Training a (shallow) student on a teacher's logits, written into each batch by ``TeacherLogits``."""

from typing import Any, Literal

from torch import Tensor
from torchmetrics import MeanSquaredError

from mimic import batch as keys
from mimic.metrics.classification import Agreement
from mimic.nets.base import Net
from mimic.tasks.base import ClassifierTask
from mimic.tasks.losses import kd_loss, mimic_l2_loss


class StudentModule(ClassifierTask):
    """Regresses the teacher's logits (``loss="mimic"``) or matches its soft targets (``loss="kd"``).

    Labels are never used for training unless ``hard_label_weight > 0`` with ``kd``; they are used to
    score the student. Validation and test also report fidelity to the teacher: argmax agreement and the
    mean squared difference per logit.

    Args:
        net: the student, usually a ``ShallowNet`` with a bottleneck or a ``ConvShallowNet``.
        loss: ``"mimic"``, the paper's L2 on logits, or ``"kd"``, Hinton et al.'s soft targets.
        temperature: softmax temperature of ``kd``.
        hard_label_weight: weight of the hard-label cross-entropy mixed into ``kd``.
        lr: peak learning rate. The L2 logit loss has far larger gradients than cross-entropy (it sums
            over classes and logits are unbounded), so the default is lower than the teacher's.
        **kwargs: optimiser and schedule, see ``ClassifierTask``.
    """

    def __init__(
        self,
        net: Net,
        loss: Literal["mimic", "kd"] = "mimic",
        temperature: float = 4.0,
        hard_label_weight: float = 0.0,
        lr: float = 0.005,
        **kwargs: Any,
    ) -> None:
        super().__init__(net, lr=lr, **kwargs)
        if loss not in ("mimic", "kd"):
            raise ValueError(f"model.loss must be 'mimic' or 'kd', got {loss!r}")
        if not 0.0 <= hard_label_weight <= 1.0:
            raise ValueError(f"model.hard_label_weight must lie in [0, 1], got {hard_label_weight}")
        if loss == "mimic" and hard_label_weight:
            raise ValueError("model.hard_label_weight applies to loss='kd' only")
        self.loss_name, self.temperature, self.hard_label_weight = loss, temperature, hard_label_weight
        self.val_agreement, self.test_agreement = Agreement(), Agreement()
        self.val_logit_mse, self.test_logit_mse = MeanSquaredError(), MeanSquaredError()

    def teacher_logits(self, batch: dict[str, Tensor]) -> Tensor:
        if keys.TEACHER_LOGITS not in batch:
            raise KeyError(
                f"StudentModule needs batch['{keys.TEACHER_LOGITS}']: add the mimic.callbacks.TeacherLogits "
                "callback to trainer.callbacks with the teacher checkpoint(s)"
            )
        return batch[keys.TEACHER_LOGITS]

    def loss(self, student_logits: Tensor, batch: dict[str, Tensor]) -> Tensor:
        teacher_logits = self.teacher_logits(batch)  # (B, C) float32
        student_logits = student_logits.float()
        if self.loss_name == "mimic":
            return mimic_l2_loss(student_logits, teacher_logits)
        return kd_loss(student_logits, teacher_logits, self.temperature, batch[keys.Y], self.hard_label_weight)

    def training_step(self, batch: dict[str, Tensor], batch_idx: int) -> Tensor:
        logits = self.net(batch[keys.X])  # (B, C)
        loss = self.loss(logits, batch)
        self.log_train(loss, logits, batch)
        return loss

    def evaluate(self, batch: dict[str, Tensor], split: str) -> Tensor:
        logits = super().evaluate(batch, split)
        if keys.TEACHER_LOGITS in batch:  # absent when a student is scored without its teacher
            teacher_logits = batch[keys.TEACHER_LOGITS]
            agreement, logit_mse = getattr(self, f"{split}_agreement"), getattr(self, f"{split}_logit_mse")
            agreement(logits, teacher_logits)
            logit_mse(logits.float(), teacher_logits)
            self.log(f"{split}/agreement", agreement)
            self.log(f"{split}/logit_mse", logit_mse)
            self.log(f"{split}/loss", self.loss(logits, batch), sync_dist=True, batch_size=len(logits))
        return logits
