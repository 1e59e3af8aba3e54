"""Metrics shared by the tasks: error rate, a student's fidelity to its teacher, the running loss.

They update with a few tensor operations on the device and never branch on a tensor's value (no input
checks, no masks that need a count first): the training step updates them at every step, and a value
read on the host there would wait for the GPU at every step. torchmetrics' ``MulticlassAccuracy`` and
``MeanMetric(nan_strategy=...)`` do read values (their input checks, ``if nans.any()``).
"""

import torch
from torch import Tensor
from torchmetrics import Metric

from mimic.batch import NO_LABEL


class _Fraction(Metric):
    """``counted / total``, both summed over updates (and over ranks at ``compute``): the samples that
    meet the metric's condition, out of those it looked at."""

    full_state_update = False

    def __init__(self) -> None:
        super().__init__()
        self.add_state("counted", torch.zeros((), dtype=torch.long), dist_reduce_fx="sum")
        self.add_state("total", torch.zeros((), dtype=torch.long), dist_reduce_fx="sum")

    def compute(self) -> Tensor:
        return self.counted.double().div(self.total).float()  # NaN when nothing was looked at


class ErrorRate(_Fraction):
    """Share of labeled samples whose argmax is not the label (micro average), the figure the paper's
    tables report. Unlabeled transfer samples (``y = -1``) in a student's training batches are left out."""

    def update(self, logits: Tensor, target: Tensor) -> None:  # (B, C), (B,)
        labeled = target != NO_LABEL
        self.counted += ((logits.argmax(dim=-1) != target) & labeled).sum()
        self.total += labeled.sum()


class Agreement(_Fraction):
    """Share of samples on which the student's argmax equals the teacher's."""

    def update(self, student_logits: Tensor, teacher_logits: Tensor) -> None:  # (B, C), (B, C)
        self.counted += (student_logits.argmax(dim=-1) == teacher_logits.argmax(dim=-1)).sum()
        self.total += len(student_logits)


class RunningMean(Metric):
    """Mean of per-batch values weighted by batch size; non-finite values are left out (the task stops
    the run on them at its next finite check, ``mimic.tasks.finite_loss``)."""

    full_state_update = False

    def __init__(self) -> None:
        super().__init__()
        self.add_state("total", torch.zeros((), dtype=torch.float64), dist_reduce_fx="sum")
        self.add_state("weight", torch.zeros((), dtype=torch.float64), dist_reduce_fx="sum")

    def update(self, value: Tensor, weight: int) -> None:  # () per-batch mean, its samples
        finite = torch.isfinite(value)
        self.total += torch.where(finite, value.double() * weight, 0.0)
        self.weight += finite.double() * weight

    def compute(self) -> Tensor:
        return (self.total / self.weight).float()
