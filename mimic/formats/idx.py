"""Reader for the gzipped IDX files of MNIST and Fashion-MNIST, with the checks a corrupt copy needs."""

import gzip
import struct
import zlib
from pathlib import Path

import numpy as np

IMAGES_MAGIC = 2051  # header: magic, count, rows, cols; uint8 pixels from byte 16
LABELS_MAGIC = 2049  # header: magic, count; uint8 labels from byte 8


def read_idx(path: str | Path, magic: int) -> np.ndarray:
    """Read one ``*-idx?-ubyte.gz`` file: (N, rows, cols) uint8 for images, (N,) uint8 for labels.

    Raises:
        ValueError: naming the file, when it is not gzip, has the wrong magic number, or is shorter or
            longer than its header says.
    """
    path = Path(path)
    try:
        with gzip.open(path, "rb") as f:
            raw = f.read()
    except (OSError, EOFError, zlib.error) as err:
        raise ValueError(f"{path}: not a complete gzip file ({err}); re-download or reinstall it") from err
    dims = {IMAGES_MAGIC: 3, LABELS_MAGIC: 1}[magic]
    header_size = 4 * (1 + dims)
    if len(raw) < header_size:
        raise ValueError(f"{path}: {len(raw)} bytes, shorter than the {header_size}-byte IDX header")
    found, *shape = struct.unpack(f">{1 + dims}i", raw[:header_size])
    if found != magic:
        kind = "images" if magic == IMAGES_MAGIC else "labels"
        raise ValueError(f"{path}: IDX magic number {found}, expected {magic} for {kind}")
    expected = int(np.prod(shape))
    payload = len(raw) - header_size
    if payload != expected:
        raise ValueError(
            f"{path}: header promises {' x '.join(map(str, shape))} = {expected} bytes of data, "
            f"file holds {payload} (truncated or corrupt)"
        )
    return np.frombuffer(raw, dtype=np.uint8, offset=header_size).reshape(shape)
