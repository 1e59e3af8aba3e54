"""Input preprocessing fitted on the training images: per-channel standardisation, or GCN + ZCA whitening.

A preprocessor maps pixel batches (B, C, H, W) float in [0, 1] to model inputs (B, C, H, W) float32. Its
fitted statistics are tensors (``state_dict``), saved in checkpoints by the DataModule, so that unlabeled
transfer images, validation and test images are all transformed exactly as the training images were.
"""

from typing import Literal

import torch
from torch import Tensor

from mimic.data.images.whitening import ZCAWhitening, global_contrast_normalise

Preprocessing = Literal["standardise", "gcn_zca"]
_FIT_CHUNK = 2000  # images per chunk while fitting: bounds float64 copies to ~50 MB for CIFAR


class Standardise:
    """``(x - mean_c) / std_c`` with each channel's mean and std over the training pixels."""

    def __init__(self, mean: Tensor | None = None, std: Tensor | None = None) -> None:
        self.mean, self.std = mean, std  # (C,), (C,) float32

    def fit(self, pixels: Tensor) -> "Standardise":
        """``pixels`` (N, C, H, W) uint8."""
        count, total, squares = 0, 0.0, 0.0
        for chunk in pixels.split(_FIT_CHUNK):
            values = chunk.to(torch.float64).div_(255).transpose(0, 1).reshape(chunk.shape[1], -1)  # (C, n*H*W)
            count, total, squares = count + values.shape[1], total + values.sum(1), squares + values.pow(2).sum(1)
        mean = total / count
        self.mean = mean.float()
        self.std = (squares / count - mean.pow(2)).clamp_min(1e-12).sqrt().float()
        return self

    def __call__(self, x: Tensor) -> Tensor:
        shape = (1, -1, 1, 1)
        return (x - self.mean.view(shape)) / self.std.view(shape)  # (B, C, H, W)

    def state_dict(self) -> dict[str, Tensor]:
        return {"mean": self.mean, "std": self.std}

    def load_state_dict(self, state: dict[str, Tensor]) -> None:
        self.mean, self.std = state["mean"], state["std"]


class ContrastWhiten:
    """Global contrast normalisation of each image, then ZCA whitening fitted on the training images.

    Args:
        scale: norm of every image after GCN (55, as in Goodfellow et al.'s CIFAR-10 preparation).
        eps: ZCA's regulariser of small eigenvalues, relative to that scale.
    """

    def __init__(self, scale: float = 55.0, eps: float = 0.1) -> None:
        self.scale, self.eps = scale, eps
        self.zca: ZCAWhitening | None = None
        self._applied: tuple[Tensor, Tensor] | None = None  # float32 copies of (mean, matrix) for speed

    def fit(self, pixels: Tensor) -> "ContrastWhiten":
        """``pixels`` (N, C, H, W) uint8."""
        chunks = (global_contrast_normalise(chunk, self.scale) for chunk in pixels.split(_FIT_CHUNK))
        self.zca = ZCAWhitening.fit_chunks(chunks, self.eps)
        self._applied = None
        return self

    def __call__(self, x: Tensor) -> Tensor:
        if self._applied is None:
            self._applied = (self.zca.mean.float(), self.zca.matrix.float())
        mean, matrix = self._applied
        flat = global_contrast_normalise(x, self.scale).float()  # (B, D)
        return ((flat - mean) @ matrix).reshape(x.shape)  # (B, C, H, W); the D x D product in float32

    def state_dict(self) -> dict[str, Tensor]:
        return self.zca.state_dict()

    def load_state_dict(self, state: dict[str, Tensor]) -> None:
        self.zca, self._applied = ZCAWhitening.from_state_dict(state), None


def make_preprocessor(kind: Preprocessing) -> Standardise | ContrastWhiten:
    if kind == "standardise":
        return Standardise()
    if kind == "gcn_zca":
        return ContrastWhiten()
    raise ValueError(f"data.preprocess must be 'standardise' or 'gcn_zca', got {kind!r}")
