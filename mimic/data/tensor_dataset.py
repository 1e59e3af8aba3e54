"""A map-style dataset over in-memory tensors that yields dict samples and dict batches.

``DataLoader`` hands a whole batch of indices to ``__getitems__`` when a dataset has one, so a batch is
gathered with one indexing operation instead of B ``__getitem__`` calls and a collate.
"""

from collections.abc import Callable

import torch
from torch import Tensor
from torch.utils.data import Dataset

from mimic import batch as keys
from mimic.data.epoch_order import untag

# (inputs (B, ...), epochs (B,), indices (B,)) -> inputs of the same kind, random draws keyed by the two
KeyedTransform = Callable[[Tensor, Tensor, Tensor], Tensor]


class TensorDictDataset(Dataset):
    """Samples ``{"x", "y", "index"}`` from stored inputs, labels and a batched transform.

    Args:
        inputs: (N, ...) stored inputs, e.g. uint8 pixels.
        labels: (N,) int64 labels.
        transform: applied to each batch of stored inputs (B, ...) with their epochs and indices, e.g.
            augmentation; ``None``: as stored. With a transform the dataset is read through an
            ``EpochShuffle(tag_epoch=True)``, whose items carry their epoch (``epoch_order.tag``).
    """

    def __init__(self, inputs: Tensor, labels: Tensor, transform: KeyedTransform | None = None) -> None:
        if len(inputs) != len(labels):
            raise ValueError(f"{len(inputs)} inputs but {len(labels)} labels")
        self.inputs, self.labels, self.transform = inputs, labels, transform

    def __len__(self) -> int:
        return len(self.inputs)

    def __getitems__(self, indices: list[int]) -> dict[str, Tensor]:
        index = torch.as_tensor(indices, dtype=torch.long)
        if self.transform is None:
            return {keys.X: self.inputs[index], keys.Y: self.labels[index], keys.INDEX: index}
        epochs, index = untag(index, len(self.inputs))
        inputs = self.transform(self.inputs[index], epochs, index)
        return {keys.X: inputs, keys.Y: self.labels[index], keys.INDEX: index}

    def __getitem__(self, i: int) -> dict[str, Tensor]:
        return {k: v[0] for k, v in self.__getitems__([i]).items()}


def collate_batch(batch: dict[str, Tensor] | list[dict[str, Tensor]]) -> dict[str, Tensor]:
    """Pass through batches made by ``__getitems__``; stack lists of single samples."""
    if isinstance(batch, dict):
        return batch
    return {k: torch.stack([sample[k] for sample in batch]) for k in batch[0]}
