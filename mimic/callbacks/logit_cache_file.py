"""A ``LogitCache`` on disk: one file per split and rank, reused only when it was made for the same
teachers, data, precision and sharding, and its contents still pass their checksum.

Anything else (another teacher, a damaged or edited file) is rebuilt, with one line saying why: a stale
cache would silently train a student on another teacher's logits.
"""

import hashlib
import sys
from pathlib import Path

import torch
from torch import Tensor

from mimic.atomic import atomic_file
from mimic.callbacks.logit_cache import LogitCache
from mimic.content_hash import content_hash
from mimic.nets.checkpoints import load_checkpoint


def identity(parts: list[str], teacher_files: list[Path], data_key: str) -> str:
    """What a cache file must have been made for: ``parts`` (combine rule, split, precision, sharding),
    the teachers' weights by content (their bytes, not names or dates: a swapped teacher shows) and the
    samples behind ``batch["index"]`` (``MimicDataModule.cache_key``)."""
    return hashlib.sha256("|".join([*parts, *(content_hash(p) for p in teacher_files), data_key]).encode()).hexdigest()


def save(cache: LogitCache, path: Path, made_for: str) -> None:
    """Write ``cache`` with its identity and checksum, atomically (a kill never leaves half a file)."""
    state = cache.state()
    state |= {"fingerprint": made_for, "checksum": _checksum(state)}
    with atomic_file(path) as f:
        torch.save(state, f)


def load_into(cache: LogitCache, path: Path, made_for: str, split: str) -> None:
    """Fill ``cache`` from ``path`` if it exists, was made for ``made_for`` and passes its checksum."""
    if not path.is_file():
        return
    try:
        state = load_checkpoint(path)
    except ValueError as err:
        return _rebuilding(split, f"it cannot be read ({err})")
    if state.get("fingerprint") != made_for:
        return _rebuilding(split, f"{path} was made for other teachers, data, precision or sharding")
    if state.get("checksum") != _checksum(state):
        return _rebuilding(split, f"{path} fails its checksum: it changed after it was written")
    cache.load_state(state)


def _checksum(state: dict[str, Tensor]) -> str:
    """Of the cached logits and their filled mask, as stored."""
    digest = hashlib.sha256()
    for key in ("values", "filled"):
        digest.update(state[key].contiguous().numpy().tobytes())
    return digest.hexdigest()


def _rebuilding(split: str, why: str) -> None:
    print(f"[mimic] TeacherLogits: rebuilding the {split} logit cache: {why}", file=sys.stderr, flush=True)
