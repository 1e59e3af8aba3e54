"""Unlabeled transfer images that a student's image DataModule takes by ``class_path``
(``mimic.data.images.TinyImages`` ...), made-up ones (MUNGE, mixup), fixed augmented views of the
training images (``ShiftedViews``), and the stream that mixes them into training batches. Their file
formats are read by ``mimic.formats``."""

from mimic.data.images.joined import Joined
from mimic.data.images.made_up import Mixup, Munge
from mimic.data.images.sources import ImageFolder, NumpyImages, PickledImages, TinyImages, TransferSource, Unlabeled
from mimic.data.images.views import ShiftedViews

__all__ = [
    "ImageFolder",
    "Joined",
    "Mixup",
    "Munge",
    "NumpyImages",
    "PickledImages",
    "ShiftedViews",
    "TinyImages",
    "TransferSource",
    "Unlabeled",
]
