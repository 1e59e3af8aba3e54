"""Fashion-MNIST (Xiao et al. 2017): the image corpus every machine of ours has, from Debian's package."""

from pathlib import Path

import lightning.pytorch as pl
import torch
from torch import Tensor
from torch.utils.data import DataLoader

from mimic.data.augment import random_shift_flip
from mimic.data.idx import IMAGES_MAGIC, LABELS_MAGIC, read_idx
from mimic.data.tensor_dataset import TensorDictDataset, collate_batch

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


class FashionMNISTDataModule(pl.LightningDataModule):
    """28x28 grey images in 10 classes; 60k train (split into train/val, seeded) and the official 10k test.

    Batches are dicts: ``x`` (B, 1, 28, 28) float standardised with the training split's mean and std,
    ``y`` (B,) int64, ``index`` (B,) int64.

    Args:
        root: folder with the IDX ``.gz`` files; default: the first of ``data/fashion-mnist`` and
            ``/usr/share/datasets/fashion-mnist`` that has them.
        download: fetch the files with torchvision into ``root`` (or ``data/fashion-mnist``) first.
        batch_size: training batch size (per process under DDP).
        eval_batch_size: validation and test batch size.
        val_size: images held out of the 60k for validation.
        train_size: use only this many training images (after the split); ``None`` for all.
        seed: seed of the train/val split.
        augment: random shifts and flips on training images (teachers only: it makes inputs random).
        num_workers: DataLoader worker processes.
    """

    num_classes = len(CLASSES)
    in_shape = (1, 28, 28)

    def __init__(
        self,
        root: str | None = None,
        download: bool = False,
        batch_size: int = 128,
        eval_batch_size: int = 1000,
        val_size: int = 5000,
        train_size: int | None = None,
        seed: int = 0,
        augment: bool = False,
        num_workers: int = 0,
    ) -> None:
        super().__init__()
        self.save_hyperparameters()
        self.datasets: dict[str, TensorDictDataset] = {}
        self.mean = self.std = 0.0

    def prepare_data(self) -> None:
        if self.hparams.download:
            from torchvision.datasets import FashionMNIST

            FashionMNIST(self.hparams.root or DEFAULT_ROOTS[0], train=True, download=True)
            FashionMNIST(self.hparams.root or DEFAULT_ROOTS[0], train=False, download=True)

    def setup(self, stage: str | None = None) -> None:
        if self.datasets:
            return
        hp = self.hparams
        root = find_root(hp.root or (DEFAULT_ROOTS[0] if hp.download else None))
        images, labels = self._read(root, "train")
        if not 0 < hp.val_size < len(images):
            raise ValueError(f"data.val_size must be between 1 and {len(images) - 1}, got {hp.val_size}")
        order = torch.randperm(len(images), generator=torch.Generator().manual_seed(hp.seed))
        val_idx, train_idx = order[: hp.val_size], order[hp.val_size :]
        if hp.train_size is not None:
            train_idx = train_idx[: hp.train_size]
        train_pixels = images[train_idx].float().div_(255)
        self.mean, self.std = train_pixels.mean().item(), train_pixels.std().item()
        test_images, test_labels = self._read(root, "test")
        self.datasets = {
            "train": TensorDictDataset(images[train_idx], labels[train_idx], self._train_transform),
            "val": TensorDictDataset(images[val_idx], labels[val_idx], self._eval_transform),
            "test": TensorDictDataset(test_images, test_labels, self._eval_transform),
        }

    @staticmethod
    def _read(root: Path, split: str) -> tuple[Tensor, Tensor]:
        image_file, label_file = (root / name for name in FILES[split])
        images = torch.from_numpy(read_idx(image_file, IMAGES_MAGIC).copy())  # (N, 28, 28) uint8
        labels = torch.from_numpy(read_idx(label_file, LABELS_MAGIC).astype("int64"))  # (N,)
        if len(images) != len(labels):
            raise ValueError(f"{image_file} holds {len(images)} images but {label_file} {len(labels)} labels")
        if labels.max() >= len(CLASSES):
            raise ValueError(f"{label_file}: label {int(labels.max())} outside 0..{len(CLASSES) - 1}")
        return images.unsqueeze(1), labels  # (N, 1, 28, 28)

    def _eval_transform(self, pixels: Tensor) -> Tensor:
        return (pixels.float() / 255 - self.mean) / self.std  # (B, 1, 28, 28)

    def _train_transform(self, pixels: Tensor) -> Tensor:
        if not self.hparams.augment:
            return self._eval_transform(pixels)
        # Shift in pixel space so that the padding is background (0), then standardise.
        return (random_shift_flip(pixels.float() / 255) - self.mean) / self.std

    def deterministic_inputs(self, split: str) -> bool:
        """Whether a sample's input is the same every epoch (what ``TeacherLogits``' cache needs)."""
        return not (split == "train" and self.hparams.augment)

    def _loader(self, split: str, shuffle: bool) -> DataLoader:
        if not self.datasets:
            self.setup()
        hp = self.hparams
        return DataLoader(
            self.datasets[split],
            batch_size=hp.batch_size if split == "train" else hp.eval_batch_size,
            shuffle=shuffle,
            num_workers=hp.num_workers,
            persistent_workers=hp.num_workers > 0,
            collate_fn=collate_batch,
        )

    def train_dataloader(self) -> DataLoader:
        return self._loader("train", shuffle=True)

    def val_dataloader(self) -> DataLoader:
        return self._loader("val", shuffle=False)

    def test_dataloader(self) -> DataLoader:
        return self._loader("test", shuffle=False)

    def predict_dataloader(self) -> DataLoader:
        return self._loader("test", shuffle=False)
