"""DataModules, one per corpus, and the readers of their on-disk formats.

The exports are imported on first use, so that light readers (``mimic.data.timit.sphere``) can be imported,
e.g. by the corpus synthesiser's worker processes, without loading Lightning.
"""

from importlib import import_module

_EXPORTS = {
    "CIFAR10DataModule": "mimic.data.cifar10",
    "FashionMNISTDataModule": "mimic.data.fashion_mnist",
    "TIMITDataModule": "mimic.data.timit.datamodule",
    "PhoneErrorRateScorer": "mimic.data.timit.scoring",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    if name not in _EXPORTS:
        raise AttributeError(f"module 'mimic.data' has no attribute {name!r}")
    return getattr(import_module(_EXPORTS[name]), name)
