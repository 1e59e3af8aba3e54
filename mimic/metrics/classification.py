"""Metrics shared by the tasks: error rate and a student's fidelity to its teacher."""

from torch import Tensor
from torchmetrics.classification import MulticlassAccuracy

from mimic.batch import NO_LABEL


class ErrorRate(MulticlassAccuracy):
    """1 - accuracy over all samples (micro average), the figure the paper's tables report. Unlabeled
    transfer samples (``y = -1``) in a student's training batches are left out."""

    def __init__(self, num_classes: int) -> None:
        super().__init__(num_classes=num_classes, average="micro", ignore_index=NO_LABEL)

    def compute(self) -> Tensor:
        return 1.0 - super().compute()


class Agreement(MulticlassAccuracy):
    """Fraction of samples on which the student's argmax equals the teacher's."""

    def __init__(self, num_classes: int) -> None:
        super().__init__(num_classes=num_classes, average="micro")

    def update(self, student_logits: Tensor, teacher_logits: Tensor) -> None:  # (B, C), (B, C)
        super().update(student_logits, teacher_logits.argmax(dim=-1))
