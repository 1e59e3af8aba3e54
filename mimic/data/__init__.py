"""DataModules, one per corpus, and the readers of their on-disk formats."""

from mimic.data.fashion_mnist import FashionMNISTDataModule
from mimic.data.timit.datamodule import TIMITDataModule
from mimic.data.timit.scoring import PhoneErrorRateScorer

__all__ = ["FashionMNISTDataModule", "PhoneErrorRateScorer", "TIMITDataModule"]
