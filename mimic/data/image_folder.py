"""Your own images: torchvision's ImageFolder layout for the labelled splits, folders of unlabeled images
for the mimics. Everything the built-in image DataModules do (few labels, transfer, augmentation, mixing)
works here too."""

import hashlib
from pathlib import Path
from typing import Any

import torch
from torch import Tensor

from mimic.data.image_datamodule import ImageDataModule
from mimic.data.images.batch_mix import MixKind
from mimic.data.images.folder_layout import check_same_classes, class_folders, image_size, images_below, read_images
from mimic.data.images.sources import TransferSource
from mimic.data.on_device import DEFAULT_MEMORY_SHARE


class ImageFolderDataModule(ImageDataModule):
    """Labelled images in ``<split>/<class>/<image>`` folders (PNG or JPEG; classes in sorted folder order),
    decoded once into memory as uint8.

    Batches are dicts of raw pixels ``x`` (B, channels, H, W) uint8, ``y`` (B,), ``index`` (B,), as the
    built-in image DataModules give; the nets normalise them. Every image must have the size of the first
    training image (or ``size``): resize a corpus once, beforehand, rather than at every run. A folder or
    file that would quietly change the labels or the data is refused before training, naming it.

    Args:
        train: the training split's root (``<class>/<image>``).
        test: the test split's root, with the same class folders.
        val: a validation split's root, with the same class folders; ``None``: ``val_size`` training images
            are held out (seeded by ``seed``).
        unlabeled: folders of unlabeled images (every PNG or JPEG below each) or text files listing images
            (one path a line, relative to the list), for a mimic with
            ``transfer: mimic.data.images.Unlabeled`` (with the training images ``labeled_size`` leaves
            unlabeled, if any). Read only by a fit with a transfer source.
        channels: 1 (grey) or 3 (RGB): each image is decoded to this many channels.
        size: the images' ``[height, width]`` (or one side); ``None``: that of the first training image.
        batch_size, eval_batch_size, val_size, train_size, labeled_size, seed, augment, mix, mix_alpha,
        mix_share, transfer, transfer_fraction, num_workers, on_device, device_memory_share: as for
            ``FashionMNISTDataModule``.
    """

    def __init__(
        self,
        train: str,
        test: str,
        val: str | None = None,
        unlabeled: list[str] | None = None,
        channels: int = 3,
        size: int | list[int] | None = None,
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
        self.layout = read_layout(self.hparams)  # every split's files, checked: before anything trains
        self.class_names = tuple(self.layout["train"])
        self.num_classes = len(self.class_names)
        self.in_shape = (channels, *self.layout_size)
        self._init_common(transfer)

    @property
    def layout_size(self) -> tuple[int, int]:
        return self.layout["size"]

    @classmethod
    def shapes(cls, settings: dict[str, Any]) -> tuple[tuple[int, ...], int]:
        layout = read_layout(settings)
        return (settings.get("channels", 3), *layout["size"]), len(layout["train"])

    @classmethod
    def corpus_files(cls, settings: dict[str, Any]) -> list[Path]:
        layout = read_layout(settings)
        split_files = [f for split in ("train", "val", "test") for files in layout[split].values() for f in files]
        return [*split_files, *layout["unlabeled"]]

    def cache_key(self) -> str:
        """The settings and every image file's path, size and modification time: a logit cache file
        (``TeacherLogits(cache_dir=...)``) made before an image was added, removed or replaced is not reused."""
        digest = hashlib.sha256()
        for path in self.corpus_files(dict(self.hparams)):
            stat = path.stat()
            digest.update(f"{path}:{stat.st_size}:{stat.st_mtime_ns}\n".encode())
        return f"{super().cache_key()}:{digest.hexdigest()[:16]}"

    def find_data(self) -> None:
        pass  # read_layout, in the constructor, named whatever is missing

    def read(self, split: str) -> tuple[Tensor, Tensor]:
        return self._read_split(split)

    def read_validation(self) -> tuple[Tensor, Tensor] | None:
        return self._read_split("val") if self.hparams.val else None

    def read_unlabeled(self) -> Tensor | None:
        files = self.layout["unlabeled"]
        return read_images(files, self.hparams.channels, self.layout_size, "unlabeled images") if files else None

    def _read_split(self, split: str) -> tuple[Tensor, Tensor]:
        """(N, channels, H, W) uint8 images of a split, and (N,) int64 labels: each class folder's index."""
        files, labels = [], []
        for label, name in enumerate(self.class_names):
            files += self.layout[split][name]
            labels += [label] * len(self.layout[split][name])
        images = read_images(files, self.hparams.channels, self.layout_size, f"{split} images")
        return images, torch.tensor(labels, dtype=torch.int64)


def unlabeled_files(entry: str) -> list[Path]:
    """The images of one ``data.unlabeled`` entry: every image below a folder, or the files a text file
    lists (one path a line, relative to the list's folder; blank lines and ``#`` comments skipped)."""
    path = Path(entry)
    if path.is_dir():
        found = images_below(path)
        if not found:
            raise ValueError(f"data.unlabeled: {entry} has no images (.png, .jpg, .jpeg) below it")
        return found
    if not path.is_file():
        raise FileNotFoundError(f"data.unlabeled: {entry} is neither a folder nor a file list")
    listed = []
    for number, line in enumerate(path.read_text().splitlines(), 1):
        name = line.split("#", 1)[0].strip()
        if not name:
            continue
        image = path.parent / name
        if not image.is_file():
            raise FileNotFoundError(f"data.unlabeled: {entry} line {number}: {image} does not exist")
        listed.append(image)
    if not listed:
        raise ValueError(f"data.unlabeled: {entry} lists no images")
    return listed


def read_layout(settings: dict[str, Any]) -> dict[str, Any]:
    """The splits' class folders and files, the unlabeled files and the images' size, from the settings;
    raises naming the first thing that does not fit (a missing, empty or foreign class folder, loose images)."""
    channels = settings.get("channels", 3)
    if channels not in (1, 3):
        raise ValueError(f"data.channels must be 1 (grey) or 3 (RGB), got {channels}")
    layout: dict[str, Any] = {"train": class_folders(settings["train"], "train")}
    classes = list(layout["train"])
    for key in ("val", "test"):
        if settings.get(key) is None:
            layout[key] = {}
            continue
        layout[key] = class_folders(settings[key], key)
        check_same_classes(classes, layout[key], key, settings[key])
    layout["unlabeled"] = [path for entry in settings.get("unlabeled") or [] for path in unlabeled_files(entry)]
    size = settings.get("size")
    if size is None:
        layout["size"] = image_size(layout["train"][classes[0]][0], channels)
    else:
        layout["size"] = (size, size) if isinstance(size, int) else tuple(size)
    return layout
