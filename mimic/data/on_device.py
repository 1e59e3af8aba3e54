"""Data on the training device: a split's tensors copied there once, its batches gathered there.

A GPU fed by a CPU loader waits for it: the loader assembles every batch (TIMIT's 15-frame windows, a
batch of pixels) in host memory and copies it over. When a split fits in a stated share of the GPU's
memory, the DataModules copy its tensors to the GPU once (TIMIT's features as float32, images as uint8)
and ``DeviceBatches`` makes each training batch there by index arithmetic: one host->device copy an
epoch (this rank's order, and the augmentation's draws), none per batch, no worker processes.

The order and the draws are the loaders' own (``EpochShuffle``, ``KeyedShiftFlip``), so a run gets the
same batches with its data on the device or not, and resumes mid-epoch exactly either way.
"""

import math
from typing import Protocol

import torch
from lightning.pytorch.utilities import rank_zero_info, rank_zero_warn
from torch import Tensor

from mimic.data.epoch_order import EpochShuffle

DEFAULT_MEMORY_SHARE = 0.25  # of the GPU's memory; the rest is the nets', their gradients' and activations'


class GatheredOnDevice(Protocol):
    """A dataset whose batches can be gathered from a whole tensor of indices (``FrameDataset``,
    ``TensorDictDataset``)."""

    def draws(self, epoch: int, items: Tensor) -> Tensor | None:
        """(n, k) random draws of ``items`` (n,) in ``epoch``, on the host; ``None`` if nothing is random."""

    def gather(self, items: Tensor, draws: Tensor | None) -> dict[str, Tensor]:
        """The batch of ``items`` (B,) with their ``draws`` (B, k), on the items' device."""


class DeviceBatches:
    """Training batches of ``batch_size`` items of ``dataset`` (on ``device``), in ``sampler``'s order.

    Lightning calls ``set_epoch`` on ``sampler`` (it looks for the attribute) and takes ``len``; like a
    ``LazyStartLoader``, an iterator reads the order on its first batch, after Lightning has restored
    a resumed run's position.
    """

    def __init__(self, dataset: GatheredOnDevice, sampler: EpochShuffle, batch_size: int, device: torch.device) -> None:
        self.dataset, self.sampler, self.batch_size, self.device = dataset, sampler, batch_size, device

    def __len__(self) -> int:
        return math.ceil(len(self.sampler) / self.batch_size)

    def __iter__(self):
        items = self.sampler.remaining()  # (n,) on the host
        draws = self.dataset.draws(self.sampler.epoch, items)  # (n, k) or None
        items = items.to(self.device)  # the epoch's one copy
        draws = None if draws is None else draws.to(self.device)
        for start in range(0, len(items), self.batch_size):
            rows = slice(start, start + self.batch_size)
            yield self.dataset.gather(items[rows], None if draws is None else draws[rows])


class Movable(Protocol):
    def to(self, device: torch.device): ...


class DevicePlacement:
    """Decides, split by split, whether a DataModule's tensors go to the training device, and keeps the
    copies made there (each split is copied once).

    Args:
        setting: ``data.on_device``: ``None`` (auto: on a GPU when the data fits), ``True`` (also on a CPU,
            where batches are then gathered in the training process without workers), ``False``.
        share: ``data.device_memory_share``: the part of the GPU's memory the data may take, all splits
            together.
    """

    def __init__(self, setting: bool | None, share: float) -> None:
        if not 0 < share <= 1:
            raise ValueError(f"data.device_memory_share must lie in (0, 1], got {share}")
        self.setting, self.share = setting, share
        self.placed_bytes = 0
        self.copies: dict[str, object | None] = {}  # 'split@device' -> the split's dataset there, or None

    def dataset_for(self, split: str, dataset: Movable, size: int, device: torch.device, num_workers: int):
        """``dataset`` (of ``size`` bytes) copied to ``device``, or ``None`` where it stays on the host."""
        key = f"{split}@{device}"
        if key not in self.copies:
            target = self._device_for(size, device, f"the {split} split")
            self.copies[key] = None if target is None else dataset.to(target)
            if target is not None and num_workers > 0:
                rank_zero_info(f"data.num_workers={num_workers} unused for the {split} split: batches made on {target}")
        return self.copies[key]

    def _device_for(self, size: int, device: torch.device, what: str) -> torch.device | None:
        if self.setting is False:
            return None
        if device.type != "cuda":
            return device if self.setting else None  # auto: a CPU gains nothing from it
        budget = int(self.share * torch.cuda.get_device_properties(device).total_memory)
        if self.placed_bytes + size > budget:
            message = (
                f"data.on_device: {what} ({size / 2**30:.2f} GiB, {self.placed_bytes / 2**30:.2f} GiB already there) "
                f"does not fit in data.device_memory_share={self.share} of {device}'s memory "
                f"({budget / 2**30:.1f} GiB): it is read through a loader on the host"
            )
            (rank_zero_warn if self.setting else rank_zero_info)(message)
            return None
        self.placed_bytes += size
        return device


def nbytes(*tensors: Tensor) -> int:
    return sum(t.numel() * t.element_size() for t in tensors)


def training_device(datamodule) -> torch.device:
    """The device the DataModule's trainer trains on (the CPU before a trainer is attached)."""
    trainer = datamodule.trainer
    return trainer.strategy.root_device if trainer is not None else torch.device("cpu")
