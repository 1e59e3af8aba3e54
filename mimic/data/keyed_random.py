"""Random draws that are a function of (seed, epoch, item) alone.

A loader worker process, a run resumed in the middle of an epoch and an uninterrupted run then draw the
same augmentation for the same sample in the same epoch: nothing depends on which process drew before,
or how often. (Draws from torch's global generator do: each worker seeds its own, a resumed run starts
its workers afresh, and a skipped batch would have advanced the stream.)

Counter-based: each key is hashed with SplitMix64's finaliser (Steele, Lea & Flood 2014), in numpy's
uint64 arithmetic, whose overflow wraps by definition.
"""

import numpy as np
import torch
from torch import Tensor

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)


def _mix(x: np.ndarray) -> np.ndarray:
    """SplitMix64's output function: uint64 -> uint64, a bijection that scatters nearby inputs."""
    with np.errstate(over="ignore"):
        x = x.astype(np.uint64, copy=True)
        x ^= x >> np.uint64(30)
        x *= np.uint64(0xBF58476D1CE4E5B9)
        x ^= x >> np.uint64(27)
        x *= np.uint64(0x94D049BB133111EB)
        x ^= x >> np.uint64(31)
    return x


def _combine(key: np.ndarray, value: np.ndarray | int) -> np.ndarray:
    with np.errstate(over="ignore"):
        return _mix(key ^ (np.asarray(value, dtype=np.uint64) + _GOLDEN))


def item_keys(seed: int, epoch: int | Tensor, items: Tensor) -> np.ndarray:
    """(B,) uint64 keys of ``items`` (B,) in ``epoch`` (one epoch, or one per item) of a run seeded ``seed``."""
    epochs = epoch.numpy() if isinstance(epoch, Tensor) else np.full(len(items), epoch)
    key = _combine(np.full(len(items), seed % 2**64, dtype=np.uint64), epochs.astype(np.uint64))
    return _combine(key, items.numpy().astype(np.uint64))


def integers(keys: np.ndarray, stream: int, high: int) -> Tensor:
    """(B,) int64 in ``0 .. high - 1``, one per key; each ``stream`` number gives independent draws."""
    return torch.from_numpy((_combine(keys, stream) % np.uint64(high)).astype(np.int64))


def generator(seed: int, epoch: int, item: int) -> torch.Generator:
    """A torch generator for everything drawn for one item (a whole batch of made-up images)."""
    key = item_keys(seed, epoch, torch.tensor([item]))[0]
    return torch.Generator().manual_seed(int(key >> np.uint64(1)))  # manual_seed takes < 2**63 here
