"""80 Million Tiny Images, read in place: ``tiny_images.bin`` is memory-mapped, never loaded whole.

The file is 79,302,017 records of 3072 bytes, no header; record i starts at byte 3072 * i and holds a
32 x 32 x 3 array in column-major (Fortran) order, i.e. indexed (column, row, channel). The dataset was
withdrawn by its authors in 2020; ``80mn_cifar_idxs.txt`` lists the 1-based indices of the images that
are also in CIFAR-10, which a transfer set must leave out.
"""

from pathlib import Path

import numpy as np

RECORD_BYTES = 3072


class TinyImagesFile:
    """Random access to the records of ``tiny_images.bin``: ``images(indices)`` -> (n, 3, 32, 32) uint8."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        if not self.path.is_file():
            raise FileNotFoundError(f"{self.path}: no such file (80M Tiny Images' tiny_images.bin)")
        size = self.path.stat().st_size
        if size == 0 or size % RECORD_BYTES:
            raise ValueError(f"{self.path}: {size} bytes is not a whole number of {RECORD_BYTES}-byte images")
        self.records = np.memmap(self.path, dtype=np.uint8, mode="r", shape=(size // RECORD_BYTES, RECORD_BYTES))

    def __len__(self) -> int:
        return len(self.records)

    # A pickled np.memmap carries its whole content: loader workers started by spawn or forkserver would
    # receive gigabytes. Pickle the path and map the file again on the other side.
    def __getstate__(self) -> dict:
        return {"path": self.path}

    def __setstate__(self, state: dict) -> None:
        self.__init__(state["path"])

    def images(self, indices: np.ndarray) -> np.ndarray:
        """0-based ``indices`` (n,) -> (n, 3, 32, 32) uint8 channels-first, rows then columns."""
        indices = np.asarray(indices)
        order = np.argsort(indices, kind="stable")  # read in file order (fewer seeks), then restore the order
        raw = np.empty((len(indices), RECORD_BYTES), np.uint8)
        raw[order] = self.records[indices[order]]  # (n, 3072), read from disk now
        # Fortran order (column, row, channel) is C order (channel, row, column) read backwards:
        # reshaping to (n, 3, 32, 32) in C order gives (channel, row, column) directly.
        return raw.reshape(-1, 3, 32, 32)


def read_excluded(path: str | Path, num_images: int) -> np.ndarray:
    """0-based indices listed (1-based, one per line) in ``80mn_cifar_idxs.txt``, checked against the file."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such file (80mn_cifar_idxs.txt, the CIFAR images to leave out)")
    try:
        listed = np.loadtxt(path, dtype=np.int64, ndmin=1)
    except ValueError as err:
        raise ValueError(f"{path}: expected one integer index per line ({err})") from err
    bad = listed[(listed < 1) | (listed > num_images)]
    if bad.size:
        raise ValueError(
            f"{path}: index {int(bad[0])} points outside tiny_images.bin's {num_images} images "
            "(indices are 1-based; is the index file for another copy?)"
        )
    return listed - 1
