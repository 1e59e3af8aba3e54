"""The paper's CIFAR-10 experiment: readers of the official formats, preprocessing, and the unlabeled
transfer sources a student's DataModule takes by ``class_path`` (``mimic.data.images.TinyImages`` ...)."""

from mimic.data.images.made_up import Mixup, Munge
from mimic.data.images.sources import ImageFolder, NumpyImages, PickledImages, TinyImages, TransferSource

__all__ = ["ImageFolder", "Mixup", "Munge", "NumpyImages", "PickledImages", "TinyImages", "TransferSource"]
