"""Batched image augmentation on tensors: shifts (crops of a zero-padded image) and mirror flips.

``keyed_shift_flip`` draws each image's shift and flip from its (seed, epoch, index) key
(``mimic.data.keyed_random``), so loader workers and resumed runs augment exactly as one uninterrupted
process would."""

import torch
from torch import Tensor

from mimic.data.keyed_random import integers, item_keys


def shift_flip(images: Tensor, dy: Tensor, dx: Tensor, mirror: Tensor, pad: int) -> Tensor:
    """Shift image i by ``(dy[i] - pad, dx[i] - pad)`` pixels (zero fill) and mirror it where ``mirror[i]``.

    Args:
        images: (B, C, H, W) raw pixels (uint8 or float), zero meaning background.
        dy, dx: (B,) int64 in ``0 .. 2 * pad``: the crop's corner in the padded image.
        mirror: (B,) bool.
    """
    b, _, h, w = images.shape
    padded = torch.nn.functional.pad(images, (pad, pad, pad, pad))  # (B, C, H+2p, W+2p)
    rows = dy.view(b, 1, 1) + torch.arange(h).view(1, h, 1)  # (B, H, 1)
    cols = dx.view(b, 1, 1) + torch.arange(w).view(1, 1, w)  # (B, 1, W)
    batch = torch.arange(b).view(b, 1, 1)
    out = padded.permute(0, 2, 3, 1)[batch, rows, cols].permute(0, 3, 1, 2)  # (B, C, H, W)
    out[mirror] = out[mirror].flip(-1)
    return out.contiguous()


def keyed_shift_flip(images: Tensor, keys, pad: int = 2, flip: bool = True) -> Tensor:
    """Shift each image by up to ``pad`` pixels (zero fill) and mirror about half of them left-right, the
    draws fixed by each image's key (``keyed_random.item_keys``, (B,) uint64)."""
    dy, dx = integers(keys, 0, 2 * pad + 1), integers(keys, 1, 2 * pad + 1)
    mirror = integers(keys, 2, 2).bool() if flip else torch.zeros(len(images), dtype=torch.bool)
    return shift_flip(images, dy, dx, mirror, pad)


class KeyedShiftFlip:
    """The training images' augmentation as a picklable transform (loader workers get a copy):
    ``(pixels (B, C, H, W), epochs (B,), indices (B,)) -> pixels``, draws keyed by (seed, epoch, index).

    Args:
        seed: the run's seed (``torch.initial_seed()`` after ``seed_everything``: a resumed run's too).
        pad: largest shift in pixels.
    """

    def __init__(self, seed: int, pad: int, flip: bool = True) -> None:
        self.seed, self.pad, self.flip = seed, pad, flip

    def __call__(self, pixels: Tensor, epochs: Tensor, indices: Tensor) -> Tensor:
        keys = item_keys(self.seed, epochs, indices)
        return keyed_shift_flip(pixels, keys, self.pad, self.flip)
