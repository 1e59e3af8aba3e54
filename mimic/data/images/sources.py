"""Unlabeled transfer images for students, pluggable by ``class_path`` (``data.init_args.transfer``).

Every source hands out uint8 images (n, C, H, W) by index, without loading a large set whole where its
format allows: ``tiny_images.bin`` and ``.npy`` files (and uncompressed ``.npz`` members) are memory-mapped.
The teacher labels them on the fly; their own labels, where a file has any, are never read.
"""

from abc import ABC, abstractmethod
from glob import glob
from importlib import import_module
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import Tensor

from mimic.formats.npz import open_npy_member
from mimic.formats.safe_pickle import load_dataset_pickle
from mimic.formats.tiny_images import TinyImagesFile, read_excluded


class TransferSource(ABC):
    """Images by index: ``len(source)`` of them, ``source.images(indices)`` -> (n, C, H, W) uint8.

    ``generator``: what a source that makes up its images draws from (``MixedBatches`` gives one keyed by
    the batch, so that any process makes the same batch); sources read from files ignore it.
    """

    # Whether an index always gives the same image: what lets TeacherLogits cache its logits.
    deterministic = True

    @classmethod
    def input_files(cls, settings: dict[str, Any]) -> list[Path]:
        """The files a source built with ``settings`` (its constructor's arguments) reads, from the
        settings alone: what a stage's record hashes. Sources that make up their images read none."""
        return []

    @staticmethod
    def input_files_of(class_path: str, settings: dict[str, Any]) -> list[Path]:
        """``input_files`` of the source class ``class_path`` (as a config names it)."""
        module, _, name = class_path.rpartition(".")
        source = getattr(import_module(module), name)
        if not (isinstance(source, type) and issubclass(source, TransferSource)):
            raise ValueError(f"data.transfer: {class_path} is not a TransferSource")
        return source.input_files(settings)

    def setup(self, train_images: Tensor, unlabeled_images: Tensor | None = None) -> None:
        """Called once with the labeled training images (N, C, H, W) uint8 and, under ``data.labeled_size``,
        the training images left unlabeled (M, C, H, W) uint8; made-up sources use the first,
        ``Unlabeled`` the second."""
        return None  # file sources need neither

    @abstractmethod
    def __len__(self) -> int: ...

    @abstractmethod
    def images(self, indices: np.ndarray, generator: torch.Generator | None = None) -> Tensor: ...

    def __repr__(self) -> str:
        # Stable across runs (no addresses): it is part of the teacher-logit cache's fingerprint.
        args = ", ".join(f"{k}={v!r}" for k, v in sorted(vars(self).items()) if not k.startswith("_"))
        return f"{type(self).__name__}({args})"


class Unlabeled(TransferSource):
    """The training images that ``data.labeled_size`` left without labels: the few-labels regime's transfer
    set, labeled by the teacher. Their true labels never reach the run (the DataModule drops them)."""

    def __init__(self) -> None:
        self._images: Tensor | None = None  # (M, C, H, W) uint8

    def setup(self, train_images: Tensor, unlabeled_images: Tensor | None = None) -> None:
        if unlabeled_images is None or len(unlabeled_images) == 0:
            raise ValueError(
                "data.transfer: mimic.data.images.Unlabeled takes the training images data.labeled_size leaves "
                "unlabeled; set data.labeled_size below the number of training images"
            )
        self._images = unlabeled_images

    def __len__(self) -> int:
        if self._images is None:
            raise RuntimeError("Unlabeled.setup(train_images, unlabeled_images) must run before it is used")
        return len(self._images)

    def images(self, indices: np.ndarray, generator: torch.Generator | None = None) -> Tensor:
        return self._images[torch.as_tensor(indices)]  # (n, C, H, W) uint8


