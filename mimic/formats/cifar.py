"""CIFAR-10 from the official python (``cifar-10-batches-py``) or binary (``cifar-10-batches-bin``) layout.

Pixels come as 3072 bytes per image: the 1024 red values, then green, then blue, each plane row-major
32 x 32, so ``reshape(N, 3, 32, 32)`` gives channels-first images. The python batches are pickles and are
read with :func:`load_dataset_pickle` (no code runs); the binary batches are 1 label byte + 3072 pixels.
"""

from pathlib import Path

import numpy as np

from mimic.formats.safe_pickle import load_dataset_pickle

IMAGE_BYTES = 3 * 32 * 32
TRAIN_BATCHES = [f"data_batch_{i}" for i in range(1, 6)]
CLASS_NAMES = ("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck")


def find_cifar10(root: str | Path) -> tuple[Path, str]:
    """The batches folder under ``root`` (or ``root`` itself) and its layout, ``"python"`` or ``"binary"``."""
    root = Path(root)
    for folder, layout in ((root / "cifar-10-batches-py", "python"), (root / "cifar-10-batches-bin", "binary")):
        if folder.is_dir():
            return folder, layout
    if (root / "data_batch_1").is_file():
        return root, "python"
    if (root / "data_batch_1.bin").is_file():
        return root, "binary"
    raise FileNotFoundError(
        f"no CIFAR-10 under {root}: expected cifar-10-batches-py/ (python pickles) or cifar-10-batches-bin/ "
        "(binary records), as unpacked from the official archives (or set download: true)"
    )


def _python_batch(path: Path) -> tuple[np.ndarray, np.ndarray]:
    if not path.is_file():
        raise FileNotFoundError(f"{path}: missing CIFAR-10 batch")
    batch = load_dataset_pickle(path)
    if not isinstance(batch, dict) or b"data" not in batch or b"labels" not in batch:
        keys = sorted(batch) if isinstance(batch, dict) else type(batch).__name__
        raise ValueError(f"{path}: expected a dict with b'data' and b'labels' (a CIFAR-10 batch), found {keys}")
    data, labels = batch[b"data"], np.asarray(batch[b"labels"])
    if not isinstance(data, np.ndarray) or data.dtype != np.uint8 or data.ndim != 2 or data.shape[1] != IMAGE_BYTES:
        raise ValueError(f"{path}: b'data' must be N x {IMAGE_BYTES} uint8, found {getattr(data, 'shape', data)}")
    if labels.shape != (len(data),) or labels.dtype.kind not in "iu" or labels.min() < 0 or labels.max() > 9:
        raise ValueError(f"{path}: b'labels' must be {len(data)} integers 0..9")
    return data, labels.astype(np.int64)


def _binary_batch(path: Path) -> tuple[np.ndarray, np.ndarray]:
    if not path.is_file():
        raise FileNotFoundError(f"{path}: missing CIFAR-10 batch")
    raw = np.fromfile(path, dtype=np.uint8)
    record = 1 + IMAGE_BYTES
    if raw.size == 0 or raw.size % record:
        raise ValueError(f"{path}: {raw.size} bytes is not a whole number of {record}-byte records (truncated?)")
    records = raw.reshape(-1, record)
    labels = records[:, 0].astype(np.int64)
    if labels.max() > 9:
        raise ValueError(f"{path}: label byte {labels.max()} outside 0..9 (not a CIFAR-10 binary batch?)")
    return records[:, 1:], labels


def read_cifar10(root: str | Path, split: str) -> tuple[np.ndarray, np.ndarray]:
    """``split`` "train" (the five training batches) or "test": (N, 3, 32, 32) uint8 and (N,) int64."""
    folder, layout = find_cifar10(root)
    names = TRAIN_BATCHES if split == "train" else ["test_batch"]
    read = _python_batch if layout == "python" else _binary_batch
    parts = [read(folder / (name if layout == "python" else f"{name}.bin")) for name in names]
    data = np.concatenate([d for d, _ in parts])
    return data.reshape(-1, 3, 32, 32), np.concatenate([labels for _, labels in parts])
