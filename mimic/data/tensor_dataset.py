"""A map-style dataset over in-memory tensors that yields dict samples and dict batches.

``DataLoader`` hands a whole batch of indices to ``__getitems__`` when a dataset has one, so a batch is
gathered with one indexing operation instead of B ``__getitem__`` calls and a collate.
"""

from typing import Protocol

import torch
from torch import Tensor
from torch.utils.data import Dataset

from mimic import batch as keys
from mimic.data.epoch_order import untag
from mimic.data.on_device import nbytes


class KeyedTransform(Protocol):
    """A batched transform whose random draws are keyed by each input's (epoch, index)
    (``mimic.data.augment.KeyedShiftFlip``)."""

    def draws(self, epochs: Tensor, indices: Tensor) -> Tensor:
        """(B, k) draws on the host for inputs of ``epochs`` (B,) and ``indices`` (B,)."""

    def apply(self, inputs: Tensor, draws: Tensor) -> Tensor:
        """Inputs (B, ...) transformed as ``draws`` (B, k) say, on the inputs' device."""

    def __call__(self, inputs: Tensor, epochs: Tensor, indices: Tensor) -> Tensor: ...


class TensorDictDataset(Dataset):
    """Samples ``{"x", "y", "index"}`` from stored inputs, labels and a batched transform.

    Args:
        inputs: (N, ...) stored inputs, e.g. uint8 pixels.
        labels: (N,) int64 labels.
        transform: applied to each batch of stored inputs (B, ...) with their epochs and indices, e.g.
            augmentation; ``None``: as stored. With a transform the dataset is read through an
            ``EpochShuffle(tag_epoch=True)``, whose items carry their epoch (``epoch_order.tag``).

    Moved ``to`` a device, it is read through ``gather`` (``mimic.data.on_device.DeviceBatches``).
    """

    def __init__(self, inputs: Tensor, labels: Tensor, transform: KeyedTransform | None = None) -> None:
        if len(inputs) != len(labels):
            raise ValueError(f"{len(inputs)} inputs but {len(labels)} labels")
        self.inputs, self.labels, self.transform = inputs, labels, transform

    def __len__(self) -> int:
        return len(self.inputs)

    @property
    def nbytes(self) -> int:
        return nbytes(self.inputs, self.labels)

    def to(self, device: torch.device) -> "TensorDictDataset":
        return TensorDictDataset(self.inputs.to(device), self.labels.to(device), self.transform)

    def draws(self, epoch: int, index: Tensor) -> Tensor | None:
        """(n, k) the transform's draws for ``index`` (n,) in ``epoch``; ``None`` without a transform."""
        return None if self.transform is None else self.transform.draws(torch.full_like(index, epoch), index)

    def gather(self, index: Tensor, draws: Tensor | None = None) -> dict[str, Tensor]:
        """The batch of ``index`` (B,), transformed as ``draws`` (B, k) say, on the index's device."""
        inputs = self.inputs[index]
        if draws is not None:
            inputs = self.transform.apply(inputs, draws)
        return {keys.X: inputs, keys.Y: self.labels[index], keys.INDEX: index}

    def __getitems__(self, indices: list[int]) -> dict[str, Tensor]:
        index = torch.as_tensor(indices, dtype=torch.long)
        draws = None
        if self.transform is not None:
            epochs, index = untag(index, len(self.inputs))
            draws = self.transform.draws(epochs, index)
        device = self.inputs.device  # (a dataset moved to a GPU is read here by evaluation loaders)
        return self.gather(index.to(device), None if draws is None else draws.to(device))

    def __getitem__(self, i: int) -> dict[str, Tensor]:
        return {k: v[0] for k, v in self.__getitems__([i]).items()}


def collate_batch(batch: dict[str, Tensor] | list[dict[str, Tensor]]) -> dict[str, Tensor]:
    """Pass through batches made by ``__getitems__``; stack lists of single samples."""
    if isinstance(batch, dict):
        return batch
    return {k: torch.stack([sample[k] for sample in batch]) for k in batch[0]}
