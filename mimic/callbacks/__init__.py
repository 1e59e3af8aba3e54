"""Callbacks that hook the training loop."""

from mimic.callbacks.teacher_logits import TeacherLogits

__all__ = ["TeacherLogits"]
