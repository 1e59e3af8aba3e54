"""Image fixtures written byte for byte in the official formats (CIFAR-10 batches, tiny_images.bin)."""

import pickle
from pathlib import Path

import numpy as np

PER_BATCH = 6


def pixels(n: int, offset: int) -> np.ndarray:
    """(n, 3072) rows whose value encodes image, channel, row and column, so a transposed or
    channel-swapped read cannot pass."""
    image, channel, row, col = np.meshgrid(np.arange(n), np.arange(3), np.arange(32), np.arange(32), indexing="ij")
    return ((offset + image * 7 + channel * 100 + row * 3 + col) % 256).astype(np.uint8).reshape(n, 3072)


def labels_of(n: int, offset: int) -> list[int]:
    return [(offset + i) % 10 for i in range(n)]


def make_cifar(root: Path, layout: str, per_batch: int = PER_BATCH) -> Path:
    names = [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]
    folder = root / ("cifar-10-batches-py" if layout == "python" else "cifar-10-batches-bin")
    folder.mkdir(parents=True)
    for k, name in enumerate(names):
        data, labels = pixels(per_batch, 10 * k), labels_of(per_batch, k)
        if layout == "python":  # as the official files: a dict with bytes keys (a Python 2 pickle)
            names = [b"x.png"] * per_batch
            batch = {b"batch_label": name.encode(), b"labels": labels, b"data": data, b"filenames": names}
            (folder / name).write_bytes(pickle.dumps(batch, protocol=2))
        else:
            records = np.concatenate([np.array(labels, np.uint8)[:, None], data], axis=1)
            (folder / f"{name}.bin").write_bytes(records.tobytes())
    return root


def usual_image(i: int) -> np.ndarray:
    """(row, column, channel) uint8 whose values encode all three, so a transposed read cannot pass."""
    row, col, channel = np.meshgrid(np.arange(32), np.arange(32), np.arange(3), indexing="ij")
    return ((i * 11 + row * 5 + col + channel * 90) % 256).astype(np.uint8)


def write_tiny_images(path: Path, n: int) -> Path:
    # each record: the image as (column, row, channel), written in Fortran order, as the real file
    path.write_bytes(b"".join(usual_image(i).transpose(1, 0, 2).tobytes(order="F") for i in range(n)))
    return path
