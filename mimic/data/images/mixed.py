"""A student's training stream: labeled training images (labels unused) mixed with transfer images.

Each batch holds ``round(fraction * B)`` transfer images and the rest labeled ones. An epoch shows every
labeled image (or, with fraction 1, every transfer image) at least once; with ``fraction=None`` (in
proportion to the sizes) it shows every image of *both* sets at least once. Each set is walked in a
seeded order that continues across epochs, and the last batches are topped up from the next pass, so a
few images come twice in one epoch and 1M transfer images are all seen before any repeats even when an
epoch takes only part of them. Transfer samples carry ``y = -1`` (no label; metrics skip them) and
``index = N_labeled + j`` for transfer image j, a key that names the image for the teacher-logit cache.

The plan is a function of (seed, epoch), computed identically by every rank and loader worker. The
dataset is map-style over batches: item ``epoch * batches_per_epoch + b`` is batch b of that epoch, and
``MixedOrder``, a sampler in the main process, hands out this rank's batches (every world-th), from
where a resumed run stopped. So no image is drawn twice, every rank runs the same number of steps (DDP
needs that), and a batch is the same whichever worker process makes it; its random draws (augmentation,
made-up images) are keyed by (seed, epoch, batch or image), never by a process's own generator.
"""

import math
from collections.abc import Callable

import numpy as np
import torch
import torch.distributed as dist
from torch import Tensor
from torch.utils.data import Dataset, DistributedSampler

from mimic import batch as keys
from mimic.data.images.sources import TransferSource
from mimic.data.keyed_random import generator as keyed_generator
from mimic.data.tensor_dataset import KeyedTransform


class MixedBatches(Dataset):
    """Dict batches ``{"x", "y", "index"}`` mixing labeled and transfer images; item i is batch
    ``i % batches_per_epoch()`` of epoch ``i // batches_per_epoch()`` (all ranks' batches).

    Args:
        labeled: (N, C, H, W) uint8 training images.
        labels: (N,) int64; passed through so that the train error can still be logged on labeled samples.
        source: the transfer images.
        batch_size: images per batch (per rank).
        fraction: share of each batch from ``source``; ``None`` mixes in proportion to the two sizes.
        transform: (pixels (B, C, H, W), epochs (B,), indices (B,)) -> pixels (augmentation), or ``None``.
        seed: seed of the order; the same on every rank.
        world: the number of processes (the epoch is rounded up to a multiple of it).
        draw_seed: seed of the made-up images' draws; default ``torch.initial_seed()`` (the run's seed).
    """

    def __init__(
        self,
        labeled: Tensor,
        labels: Tensor,
        source: TransferSource,
        batch_size: int,
        fraction: float | None,
        transform: KeyedTransform | None = None,
        seed: int = 0,
        world: int = 1,
        draw_seed: int | None = None,
    ) -> None:
        self.in_proportion = fraction is None
        if fraction is None:
            fraction = len(source) / (len(source) + len(labeled))
        if not 0.0 <= fraction <= 1.0:
            raise ValueError(f"data.transfer_fraction must lie in [0, 1], got {fraction}")
        self.labeled, self.labels, self.source, self.transform = labeled, labels, source, transform
        self.num_transfer = min(batch_size, max(1 if fraction > 0 else 0, round(fraction * batch_size)))
        self.num_labeled = batch_size - self.num_transfer
        self.seed, self.world = seed, world
        self.draw_seed = torch.initial_seed() if draw_seed is None else draw_seed
        self._planned: tuple[int, list[tuple[np.ndarray, np.ndarray]]] | None = None  # (epoch, its plan)
        if len(source) == 0 and self.num_transfer:
            raise ValueError("the transfer source holds no images")

    def batches_per_epoch(self) -> int:
        """For all ranks together, rounded up so that every rank takes the same number of batches."""
        needed = []  # batches each set needs to show all its images once
        if self.num_labeled:
            needed.append(math.ceil(len(self.labeled) / self.num_labeled))
        if self.num_transfer and (self.in_proportion or not self.num_labeled):
            needed.append(math.ceil(len(self.source) / self.num_transfer))
        return math.ceil(max(needed) / self.world) * self.world

    def __len__(self) -> int:
        return self.batches_per_epoch()

    def plan(self, epoch: int) -> list[tuple[np.ndarray, np.ndarray]]:
        """(labeled indices, transfer indices) of every batch of ``epoch``, all ranks."""
        batches = self.batches_per_epoch()
        labeled = _walk(len(self.labeled), self.seed, epoch * batches * self.num_labeled, batches * self.num_labeled)
        transfer = _walk(
            len(self.source), self.seed + 1, epoch * batches * self.num_transfer, batches * self.num_transfer
        )
        return [
            (
                labeled[b * self.num_labeled : (b + 1) * self.num_labeled],
                transfer[b * self.num_transfer : (b + 1) * self.num_transfer],
            )
            for b in range(batches)
        ]

    def epoch_items(self, epoch: int, rank: int = 0, done: int = 0) -> list[int]:
        """The items of ``rank``'s batches of ``epoch`` (every world-th), without the first ``done``."""
        batches = self.batches_per_epoch()
        return [epoch * batches + b for b in range(rank, batches, self.world)][done:]

    def __getitem__(self, item: int) -> dict[str, Tensor]:
        epoch, b = divmod(int(item), self.batches_per_epoch())
        if self._planned is None or self._planned[0] != epoch:  # one plan per epoch, per process
            self._planned = (epoch, self.plan(epoch))
        labeled, transfer = self._planned[1][b]
        return self.batch(labeled, transfer, epoch, b)

    def batch(self, labeled: np.ndarray, transfer: np.ndarray, epoch: int = 0, b: int = 0) -> dict[str, Tensor]:
        labeled_index = torch.from_numpy(labeled)
        pixels = [self.labeled[labeled_index]]  # (L, C, H, W) uint8
        if len(transfer):
            # made-up sources draw from this generator: the same images whichever process makes the batch
            images = self.source.images(transfer, generator=keyed_generator(self.draw_seed, epoch, b))
            check_shape(self.source, images, self.labeled.shape[1:])  # (T, C, H, W) uint8
            pixels.append(images)
        transfer_index = torch.from_numpy(transfer) + len(self.labeled)
        index = torch.cat([labeled_index, transfer_index])
        x = torch.cat(pixels)
        if self.transform is not None:
            x = self.transform(x, torch.full_like(index, epoch), index)
        return {
            keys.X: x,  # (B, C, H, W)
            keys.Y: torch.cat([self.labels[labeled_index], torch.full((len(transfer),), keys.NO_LABEL)]),
            keys.INDEX: index,
        }


