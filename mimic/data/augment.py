"""Batched image augmentation on tensors: shifts (crops of a zero-padded image) and mirror flips.

``KeyedShiftFlip`` draws each image's shift and flip from its (seed, epoch, index) key
(``mimic.data.keyed_random``), so loader workers and resumed runs augment exactly as one uninterrupted
process would."""

import torch
from torch import Tensor

from mimic.data.keyed_random import integers, item_keys


def shift_flip(images: Tensor, dy: Tensor, dx: Tensor, mirror: Tensor, pad: int) -> Tensor:
    """Shift image i by ``(dy[i] - pad, dx[i] - pad)`` pixels (zero fill) and mirror it where ``mirror[i]``.

    One gather on the images' device; nothing depends on a value read back to the host.

    Args:
        images: (B, C, H, W) raw pixels (uint8 or float), zero meaning background.
        dy, dx: (B,) int64 in ``0 .. 2 * pad``: the crop's corner in the padded image.
        mirror: (B,) bool.
    """
    b, _, h, w = images.shape
    device = images.device
    padded = torch.nn.functional.pad(images, (pad, pad, pad, pad))  # (B, C, H+2p, W+2p)
    columns = torch.arange(w, device=device)  # (W,)
    # a mirrored image's column j is the shifted image's column w - 1 - j
    columns = torch.where(mirror.view(b, 1), w - 1 - columns, columns)  # (B, W)
    rows = dy.view(b, 1, 1) + torch.arange(h, device=device).view(1, h, 1)  # (B, H, 1)
    cols = (dx.view(b, 1) + columns).view(b, 1, w)  # (B, 1, W)
    batch = torch.arange(b, device=device).view(b, 1, 1)
    return padded.permute(0, 2, 3, 1)[batch, rows, cols].permute(0, 3, 1, 2).contiguous()  # (B, C, H, W)


class KeyedShiftFlip:
    """The training images' augmentation as a picklable transform (loader workers get a copy):
    ``(pixels (B, C, H, W), epochs (B,), indices (B,)) -> pixels``, each image shifted by up to ``pad``
    pixels (zero fill) and about half of them mirrored left-right, the draws fixed by (seed, epoch, index).

    ``draws`` and ``apply`` split the two halves: data kept on a GPU draws a whole epoch's shifts on the
    host at once, and shifts each batch on the device (``mimic.data.on_device``).

    Args:
        seed: the run's seed (``torch.initial_seed()`` after ``seed_everything``: a resumed run's too).
        pad: largest shift in pixels.
        flip: mirror images too.
    """

    def __init__(self, seed: int, pad: int, flip: bool = True) -> None:
        self.seed, self.pad, self.flip = seed, pad, flip

    def draws(self, epochs: Tensor, indices: Tensor) -> Tensor:
        """(B, 3) int64 on the host: each image's (dy, dx, mirror), from its key."""
        keys = item_keys(self.seed, epochs, indices)
        dy, dx = integers(keys, 0, 2 * self.pad + 1), integers(keys, 1, 2 * self.pad + 1)
        mirror = integers(keys, 2, 2) if self.flip else torch.zeros(len(indices), dtype=torch.long)
        return torch.stack([dy, dx, mirror], dim=1)

    def apply(self, pixels: Tensor, draws: Tensor) -> Tensor:
        """Shift and mirror ``pixels`` (B, C, H, W) as ``draws`` (B, 3) say, on the pixels' device."""
        return shift_flip(pixels, draws[:, 0], draws[:, 1], draws[:, 2].bool(), self.pad)

    def __call__(self, pixels: Tensor, epochs: Tensor, indices: Tensor) -> Tensor:
        return self.apply(pixels, self.draws(epochs, indices))
