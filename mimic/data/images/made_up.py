"""Made-up transfer images, for when no unlabeled set is at hand: the teacher labels them on the fly.

``Munge`` follows Bucila, Caruana & Niculescu-Mizil (2006, "Model compression"): take a training example
and its nearest neighbour; with probability ``p`` per attribute (here a pixel, or a ``patch`` of pixels),
draw the value from a normal centred on the neighbour's with spread |difference| / ``s``. The result lies
near the data but off the training points, where the teacher's function is still informative.
``Mixup`` interpolates two random training images with a Beta-distributed weight (Zhang et al. 2018).

A new image is made on every request (``deterministic = False``), so TeacherLogits must not cache them.
"""

import numpy as np
import torch
from torch import Tensor
from torch.nn import functional as F

from mimic.data.images.sources import TransferSource


class MadeUpSource(TransferSource):
    """Made from the labeled training images handed to ``setup``; ``num_images`` per epoch."""

    deterministic = False

    def __init__(self, num_images: int | None = None) -> None:
        self.num_images = num_images
        self._train: Tensor | None = None  # (N, C, H, W) uint8

    def setup(self, train_images: Tensor, unlabeled_images: Tensor | None = None) -> None:
        if len(train_images) < 2:
            raise ValueError(f"{type(self).__name__} needs at least 2 training images, got {len(train_images)}")
        self._train = train_images

    def __len__(self) -> int:
        if self._train is None:
            raise RuntimeError(f"{type(self).__name__}.setup(train_images) must run before it is used")
        return self.num_images or len(self._train)

    def _random_train(self, n: int, generator: torch.Generator | None) -> Tensor:
        return self._train[torch.randint(len(self._train), (n,), generator=generator)].float()  # (n, C, H, W) 0..255


class Munge(MadeUpSource):
    """MUNGE on images. The nearest neighbour is searched in a random ``pool`` of training images per batch
    (the full search is 50k x 50k distances), which finds a close, same-looking image in practice.

    Args:
        num_images: made-up images per epoch; default as many as training images.
        p: probability that a pixel (patch) takes a value drawn around the neighbour's.
        s: local spread: the normal's standard deviation is |image - neighbour| / s.
        patch: side of the square patches swapped together (1 = per pixel, as MUNGE on attributes).
        pool: candidates for the nearest neighbour of each image.
    """

    def __init__(
        self, num_images: int | None = None, p: float = 0.5, s: float = 1.0, patch: int = 1, pool: int = 1024
    ) -> None:
        super().__init__(num_images)
        if not 0 < p <= 1 or s <= 0 or patch < 1 or pool < 1:
            raise ValueError(f"Munge needs 0 < p <= 1, s > 0, patch >= 1, pool >= 1; got {p}, {s}, {patch}, {pool}")
        self.p, self.s, self.patch, self.pool = p, s, patch, pool

    def images(self, indices: np.ndarray, generator: torch.Generator | None = None) -> Tensor:
        n = len(indices)
        base = self._random_train(n, generator)  # (n, C, H, W)
        candidates = self._random_train(min(self.pool, len(self._train)), generator)  # (P, C, H, W)
        distances = torch.cdist(base.flatten(1), candidates.flatten(1))  # (n, P)
        distances[distances == 0] = float("inf")  # the image itself (or a copy) is no neighbour
        neighbour = candidates[distances.argmin(1)]  # (n, C, H, W)
        _, c, h, w = base.shape
        cells = torch.rand(n, 1, -(-h // self.patch), -(-w // self.patch), generator=generator) < self.p  # per patch
        swap = F.interpolate(cells.float(), scale_factor=self.patch, mode="nearest")[..., :h, :w].bool()
        spread = (base - neighbour).abs() / self.s
        drawn = neighbour + spread * torch.randn(base.shape, generator=generator)
        return torch.where(swap, drawn, base).round_().clamp_(0, 255).to(torch.uint8)


class Mixup(MadeUpSource):
    """``lambda * a + (1 - lambda) * b`` for random training images a, b and lambda ~ Beta(alpha, alpha).

    Args:
        num_images: made-up images per epoch; default as many as training images.
        alpha: Beta parameter; 1 is uniform, small values stay near one of the two images.
    """

    def __init__(self, num_images: int | None = None, alpha: float = 1.0) -> None:
        super().__init__(num_images)
        if alpha <= 0:
            raise ValueError(f"Mixup alpha must be positive, got {alpha}")
        self.alpha = alpha

    def images(self, indices: np.ndarray, generator: torch.Generator | None = None) -> Tensor:
        n = len(indices)
        # numpy draws the Beta weights (torch's Beta sampler takes no generator), seeded from the generator
        seed = int(torch.randint(2**62, (1,), generator=generator))
        weight = torch.from_numpy(np.random.default_rng(seed).beta(self.alpha, self.alpha, (n, 1, 1, 1))).float()
        mixed = weight * self._random_train(n, generator) + (1 - weight) * self._random_train(n, generator)
        return mixed.round_().clamp_(0, 255).to(torch.uint8)
