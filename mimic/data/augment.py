"""Batched image augmentation on tensors: random shifts (crop of a zero-padded image) and mirror flips."""

import torch
from torch import Tensor


def random_shift_flip(images: Tensor, pad: int = 2, flip: bool = True) -> Tensor:
    """Shift each image by up to ``pad`` pixels (zero fill) and mirror half of them left-right.

    Args:
        images: (B, C, H, W) raw pixels (uint8 or float), zero meaning background.
    """
    b, _, h, w = images.shape
    padded = torch.nn.functional.pad(images, (pad, pad, pad, pad))  # (B, C, H+2p, W+2p)
    dy = torch.randint(0, 2 * pad + 1, (b, 1, 1))
    dx = torch.randint(0, 2 * pad + 1, (b, 1, 1))
    rows = dy + torch.arange(h).view(1, h, 1)  # (B, H, 1)
    cols = dx + torch.arange(w).view(1, 1, w)  # (B, 1, W)
    batch = torch.arange(b).view(b, 1, 1)
    out = padded.permute(0, 2, 3, 1)[batch, rows, cols].permute(0, 3, 1, 2)  # (B, C, H, W)
    if flip:
        mirror = torch.rand(b) < 0.5
        out[mirror] = out[mirror].flip(-1)
    return out.contiguous()
