"""Fixed augmented views of the training images as transfer data: the teacher labels exactly the view
the student sees ("consistent" teaching, Beyer et al. 2022), and since a view never changes, the
teacher's logits are computed once and cached, which makes many passes over them cheap.
"""

import numpy as np
import torch
from torch import Tensor

from mimic.data.augment import shift_flip
from mimic.data.images.sources import TransferSource


class ShiftedViews(TransferSource):
    """``copies`` views of every labeled training image, each shifted by up to ``pad`` pixels and mirrored
    with probability 1/2, drawn once from ``seed``: view j is of training image ``j % N``.

    Args:
        copies: views per training image.
        pad: largest shift in pixels.
        flip: mirror half of the views left-right.
        seed: seed of the shifts and mirrors.
    """

    def __init__(self, copies: int = 4, pad: int = 2, flip: bool = True, seed: int = 0) -> None:
        if copies < 1 or pad < 0:
            raise ValueError(f"ShiftedViews needs copies >= 1 and pad >= 0, got copies={copies}, pad={pad}")
        self.copies, self.pad, self.flip, self.seed = copies, pad, flip, seed
        self._train: Tensor | None = None  # (N, C, H, W) uint8

    def setup(self, train_images: Tensor, unlabeled_images: Tensor | None = None) -> None:
        self._train = train_images
        total = self.copies * len(train_images)
        rng = np.random.default_rng(self.seed)
        self._corners = torch.from_numpy(rng.integers(0, 2 * self.pad + 1, (total, 2)))  # (V, 2) int64
        self._mirror = torch.from_numpy(rng.random(total) < 0.5) if self.flip else torch.zeros(total, dtype=torch.bool)

    def __len__(self) -> int:
        if self._train is None:
            raise RuntimeError("ShiftedViews.setup(train_images) must run before it is used")
        return self.copies * len(self._train)

    def images(self, indices: np.ndarray, generator: torch.Generator | None = None) -> Tensor:
        views = torch.as_tensor(indices, dtype=torch.long)
        base = self._train[views % len(self._train)]  # (n, C, H, W) uint8
        corners = self._corners[views]
        return shift_flip(base, corners[:, 0], corners[:, 1], self._mirror[views], self.pad)
