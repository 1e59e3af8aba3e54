"""CIFAR-10 (Krizhevsky 2009), the paper's image benchmark, optionally with unlabeled transfer images."""

from pathlib import Path
from typing import Any

import torch
from torch import Tensor

from mimic.data.image_datamodule import ImageDataModule
from mimic.data.images.batch_mix import MixKind
from mimic.data.images.sources import TransferSource
from mimic.data.on_device import DEFAULT_MEMORY_SHARE
from mimic.formats.cifar import CLASS_NAMES, TRAIN_BATCHES, find_cifar10, read_cifar10


class CIFAR10DataModule(ImageDataModule):
    """32x32 colour images in 10 classes: 50k train (split into train/val, seeded) and the official 10k test.

    Batches are dicts of raw pixels: ``x`` (B, 3, 32, 32) uint8, ``y`` (B,) int64 (-1 for transfer images),
    ``index`` (B,) int64. The nets normalise them (the paper's teachers: ``input_norm: gcn_zca``).

    Args:
        root: folder holding ``cifar-10-batches-py/`` (the python pickles) or ``cifar-10-batches-bin/``.
        download: fetch the python layout with torchvision into ``root`` first (needs internet).
        batch_size: training batch size (per process under DDP).
        eval_batch_size: validation and test batch size.
        val_size: images held out of the 50k for validation.
        train_size: use only this many training images (after the split); ``None`` for all.
        labeled_size: the few-labels regime: keep the labels of only this many training images (stratified
            by class, drawn from ``seed``; the choice is written to the fit's ``labeled.json``). Teachers
            and twins train on those; a mimic gets the others, unlabeled, with ``transfer:
            mimic.data.images.Unlabeled``. ``None``: every training image is labeled.
        seed: seed of the train/val split, of the labeled subset and of the order of mixed transfer batches.
        augment: random shifts of up to 4 pixels and mirror flips of training images (teachers only).
        mix: ``"mixup"`` or ``"cutmix"`` a share of each training batch's images with other images of the
            batch, labeled or not (``mimic.data.images.batch_mix``): the teacher labels the very mix the
            student sees; a net on labels learns the mixed labels. ``"none"``: no mixing.
        mix_alpha: the Beta parameter of the mixing weight.
        mix_share: the share of each batch's images that are mixed.
        transfer: unlabeled images for a student, by ``class_path``: ``mimic.data.images.TinyImages``,
            ``NumpyImages`` (CIFAR-5m), ``PickledImages`` (ti_500K), ``ImageFolder`` (CINIC-10), or made-up
            ``Munge`` / ``Mixup``. The teacher labels them on the fly.
        transfer_fraction: share of each training batch taken from ``transfer``; ``None``: in proportion to
            the two set sizes (50k + 1M: 95%; an epoch shows every image of both sets at least once).
        num_workers: DataLoader worker processes.
        on_device: keep the images (uint8) on the training device and make every batch there
            (``mimic.data.on_device``): ``None`` (default) does so on a GPU when they fit in
            ``device_memory_share`` of its memory; ``true`` also on a CPU (no loader workers); ``false``
            never. A training stream with ``transfer`` images keeps its loader.
        device_memory_share: the part of the GPU's memory the splits may take, together.
    """

    num_classes = len(CLASS_NAMES)
    class_names = CLASS_NAMES
    in_shape = (3, 32, 32)
    augment_pad = 4

    def __init__(
        self,
        root: str = "data/cifar10",
        download: bool = False,
        batch_size: int = 128,
        eval_batch_size: int = 1000,
        val_size: int = 5000,
        train_size: int | None = None,
        labeled_size: int | None = None,
        seed: int = 0,
        augment: bool = False,
        mix: MixKind = "none",
        mix_alpha: float = 1.0,
        mix_share: float = 0.5,
        transfer: TransferSource | None = None,
        transfer_fraction: float | None = None,
        num_workers: int = 0,
        on_device: bool | None = None,
        device_memory_share: float = DEFAULT_MEMORY_SHARE,
    ) -> None:
        super().__init__()
        self.save_hyperparameters(ignore=["transfer"])
        self._init_common(transfer)

    def prepare_data(self) -> None:
        if self.hparams.download:
            from torchvision.datasets import CIFAR10

            CIFAR10(self.hparams.root, train=True, download=True)  # unpacks cifar-10-batches-py/ there

    @classmethod
    def corpus_files(cls, settings: dict[str, Any]) -> list[Path]:
        try:
            folder, layout = find_cifar10(settings["root"])
        except FileNotFoundError:
            folder, layout = Path(settings["root"]) / "cifar-10-batches-py", "python"  # where download puts them
        suffix = ".bin" if layout == "binary" else ""
        return [folder / f"{name}{suffix}" for name in (*TRAIN_BATCHES, "test_batch")]

    def find_data(self) -> None:
        find_cifar10(self.hparams.root)

    def read(self, split: str) -> tuple[Tensor, Tensor]:
        images, labels = read_cifar10(self.hparams.root, split)  # (N, 3, 32, 32) uint8, (N,) int64
        return torch.from_numpy(images.copy()), torch.from_numpy(labels)
