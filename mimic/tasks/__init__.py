"""Lightning tasks: they take a net by ``class_path`` and know no dataset."""

from mimic.tasks.ensemble import EnsembleModule
from mimic.tasks.student import StudentModule
from mimic.tasks.teacher import TeacherModule

__all__ = ["EnsembleModule", "StudentModule", "TeacherModule"]
