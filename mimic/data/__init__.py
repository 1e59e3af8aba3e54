"""DataModules, one per corpus, yielding dict batches of raw inputs (``mimic.batch``); the interface they
declare to the rest of mimic is ``mimic.data.base``. File formats live in ``mimic.formats``."""

from mimic.data.base import MimicDataModule, PhoneScoringData
from mimic.data.cifar10 import CIFAR10DataModule
from mimic.data.fashion_mnist import FashionMNISTDataModule
from mimic.data.image_folder import ImageFolderDataModule
from mimic.data.timit.datamodule import TIMITDataModule

__all__ = [
    "CIFAR10DataModule",
    "FashionMNISTDataModule",
    "ImageFolderDataModule",
    "MimicDataModule",
    "PhoneScoringData",
    "TIMITDataModule",
]
