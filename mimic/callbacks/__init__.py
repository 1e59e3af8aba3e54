"""Callbacks that hook the training loop: the teacher's logits into student batches, and PER scoring."""

from mimic.callbacks.phone_error_rate import PhoneErrorRateScorer
from mimic.callbacks.teacher_logits import TeacherLogits

__all__ = ["PhoneErrorRateScorer", "TeacherLogits"]
