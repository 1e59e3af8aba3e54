"""Files named by their content: what a stage read (its record), what a logit cache was made for, what a
model was exported from.

A file is hashed by its bytes, not its name or date: a corpus made again identically keeps its hash, a
swapped checkpoint shows. Files above ``SAMPLED_ABOVE`` bytes (80 Million Tiny Images is 227 GB) are hashed
by their size and ``SAMPLES`` blocks spread evenly over them, which takes seconds and still shows any
rewrite of the file but one that keeps its size and changes only bytes between the blocks.
"""

import hashlib
import os
from collections.abc import Iterable
from pathlib import Path

BLOCK = 1 << 20  # bytes read at a time
SAMPLED_ABOVE = 1 << 30
SAMPLES = 1024  # blocks of a sampled file
MISSING = "missing"  # the hash of a file that is not there

# (path, inode, size, modification and change times) -> hash: a file read by several stages of one run is
# hashed once. The change time moves on any write, even one whose modification time is then set back.
_hashed: dict[tuple[str, int, int, int, int], str] = {}


def content_hash(path: str | Path) -> str:
    """The file's SHA-256 (sampled above ``SAMPLED_ABOVE`` bytes), or ``MISSING``."""
    try:
        stat = os.stat(path)
    except FileNotFoundError:
        return MISSING
    key = (str(Path(path).resolve()), stat.st_ino, stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns)
    if key not in _hashed:
        _hashed[key] = _sampled_sha256(path, stat.st_size) if stat.st_size > SAMPLED_ABOVE else sha256_of(path)
    return _hashed[key]


def sha256_of(path: str | Path) -> str:
    """The SHA-256 of all the file's bytes (what ``sha256sum`` prints), however large."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(BLOCK), b""):
            digest.update(block)
    return digest.hexdigest()


def _sampled_sha256(path: str | Path, size: int) -> str:
    digest = hashlib.sha256(f"sampled {SAMPLES} blocks of {size} bytes".encode())
    with open(path, "rb") as f:
        for i in range(SAMPLES):
            f.seek(i * (size - BLOCK) // (SAMPLES - 1))  # the first block and the last included
            digest.update(f.read(BLOCK))
    return digest.hexdigest()


def files_hash(paths: Iterable[str | Path]) -> str:
    """One hash of several files, in the order given: their names below their common folder and contents
    (a file renamed, added or removed shows too)."""
    paths = [Path(p) for p in paths]
    if not paths:
        return hashlib.sha256(b"no files").hexdigest()
    common = Path(os.path.commonpath([str(p.resolve()) for p in paths]))
    digest = hashlib.sha256()
    for path in paths:
        resolved = path.resolve()
        name = resolved.relative_to(common) if resolved != common else Path(resolved.name)
        digest.update(f"{name}\0{content_hash(path)}\n".encode())
    return digest.hexdigest()
