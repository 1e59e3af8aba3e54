"""DataModules, one per corpus, and the readers of their on-disk formats."""

from mimic.data.fashion_mnist import FashionMNISTDataModule

__all__ = ["FashionMNISTDataModule"]