class MixedOrder(DistributedSampler):
    """The loader's sampler over ``MixedBatches``: this rank's batches of the current epoch, from where a
    resumed run stopped (``batches_done(epoch)``, the DataModule's count, read when the epoch's iteration
    starts).

    A ``DistributedSampler`` so that Lightning neither replaces nor wraps it (as ``EpochShuffle``); it
    shards itself, and Lightning calls ``set_epoch`` before each epoch, a resumed one included.
    """

    def __init__(self, batches: MixedBatches, batches_done: Callable[[int], int] | None = None) -> None:
        self.batches, self.batches_done = batches, batches_done
        self.epoch = 0
        self.shuffle, self.drop_last = True, False  # what Lightning reads of a DistributedSampler

    def __len__(self) -> int:
        return self.batches.batches_per_epoch() // self.batches.world

    def __iter__(self):
        rank = dist.get_rank() if dist.is_available() and dist.is_initialized() else 0
        done = self.batches_done(self.epoch) if self.batches_done is not None else 0
        yield from self.batches.epoch_items(self.epoch, rank, done)


def check_shape(source: TransferSource, images: Tensor, expected: tuple[int, ...]) -> None:
    """Transfer images must have the training images' (C, H, W)."""
    if tuple(images.shape[1:]) != tuple(expected):
        raise ValueError(
            f"{source!r} gives images of shape {tuple(images.shape[1:])}, but the training images are {tuple(expected)}"
        )


def _walk(size: int, seed: int, start: int, count: int) -> np.ndarray:
    """Positions ``start .. start + count`` of an endless sequence of seeded permutations of ``range(size)``:
    every item once per pass, a fresh order each pass."""
    if count == 0 or size == 0:
        return np.zeros(0, np.int64)
    first, last = start // size, (start + count - 1) // size
    passes = [np.random.default_rng([seed, p]).permutation(size) for p in range(first, last + 1)]
    sequence = np.concatenate(passes)
    offset = start - first * size
    return sequence[offset : offset + count]
