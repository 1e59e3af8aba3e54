"""Fashion-MNIST (Xiao et al. 2017): the image corpus every machine of ours has, from Debian's package."""

from pathlib import Path
from typing import Any

import torch
from torch import Tensor

from mimic.data.image_datamodule import ImageDataModule
from mimic.data.images.batch_mix import MixKind
from mimic.data.images.sources import TransferSource
from mimic.data.on_device import DEFAULT_MEMORY_SHARE
from mimic.formats.idx import IMAGES_MAGIC, LABELS_MAGIC, read_idx

DEFAULT_ROOTS = ("data/fashion-mnist", "/usr/share/datasets/fashion-mnist")
FILES = {
    "train": ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"),
    "test": ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"),
}
CLASSES = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot")


def _has_files(folder: Path) -> bool:
    return all((folder / name).is_file() for pair in FILES.values() for name in pair)


def find_root(root: str | None) -> Path:
    """The folder holding the four ``.gz`` files: ``root`` if given, else the first default that has them.

    torchvision's download layout (``<root>/FashionMNIST/raw``) is accepted too.
    """
    candidates = [Path(root)] if root else [Path(r) for r in DEFAULT_ROOTS]
    searched = []
    for folder in candidates:
        for place in (folder, folder / "FashionMNIST" / "raw"):
            searched.append(str(place))
            if _has_files(place):
                return place
    names = ", ".join(n for pair in FILES.values() for n in pair)
    raise FileNotFoundError(
        f"Fashion-MNIST not found: looked for {names} in {', '.join(searched)}. "
        "Install it with `apt-get install dataset-fashion-mnist` (Debian, into "
        "/usr/share/datasets/fashion-mnist), or set data.download: true to fetch it with torchvision "
        "(needs internet), or point data.root at a folder holding the files."
    )


class FashionMNISTDataModule(ImageDataModule):
    """28x28 grey images in 10 classes; 60k train (split into train/val, seeded) and the official 10k test.

    Batches are dicts of raw pixels: ``x`` (B, 1, 28, 28) uint8, ``y`` (B,) int64, ``index`` (B,) int64;
    the nets normalise them.

    Args:
        root: folder with the IDX ``.gz`` files; default: the first of ``data/fashion-mnist`` and
            ``/usr/share/datasets/fashion-mnist`` that has them.
        download: fetch the files with torchvision into ``root`` (or ``data/fashion-mnist``) first.
        batch_size: training batch size (per process under DDP).
        eval_batch_size: validation and test batch size.
        val_size: images held out of the 60k for validation.
        train_size: use only this many training images (after the split); ``None`` for all.
        labeled_size: the few-labels regime: keep the labels of only this many training images (stratified
            by class, drawn from ``seed``; the choice is written to the fit's ``labeled.json``). Teachers
            and twins train on those; a mimic gets the others, unlabeled, with ``transfer:
            mimic.data.images.Unlabeled``. ``None``: every training image is labeled.
        seed: seed of the train/val split, of the labeled subset and of the order of mixed transfer batches.
        augment: random shifts and flips on training images (teachers only: it makes inputs random).
        mix: ``"mixup"`` or ``"cutmix"`` a share of each training batch's images with other images of the
            batch, labeled or not (``mimic.data.images.batch_mix``): the teacher labels the very mix the
            student sees; a net on labels learns the mixed labels. ``"none"``: no mixing.
        mix_alpha: the Beta parameter of the mixing weight.
        mix_share: the share of each batch's images that are mixed.
        transfer: extra unlabeled images for a student, e.g. ``mimic.data.images.Munge`` (made-up images).
        transfer_fraction: share of each training batch taken from ``transfer``; ``None``: in proportion
            to the two set sizes.
        num_workers: DataLoader worker processes.
        on_device: keep the images (uint8) on the training device and make every batch there
            (``mimic.data.on_device``): ``None`` (default) does so on a GPU when they fit in
            ``device_memory_share`` of its memory; ``true`` also on a CPU (no loader workers); ``false``
            never. A training stream with ``transfer`` images keeps its loader.
        device_memory_share: the part of the GPU's memory the splits may take, together.
    """

    num_classes = len(CLASSES)
    class_names = CLASSES
    in_shape = (1, 28, 28)

    def __init__(
        self,
        root: str | None = None,
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
            from torchvision.datasets import FashionMNIST

            FashionMNIST(self.hparams.root or DEFAULT_ROOTS[0], train=True, download=True)
            FashionMNIST(self.hparams.root or DEFAULT_ROOTS[0], train=False, download=True)

    @classmethod
    def corpus_files(cls, settings: dict[str, Any]) -> list[Path]:
        root = settings.get("root") or (DEFAULT_ROOTS[0] if settings.get("download") else None)
        try:
            folder = find_root(root)
        except FileNotFoundError:
            folder = Path(root or DEFAULT_ROOTS[0])  # where download puts them
        return [folder / name for split in ("train", "test") for name in FILES[split]]

    def find_data(self) -> None:
        find_root(self.hparams.root)

    def read(self, split: str) -> tuple[Tensor, Tensor]:
        hp = self.hparams
        root = find_root(hp.root or (DEFAULT_ROOTS[0] if hp.download else None))
        image_file, label_file = (root / name for name in FILES[split])
        images = torch.from_numpy(read_idx(image_file, IMAGES_MAGIC).copy())  # (N, 28, 28) uint8
        labels = torch.from_numpy(read_idx(label_file, LABELS_MAGIC).astype("int64"))  # (N,)
        if len(images) != len(labels):
            raise ValueError(f"{image_file} holds {len(images)} images but {label_file} {len(labels)} labels")
        if labels.max() >= len(CLASSES):
            raise ValueError(f"{label_file}: label {int(labels.max())} outside 0..{len(CLASSES) - 1}")
        return images.unsqueeze(1), labels  # (N, 1, 28, 28)
