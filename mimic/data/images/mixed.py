"""A student's training stream: labeled training images (labels unused) mixed with transfer images.

Each batch holds ``round(fraction * B)`` transfer images and the rest labeled ones. An epoch shows every
labeled image (or, with fraction 1, every transfer image) at least once; with ``fraction=None`` (in
proportion to the sizes) it shows every image of *both* sets at least once. Each set is walked in a
seeded order that continues across epochs, and the last batches are topped up from the next pass, so a
few images come twice in one epoch and 1M transfer images are all seen before any repeats even when an
epoch takes only part of them. Transfer samples carry ``y = -1`` (no label; metrics skip them) and
``index = N_labeled + j`` for transfer image j, a key that names the image for the teacher-logit cache.

The plan is a function of (seed, epoch), computed identically by every rank and loader worker; rank r
takes every world-th batch and its workers share those out, so no image is drawn twice and every rank
runs the same number of steps (DDP needs that).
"""

import math
from collections.abc import Callable

import numpy as np
import torch
from torch import Tensor
from torch.utils.data import IterableDataset, get_worker_info

from mimic import batch as keys
from mimic.data.images.sources import TransferSource
from mimic.data.tensor_dataset import Transform


class MixedBatches(IterableDataset):
    """Yields dict batches ``{"x", "y", "index"}`` mixing labeled and transfer images.

    Args:
        labeled: (N, C, H, W) uint8 training images.
        labels: (N,) int64; passed through so that the train error can still be logged on labeled samples.
        source: the transfer images.
        batch_size: images per batch (per rank).
        fraction: share of each batch from ``source``; ``None`` mixes in proportion to the two sizes.
        transform: uint8 pixels (B, C, H, W) -> uint8 pixels (augmentation, or nothing).
        seed: seed of the order; the same on every rank.
        rank: this process's rank, and ``world`` the number of processes.
        position: returns (epoch, batches this rank already took in it), read when an epoch starts: a run
            resumed from a checkpoint continues the epoch's plan where it stopped. Only without loader
            worker processes (it reads the trainer, which does not travel to them); without it each pass
            advances ``epoch`` by one and starts at its first batch.
    """

    def __init__(
        self,
        labeled: Tensor,
        labels: Tensor,
        source: TransferSource,
        batch_size: int,
        fraction: float | None,
        transform: Transform,
        seed: int = 0,
        rank: int = 0,
        world: int = 1,
        position: Callable[[], tuple[int, int]] | None = None,
    ) -> None:
        self.in_proportion = fraction is None
        if fraction is None:
            fraction = len(source) / (len(source) + len(labeled))
        if not 0.0 <= fraction <= 1.0:
            raise ValueError(f"data.transfer_fraction must lie in [0, 1], got {fraction}")
        self.labeled, self.labels, self.source, self.transform = labeled, labels, source, transform
        self.num_transfer = min(batch_size, max(1 if fraction > 0 else 0, round(fraction * batch_size)))
        self.num_labeled = batch_size - self.num_transfer
        self.seed, self.rank, self.world = seed, rank, world
        self.position = position
        self.epoch = 0  # advanced by each pass when there is no ``position``
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
        return self.batches_per_epoch() // self.world

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

    def __iter__(self):
        if self.position is not None:
            epoch, done = self.position()
        else:
            epoch, done = self.epoch, 0
            self.epoch += 1  # each worker's (persistent) copy advances itself
        mine = self.plan(epoch)[self.rank :: self.world][done:]
        worker = get_worker_info()
        if worker is not None:
            mine = mine[worker.id :: worker.num_workers]
        for labeled, transfer in mine:
            yield self.batch(labeled, transfer)

    def batch(self, labeled: np.ndarray, transfer: np.ndarray) -> dict[str, Tensor]:
        labeled_index = torch.from_numpy(labeled)
        pixels = [self.labeled[labeled_index]]  # (L, C, H, W) uint8
        if len(transfer):
            images = self.source.images(transfer)  # (T, C, H, W) uint8
            check_shape(self.source, images, self.labeled.shape[1:])
            pixels.append(images)
        transfer_index = torch.from_numpy(transfer) + len(self.labeled)
        return {
            keys.X: self.transform(torch.cat(pixels)),  # (B, C, H, W)
            keys.Y: torch.cat([self.labels[labeled_index], torch.full((len(transfer),), keys.NO_LABEL)]),
            keys.INDEX: torch.cat([labeled_index, transfer_index]),
        }


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
