"""Losses for training a student on its teacher's outputs."""

import torch
import torch.nn.functional as F
from torch import Tensor

from mimic.batch import MIX_PARTNER_Y, MIX_WEIGHT, NO_LABEL, Y


def mimic_l2_loss(
    student_logits: Tensor, teacher_logits: Tensor, centre: bool = False, target_floor: float | None = None
) -> Tensor:
    """The paper's objective, ``1/(2T) sum_t ||beta f(U V x_t) - z_t||^2``, over a batch of T samples.

    Regressing logits rather than probabilities keeps the teacher's information about the classes it
    considers unlikely, which a softmax squashes towards zero. Two variants for many classes, where the
    raw L2 spends the student's capacity on what a softmax ignores:

    - ``centre``: each sample's logits minus their mean over the classes, on both sides. A softmax is
      blind to a per-sample offset; the raw L2 asks the student to match it too.
    - ``target_floor`` K: the teacher's logits raised to at least (its max - K) before the L2, so the
      many hopeless classes (probability below exp(-K) of the best one) weigh as one flat floor, not as
      C separate targets to regress exactly.

    Args:
        student_logits: (B, C).
        teacher_logits: (B, C).
    """
    if target_floor is not None:
        floor = teacher_logits.amax(dim=-1, keepdim=True) - target_floor  # (B, 1)
        teacher_logits = torch.maximum(teacher_logits, floor)
    difference = student_logits - teacher_logits  # (B, C)
    if centre:
        difference = difference - difference.mean(dim=-1, keepdim=True)
    return 0.5 * difference.pow(2).sum(dim=-1).mean()


def kd_loss(
    student_logits: Tensor,
    teacher_logits: Tensor,
    temperature: float,
    labels: Tensor | None = None,
    hard_label_weight: float = 0.0,
) -> Tensor:
    """Hinton, Vinyals & Dean (2015): cross-entropy to the teacher's softmax at temperature T, times T^2.

    The T^2 keeps the soft-target gradients on the same scale whatever T is. With ``hard_label_weight``
    w > 0 the result is ``(1 - w) * soft + w * CE(student, labels)``.

    Args:
        student_logits: (B, C).
        teacher_logits: (B, C).
        temperature: softmax temperature T.
        labels: (B,) class indices, needed when ``hard_label_weight > 0``; ``-1`` (unlabeled) is skipped.
        hard_label_weight: weight w of the hard-label term, in [0, 1].
    """
    student_log_p = F.log_softmax(student_logits / temperature, dim=-1)
    teacher_log_p = F.log_softmax(teacher_logits / temperature, dim=-1)
    # KL(teacher || student) differs from the soft cross-entropy only by the teacher's entropy, a constant.
    soft = F.kl_div(student_log_p, teacher_log_p, log_target=True, reduction="batchmean") * temperature**2
    if hard_label_weight == 0.0:
        return soft
    if labels is None:
        raise ValueError("kd_loss with hard_label_weight > 0 needs labels")
    labeled = labels != NO_LABEL  # transfer images have no label
    if not bool(labeled.any()):
        return (1.0 - hard_label_weight) * soft
    hard = F.cross_entropy(student_logits[labeled], labels[labeled])
    return (1.0 - hard_label_weight) * soft + hard_label_weight * hard


def label_loss(logits: Tensor, batch: dict[str, Tensor], label_smoothing: float = 0.0) -> Tensor:
    """Cross-entropy on the batch's labels; for images mixed by ``data.mix`` (``batch["mix_weight"]`` w),
    ``w * CE(y) + (1 - w) * CE(y_mix)``, the mixed label's cross-entropy.

    Args:
        logits: (B, C) float32.
        batch: with ``y`` (B,) and, where mixed, ``y_mix`` (B,) and ``mix_weight`` (B,).
    """
    if MIX_WEIGHT not in batch:
        return F.cross_entropy(logits, batch[Y], label_smoothing=label_smoothing)
    weight = batch[MIX_WEIGHT]  # (B,)
    first = F.cross_entropy(logits, batch[Y], reduction="none", label_smoothing=label_smoothing)  # (B,)
    second = F.cross_entropy(logits, batch[MIX_PARTNER_Y], reduction="none", label_smoothing=label_smoothing)
    return (weight * first + (1 - weight) * second).mean()


def unmixed_labels(batch: dict[str, Tensor]) -> Tensor:
    """(B,) ``batch["y"]`` with ``NO_LABEL`` where ``data.mix`` made the image a mix: a mixed image has no
    single label to score a training error or a hard-label loss on."""
    weight = batch.get(MIX_WEIGHT)
    labels = batch[Y]
    return labels if weight is None else torch.where(weight < 1, torch.full_like(labels, NO_LABEL), labels)
