"""Batched image augmentation on tensors: shifts (crops of a zero-padded image) and mirror flips."""

import torch
from torch import Tensor


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


def random_shift_flip(images: Tensor, pad: int = 2, flip: bool = True) -> Tensor:
    """Shift each image by up to ``pad`` pixels (zero fill) and mirror half of them left-right."""
    b = len(images)
    dy, dx = torch.randint(0, 2 * pad + 1, (b,)), torch.randint(0, 2 * pad + 1, (b,))
    mirror = torch.rand(b) < 0.5 if flip else torch.zeros(b, dtype=torch.bool)
    return shift_flip(images, dy, dx, mirror, pad)
