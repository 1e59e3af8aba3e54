"""A net prepares its own inputs: normalisation statistics are buffers of the net.

DataModules yield raw inputs (uint8 pixels 0..255, unnormalised filterbank features). Each net starts
with one of these modules, fitted on its training split before its first step (``TrainedClassifier``
asks the DataModule for ``training_inputs()``) and saved with its weights, so a checkpoint is usable
with nothing else, a teacher and its student each see inputs prepared as in their own training, and an
exported net takes raw inputs.

Which axis holds the statistics: per channel for image samples (C, H, W); per feature of the last axis
for everything else, e.g. TIMIT's (frames, 123) context windows, whose frames share one set of 123.
"""

from collections.abc import Iterable
from typing import Literal

import torch
from torch import Tensor, nn

from mimic.nets.whitening import ZCAWhitening, global_contrast_normalise

InputNorm = Literal["none", "standardise", "gcn_zca"]


class InputNormaliser(nn.Module):
    """Raw inputs (B, *in_shape), any dtype -> float32 model inputs of the same shape.

    ``fitted`` is a buffer, so a restored checkpoint says whether its statistics were ever fitted.
    """

    def __init__(self) -> None:
        super().__init__()
        self.register_buffer("fitted", torch.tensor(False))

    @property
    def needs_fitting(self) -> bool:
        return not bool(self.fitted)

    def fit(self, chunks: Iterable[Tensor]) -> None:
        """Fit on raw training inputs given in chunks (n, ...) whose last axes match the sample shape."""
        self._fit(chunks)
        self.fitted.fill_(True)

    def _fit(self, chunks: Iterable[Tensor]) -> None:
        raise NotImplementedError


class NoNormalisation(InputNormaliser):
    """Inputs only become float32: for data that is prepared already."""

    def __init__(self) -> None:
        super().__init__()
        self.fitted.fill_(True)

    def forward(self, x: Tensor) -> Tensor:
        return x.float()


class Standardise(InputNormaliser):
    """``(x - mean) / std`` per channel (image samples) or per last-axis feature (frames, vectors).

    Args:
        in_shape: the shape of one sample.
    """

    def __init__(self, in_shape: tuple[int, ...]) -> None:
        super().__init__()
        self.per_channel = len(in_shape) == 3
        features = in_shape[0] if self.per_channel else in_shape[-1]
        self.register_buffer("mean", torch.zeros(features))  # (F,)
        self.register_buffer("std", torch.ones(features))  # (F,)

    def _by_feature(self, x: Tensor) -> Tensor:
        """(n, ...) -> (F, everything else)."""
        if self.per_channel:
            return x.transpose(0, 1).reshape(x.shape[1], -1)  # (n, C, H, W) -> (C, n*H*W)
        return x.reshape(-1, x.shape[-1]).T  # (..., F) -> (F, rest)

    def _fit(self, chunks: Iterable[Tensor]) -> None:
        count, total, squares = 0, 0.0, 0.0
        for chunk in chunks:
            values = self._by_feature(chunk.to(torch.float64))  # float64: sums over millions of values
            count, total, squares = count + values.shape[1], total + values.sum(1), squares + values.pow(2).sum(1)
        if not count:
            raise ValueError("input standardisation needs at least one training input to fit")
        mean = total / count
        variance = (squares / count - mean.pow(2)) * count / max(count - 1, 1)  # unbiased
        self.mean.copy_(mean)
        self.std.copy_(variance.clamp_min(1e-10).sqrt())

    def forward(self, x: Tensor) -> Tensor:
        shape = (-1, 1, 1) if self.per_channel else (-1,)
        mean, std = self.mean.view(shape), self.std.view(shape)
        return ((x.float() - mean) / std.clamp_min(1e-5)).float()  # (B, *in_shape)


class ContrastWhiten(InputNormaliser):
    """Global contrast normalisation of each sample, then ZCA whitening fitted on the training inputs
    (Goodfellow et al.'s CIFAR-10 preparation, the usual one for the paper's CNN teachers).

    Args:
        in_shape: the shape of one sample (D = its number of values; the ZCA matrix is D x D).
        scale: norm of every sample after GCN (55, as Goodfellow et al.).
        eps: ZCA's regulariser of small eigenvalues, relative to that scale.
    """

    fit_chunk = 2000  # samples per chunk while fitting: bounds the float64 copies to ~50 MB for CIFAR

    def __init__(self, in_shape: tuple[int, ...], scale: float = 55.0, eps: float = 0.1) -> None:
        super().__init__()
        self.scale, self.eps = scale, eps
        size = 1
        for d in in_shape:
            size *= d
        self.register_buffer("mean", torch.zeros(size))  # (D,)
        self.register_buffer("matrix", torch.eye(size))  # (D, D)

    def _fit(self, chunks: Iterable[Tensor]) -> None:
        pieces = (piece for chunk in chunks for piece in chunk.split(self.fit_chunk))
        zca = ZCAWhitening.fit_chunks((global_contrast_normalise(p, self.scale) for p in pieces), self.eps)
        self.mean.copy_(zca.mean)
        self.matrix.copy_(zca.matrix)

    def forward(self, x: Tensor) -> Tensor:
        flat = global_contrast_normalise(x, self.scale).float()  # (B, D); the D x D product in float32
        return ((flat - self.mean.float()) @ self.matrix.float()).reshape(x.shape)  # (B, *in_shape)


def make_input_normaliser(kind: InputNorm, in_shape: tuple[int, ...]) -> InputNormaliser:
    if kind == "none":
        return NoNormalisation()
    if kind == "standardise":
        return Standardise(in_shape)
    if kind == "gcn_zca":
        return ContrastWhiten(in_shape)
    raise ValueError(f"input_norm must be 'none', 'standardise' or 'gcn_zca', got {kind!r}")
