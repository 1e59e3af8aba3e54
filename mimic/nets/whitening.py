"""Global contrast normalisation and ZCA whitening: the usual preparation of CIFAR-10 for the paper's
CNN teachers (Goodfellow et al. 2013's maxout recipe). Fitted on the training images; the statistics
are tensors, so they travel in a checkpoint and are applied identically to unlabeled data and at test.
"""

from collections.abc import Iterable

import torch
from torch import Tensor


def global_contrast_normalise(images: Tensor, scale: float = 55.0, eps: float = 1e-8) -> Tensor:
    """(N, ...) -> (N, D) float64: each image minus its mean, scaled to norm ``scale``."""
    flat = images.flatten(1).to(torch.float64)  # flatten, not len(): an exported graph keeps the batch size free
    flat = flat - flat.mean(1, keepdim=True)
    return scale * flat / flat.norm(dim=1, keepdim=True).clamp_min(eps)


class ZCAWhitening:
    """``x -> (x - mean) @ W`` with ``W = V diag(1 / sqrt(s + eps)) V^T`` from the training covariance:
    decorrelated inputs that stay close to the original images (unlike PCA whitening)."""

    def __init__(self, mean: Tensor, matrix: Tensor) -> None:
        self.mean, self.matrix = mean, matrix  # (D,), (D, D) float64

    @classmethod
    def fit(cls, flat: Tensor, eps: float = 0.1) -> "ZCAWhitening":
        """``flat`` (N, D) training images (after GCN); ``eps`` regularises small eigenvalues."""
        return cls.fit_chunks([flat], eps)

    @classmethod
    def fit_chunks(cls, chunks: Iterable[Tensor], eps: float = 0.1) -> "ZCAWhitening":
        """Fit from (n_i, D) chunks, so that 50k float64 images need never be in memory at once."""
        count, total, products = 0, None, None
        for chunk in chunks:
            chunk = chunk.to(torch.float64)
            if total is None:
                total, products = chunk.new_zeros(chunk.shape[1]), chunk.new_zeros(chunk.shape[1], chunk.shape[1])
            count, total, products = count + len(chunk), total + chunk.sum(0), products + chunk.T @ chunk
        if not count:
            raise ValueError("ZCA whitening needs at least one image to fit")
        mean = total / count
        covariance = products / count - torch.outer(mean, mean)  # (D, D)
        eigenvalues, eigenvectors = torch.linalg.eigh(covariance)
        scale = (eigenvalues.clamp_min(0) + eps).rsqrt()
        return cls(mean, (eigenvectors * scale) @ eigenvectors.T)

    def __call__(self, flat: Tensor) -> Tensor:
        return (flat.to(torch.float64) - self.mean) @ self.matrix