class TinyImages(TransferSource):
    """80M Tiny Images' ``tiny_images.bin``, memory-mapped, CIFAR-10's own images left out.

    Args:
        path: ``tiny_images.bin``.
        num_images: how many images to use (the paper: 1M).
        selection: ``"random"`` (a seeded choice over the whole file) or ``"range"`` (consecutive from ``start``).
        start: first index of ``"range"`` (0-based).
        seed: seed of ``"random"``.
        exclude: the 1-based list of Tiny Images that are CIFAR-10 images; default ``80mn_cifar_idxs.txt``
            beside ``path``. Set ``exclude_cifar: false`` only for data that will never be scored on CIFAR.
        exclude_cifar: leave the listed images out.
    """

    def __init__(
        self,
        path: str,
        num_images: int = 1_000_000,
        selection: str = "random",
        start: int = 0,
        seed: int = 0,
        exclude: str | None = None,
        exclude_cifar: bool = True,
    ) -> None:
        self.path, self.num_images, self.selection, self.start, self.seed = path, num_images, selection, start, seed
        self.exclude, self.exclude_cifar = exclude, exclude_cifar
        self._file = TinyImagesFile(path)
        excluded = np.zeros(0, np.int64)
        if exclude_cifar:
            excluded = read_excluded(exclude or Path(path).with_name("80mn_cifar_idxs.txt"), len(self._file))
        available = len(self._file) - len(np.unique(excluded))
        if not 0 < num_images <= available:
            raise ValueError(f"{path}: num_images must be 1..{available} (images not in CIFAR-10), got {num_images}")
        self._indices = self._select(excluded)  # (num_images,) sorted file indices: disk reads in order

    @classmethod
    def input_files(cls, settings: dict[str, Any]) -> list[Path]:
        path = Path(settings["path"])
        if not settings.get("exclude_cifar", True):
            return [path]
        return [path, Path(settings.get("exclude") or path.with_name("80mn_cifar_idxs.txt"))]

    def _select(self, excluded: np.ndarray) -> np.ndarray:
        total, wanted = len(self._file), self.num_images
        if self.selection == "range":
            candidates = np.arange(self.start, min(total, self.start + wanted + len(excluded)))
        elif self.selection == "random":
            draw = min(total, wanted + len(excluded))  # enough that `wanted` survive the exclusion
            candidates = np.random.default_rng(self.seed).choice(total, size=draw, replace=False)
        else:
            raise ValueError(f"TinyImages selection must be 'random' or 'range', got {self.selection!r}")
        kept = candidates[~np.isin(candidates, excluded)][:wanted]
        if len(kept) < wanted:
            raise ValueError(f"{self.path}: only {len(kept)} images from index {self.start} on, wanted {wanted}")
        return np.sort(kept)

    def __len__(self) -> int:
        return self.num_images

    def images(self, indices: np.ndarray, generator: torch.Generator | None = None) -> Tensor:
        return torch.from_numpy(self._file.images(self._indices[indices]))


class NumpyImages(TransferSource):
    """Images stored as numpy arrays: ``.npy`` files or a key of ``.npz`` files (CIFAR-5m's ``X``).

    Arrays must be uint8, (N, H, W, C) (``channels_last``, e.g. CIFAR-5m) or (N, C, H, W). Several files
    (a glob or a list) are concatenated. ``.npy`` and uncompressed ``.npz`` members are memory-mapped;
    a compressed member has to be inflated into memory and is refused unless ``allow_compressed``.

    Args:
        paths: file path(s) or glob pattern(s), e.g. ``data/cifar5m/part*.npz``.
        key: the array's name inside ``.npz`` files.
        channels_last: the arrays are (N, H, W, C).
        num_images: use only the first N images of the concatenation.
        allow_compressed: read compressed ``.npz`` members into memory.
    """

    def __init__(
        self,
        paths: str | list[str],
        key: str = "X",
        channels_last: bool = True,
        num_images: int | None = None,
        allow_compressed: bool = False,
    ) -> None:
        self.paths, self.key, self.channels_last, self.num_images = paths, key, channels_last, num_images
        self.allow_compressed = allow_compressed
        self._map_files()

    @classmethod
    def input_files(cls, settings: dict[str, Any]) -> list[Path]:
        return _expand(settings["paths"])

    def _map_files(self) -> None:
        self._arrays = [self._open(f) for f in _expand(self.paths)]
        self._starts = np.cumsum([0] + [len(a) for a in self._arrays])
        total = int(self._starts[-1])
        self._length = total if self.num_images is None else min(self.num_images, total)

    # Memory maps pickle with their whole content; workers started by spawn get the files mapped afresh.
    def __getstate__(self) -> dict:
        return {k: v for k, v in vars(self).items() if k not in ("_arrays", "_starts")}

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self._map_files()

    def _open(self, file: Path) -> np.ndarray:
        if file.suffix == ".npz":
            array = open_npy_member(file, self.key, self.allow_compressed)
        else:
            array = np.load(file, mmap_mode="r", allow_pickle=False)
        expected = "(N, H, W, C)" if self.channels_last else "(N, C, H, W)"
        channels = array.shape[-1] if self.channels_last else (array.shape[1] if array.ndim > 1 else 0)
        if array.dtype != np.uint8 or array.ndim != 4 or channels not in (1, 3):
            raise ValueError(f"{file}: expected uint8 images {expected}, found {array.dtype} {array.shape}")
        return array

    def __len__(self) -> int:
        return self._length

    def images(self, indices: np.ndarray, generator: torch.Generator | None = None) -> Tensor:
        indices = np.asarray(indices)
        file_of = np.searchsorted(self._starts, indices, side="right") - 1
        out = None
        for f in np.unique(file_of):
            rows = indices[file_of == f] - self._starts[f]
            order = np.argsort(rows)  # memory-mapped reads in file order, then back to the asked order
            part = np.empty((len(rows), *self._arrays[f].shape[1:]), np.uint8)
            part[order] = self._arrays[f][rows[order]]
            if self.channels_last:
                part = part.transpose(0, 3, 1, 2)
            if out is None:
                out = np.empty((len(indices), *part.shape[1:]), np.uint8)
            out[file_of == f] = part
        return torch.from_numpy(np.ascontiguousarray(out))


