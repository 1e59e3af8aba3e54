"""Training a (shallow) student on its teacher's logits, which its ``TeacherLogits`` writes into each batch."""

from typing import Any, Literal

import lightning.pytorch as pl
from lightning.pytorch.utilities import rank_zero_warn
from torch import Tensor
from torchmetrics import MeanSquaredError

from mimic import batch as keys
from mimic.callbacks.teacher_logits import TeacherLogits
from mimic.metrics.classification import Agreement
from mimic.nets.base import Net
from mimic.tasks.losses import kd_loss, mimic_l2_loss, unmixed_labels
from mimic.tasks.trained import TrainedClassifier


class StudentModule(TrainedClassifier):
    """Regresses the teacher's logits (``loss="mimic"``) or matches its soft targets (``loss="kd"``).

    Labels are never used for training unless ``hard_label_weight > 0`` with ``kd``; they are used to
    score the student. Validation and test also report fidelity to the teacher: argmax agreement and the
    mean squared difference per logit.

    Args:
        net: the student, usually a ``ShallowNet`` with a bottleneck or a ``ConvShallowNet``.
        teacher: the frozen teacher(s) whose logits the student learns (``mimic.callbacks.TeacherLogits``).
            The student hands it to the trainer as a callback (``configure_callbacks``): it labels each
            batch, and never enters the student's checkpoint, optimiser or DDP wrapper. ``None``: the
            batches carry their teacher's logits already (``batch["teacher_logits"]``, precomputed).
        loss: ``"mimic"``, the paper's L2 on logits, or ``"kd"``, Hinton et al.'s soft targets.
        centre_logits: ``mimic`` only: the L2 on each sample's logits minus their mean over the classes
            (the offset a softmax ignores is not regressed); see ``mimic_l2_loss``.
        target_floor: ``mimic`` only: K > 0 raises the teacher's logits to at least (max - K) before the
            L2, so the classes the teacher rules out weigh as one floor.
        temperature: softmax temperature of ``kd``.
        hard_label_weight: weight of the hard-label cross-entropy mixed into ``kd``.
        lr: peak learning rate. The L2 logit loss has far larger gradients than cross-entropy (it sums
            over classes and logits are unbounded), so the default is lower than the teacher's.
        **kwargs: optimiser and schedule, see ``TrainedClassifier``.
    """

    def __init__(
        self,
        net: Net,
        teacher: TeacherLogits | None = None,
        loss: Literal["mimic", "kd"] = "mimic",
        centre_logits: bool = False,
        target_floor: float | None = None,
        temperature: float = 4.0,
        hard_label_weight: float = 0.0,
        lr: float = 0.005,
        **kwargs: Any,
    ) -> None:
        super().__init__(net, lr=lr, **kwargs)
        if loss not in ("mimic", "kd"):
            raise ValueError(f"model.loss must be 'mimic' or 'kd', got {loss!r}")
        if not temperature > 0:
            raise ValueError(f"model.temperature must be positive, got {temperature}")
        if not 0.0 <= hard_label_weight <= 1.0:
            raise ValueError(f"model.hard_label_weight must lie in [0, 1], got {hard_label_weight}")
        if loss == "mimic" and hard_label_weight:
            raise ValueError("model.hard_label_weight applies to loss='kd' only")
        if loss != "mimic" and (centre_logits or target_floor is not None):
            raise ValueError("model.centre_logits and model.target_floor apply to loss='mimic' only")
        if target_floor is not None and not target_floor > 0:
            raise ValueError(f"model.target_floor must be positive (logits below max - K), got {target_floor}")
        if teacher is not None:
            teacher.check_student_net(net)
        self.teacher = teacher  # a callback, not a module: no parameters, no state_dict entries here
        self.loss_name, self.temperature, self.hard_label_weight = loss, temperature, hard_label_weight
        self.centre_logits, self.target_floor = centre_logits, target_floor
        self.val_agreement, self.test_agreement = Agreement(), Agreement()
        self.val_logit_mse, self.test_logit_mse = MeanSquaredError(), MeanSquaredError()

    def setup(self, stage: str) -> None:
        super().setup(stage)
        if self.teacher is None and any(isinstance(c, TeacherLogits) for c in self.trainer.callbacks):
            rank_zero_warn(
                "StudentModule: its TeacherLogits is in trainer.callbacks, as configs were written before it "
                "became the student's own argument; move it to model.init_args.teacher"
            )

    def configure_callbacks(self) -> list[pl.Callback]:
        return super().configure_callbacks() + ([] if self.teacher is None else [self.teacher])

    def teacher_logits(self, batch: dict[str, Tensor]) -> Tensor:
        if keys.TEACHER_LOGITS not in batch:  # no teacher, and batches without precomputed logits
            raise KeyError(
                f"StudentModule needs batch['{keys.TEACHER_LOGITS}']: give it a teacher (model.init_args.teacher: "
                "class_path mimic.callbacks.TeacherLogits, with the teacher checkpoint(s))"
            )
        return batch[keys.TEACHER_LOGITS]  # (B, C) float32

    def loss(self, student_logits: Tensor, batch: dict[str, Tensor]) -> Tensor:
        teacher_logits = self.teacher_logits(batch)
        student_logits = student_logits.float()
        if self.loss_name == "mimic":
            return mimic_l2_loss(student_logits, teacher_logits, self.centre_logits, self.target_floor)
        labels = unmixed_labels(batch)  # a mixed image has no hard label
        return kd_loss(student_logits, teacher_logits, self.temperature, labels, self.hard_label_weight)

    def step_loss(self, batch: dict[str, Tensor]) -> tuple[Tensor, Tensor]:
        logits = self.net(batch[keys.X])  # (B, C)
        return self.loss(logits, batch), logits

    def evaluate(self, batch: dict[str, Tensor], split: str) -> Tensor:
        logits = super().evaluate(batch, split)
        teacher_logits = self.teacher_logits(batch)
        agreement, logit_mse = getattr(self, f"{split}_agreement"), getattr(self, f"{split}_logit_mse")
        agreement(logits, teacher_logits)
        logit_mse(logits.float(), teacher_logits)
        self.log(f"{split}/agreement", agreement)
        self.log(f"{split}/logit_mse", logit_mse)
        self.log(f"{split}/loss", self.loss(logits, batch), sync_dist=True, batch_size=len(logits))
        return logits
