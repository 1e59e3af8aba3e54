"""Datasets over a split's cached features: frames for training, whole utterances for scoring."""

import copy

import torch
import torch.distributed as dist
from torch import Tensor
from torch.utils.data import Dataset, IterableDataset, get_worker_info

from mimic import batch as keys
from mimic.data.on_device import nbytes
from mimic.data.timit.features import ContextWindows
from mimic.data.timit.prepare import SplitFeatures


class FrameDataset(Dataset):
    """Frames with their context window; ``__getitems__`` gathers a whole batch at once, and so does
    ``gather`` from a tensor of frames on the device the dataset was moved ``to``."""

    def __init__(self, split: SplitFeatures, context: int) -> None:
        self.windows = ContextWindows(split.features, split.offsets, context)
        self.targets = split.targets

    def __len__(self) -> int:
        return len(self.targets)

    @property
    def nbytes(self) -> int:
        return nbytes(self.windows.features, self.windows.offsets, self.targets)

    def to(self, device: torch.device) -> "FrameDataset":
        moved = copy.copy(self)
        moved.windows, moved.targets = self.windows.to(device), self.targets.to(device)
        return moved

    def draws(self, epoch: int, frames: Tensor) -> None:
        return None  # the features are fixed: nothing is drawn

    def gather(self, frames: Tensor, draws: None = None) -> dict[str, Tensor]:
        x = self.windows(frames)  # (B, W, D) raw features
        return {keys.X: x, keys.Y: self.targets[frames], keys.INDEX: frames}

    def __getitems__(self, indices: list[int]) -> dict[str, Tensor]:
        return self.gather(torch.as_tensor(indices, dtype=torch.long))


class UtteranceBatches(IterableDataset):
    """Batches of whole utterances (up to ``max_frames`` frames each); each DDP rank scores its own share.

    An iterable dataset, so that Lightning adds no DistributedSampler: that sampler pads the last ranks
    with repeated items, which would score some utterances twice. Utterances are dealt to the ranks one
    by one, so every rank gets at least one batch (epoch-end metric syncs need every rank in the loop).
    """

    def __init__(self, split: SplitFeatures, context: int, max_frames: int) -> None:
        self.windows = ContextWindows(split.features, split.offsets, context)  # (``to`` moves them)
        self.split, self.max_frames = split, max_frames
        self.lengths = (split.offsets[1:] - split.offsets[:-1]).tolist()
        # Taken now, in the process that builds the loader: loader workers have no process group to ask.
        self.rank, self.world = _rank_and_world()

    def chunks(self, rank: int = 0, world: int = 1) -> list[list[int]]:
        """This rank's utterances (every ``world``-th), grouped into batches of at most ``max_frames``."""
        if len(self.lengths) < world:
            raise ValueError(f"{len(self.lengths)} utterances cannot give each of {world} processes one to score")
        chunks: list[list[int]] = [[]]
        frames = 0
        for utterance in range(rank, len(self.lengths), world):
            if chunks[-1] and frames + self.lengths[utterance] > self.max_frames:
                chunks.append([])
                frames = 0
            chunks[-1].append(utterance)
            frames += self.lengths[utterance]
        return chunks

    def __len__(self) -> int:
        return len(self.chunks(self.rank, self.world))

    @property
    def nbytes(self) -> int:
        return nbytes(self.windows.features, self.windows.offsets)

    def to(self, device: torch.device) -> "UtteranceBatches":
        """Windows gathered on ``device`` (the rest of a batch is small: Lightning moves it)."""
        moved = copy.copy(self)
        moved.windows = self.windows.to(device)
        return moved

    def __iter__(self):
        chunks = self.chunks(self.rank, self.world)
        worker = get_worker_info()
        if worker is not None:  # workers of one process split its batches
            chunks = chunks[worker.id :: worker.num_workers]
        for chunk in chunks:
            yield self.batch(chunk)

    def batch(self, utterances: list[int]) -> dict[str, Tensor]:
        offsets = self.split.offsets
        frames = torch.cat([torch.arange(offsets[u], offsets[u + 1]) for u in utterances])  # (F,)
        ids = torch.tensor(utterances)
        return {
            keys.X: self.windows(frames.to(self.windows.features.device)),  # (F, W, D) raw features
            keys.Y: self.split.targets[frames],
            keys.INDEX: frames,
            keys.LENGTHS: offsets[ids + 1] - offsets[ids],
            keys.UTTERANCE: ids,
        }


def _rank_and_world() -> tuple[int, int]:
    return (dist.get_rank(), dist.get_world_size()) if dist.is_initialized() else (0, 1)