class PickledImages(TransferSource):
    """Images in a dataset pickle, e.g. Carmon et al.'s ``ti_500K_pseudo_labeled.pickle`` (``data``,
    N x 32 x 32 x 3 uint8), read with the restricted unpickler (no code runs). A pickle cannot be
    memory-mapped: the array is held in memory (1.5 GB for ti_500K).

    Args:
        path: the pickle.
        key: the dict key of the images.
        channels_last: the array is (N, H, W, C).
    """

    @classmethod
    def input_files(cls, settings: dict[str, Any]) -> list[Path]:
        return [Path(settings["path"])]

    def __init__(self, path: str, key: str = "data", channels_last: bool = True) -> None:
        self.path, self.key, self.channels_last = path, key, channels_last
        content = load_dataset_pickle(path)
        if not isinstance(content, dict):
            raise ValueError(f"{path}: expected a dict of arrays, found {type(content).__name__}")
        array = content.get(key, content.get(key.encode()))
        if not isinstance(array, np.ndarray) or array.dtype != np.uint8 or array.ndim != 4:
            found = getattr(array, "shape", "nothing") if array is not None else f"no key {key!r} ({sorted(content)})"
            raise ValueError(f"{path}: expected {key!r} to be uint8 images N x H x W x C, found {found}")
        self._images = torch.from_numpy(array.transpose(0, 3, 1, 2) if channels_last else array)

    def __len__(self) -> int:
        return len(self._images)

    def images(self, indices: np.ndarray, generator: torch.Generator | None = None) -> Tensor:
        return self._images[torch.as_tensor(indices)].contiguous()


class ImageFolder(TransferSource):
    """Every PNG/JPEG below ``root`` (sorted by path), e.g. CINIC-10's ``train/<class>/*.png``;
    decoded per batch, never all at once. Class folders are ignored: the teacher labels the images.

    Args:
        root: the folder.
        size: expected height and width; other sizes are an error naming the file.
        extensions: file endings to take.
    """

    def __init__(self, root: str, size: int = 32, extensions: tuple[str, ...] = (".png", ".jpg", ".jpeg")) -> None:
        self.root, self.size, self.extensions = root, size, tuple(extensions)
        self._files = _images_below(root, self.extensions)
        if not self._files:
            raise FileNotFoundError(f"{root}: no images ending in {', '.join(self.extensions)} below this folder")

    @classmethod
    def input_files(cls, settings: dict[str, Any]) -> list[Path]:
        return _images_below(settings["root"], settings.get("extensions", (".png", ".jpg", ".jpeg")))

    def __len__(self) -> int:
        return len(self._files)

    def images(self, indices: np.ndarray, generator: torch.Generator | None = None) -> Tensor:
        from PIL import Image, UnidentifiedImageError

        out = np.empty((len(indices), 3, self.size, self.size), np.uint8)
        for k, i in enumerate(np.asarray(indices)):
            path = self._files[i]
            try:
                with Image.open(path) as image:
                    pixels = np.asarray(image.convert("RGB"))  # (H, W, 3)
            except (OSError, UnidentifiedImageError) as err:
                raise ValueError(f"{path}: not a readable image ({err})") from err
            if pixels.shape[:2] != (self.size, self.size):
                found = f"{pixels.shape[1]}x{pixels.shape[0]}"
                raise ValueError(f"{path}: {found} pixels, expected {self.size}x{self.size}")
            out[k] = pixels.transpose(2, 0, 1)
        return torch.from_numpy(out)


def _images_below(root: str | Path, extensions: tuple[str, ...]) -> list[Path]:
    wanted = {e.lower() for e in extensions}
    return sorted(p for p in Path(root).rglob("*") if p.suffix.lower() in wanted and p.is_file())


def _expand(paths: str | list[str]) -> list[Path]:
    patterns = [paths] if isinstance(paths, str) else list(paths)
    files: list[Path] = []
    for pattern in patterns:
        matches = sorted(glob(pattern)) if any(c in pattern for c in "*?[") else [pattern]
        if not matches or not all(Path(m).is_file() for m in matches):
            raise FileNotFoundError(f"{pattern}: no such image array file(s)")
        files += [Path(m) for m in matches]
    if any(f.suffix not in (".npy", ".npz") for f in files):
        raise ValueError(f"NumpyImages reads .npy and .npz files, got {[str(f) for f in files]}")
    return files
