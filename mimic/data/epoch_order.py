"""Training order that a killed run can take up again exactly: each epoch's shuffle is a function of the
seed and the epoch alone, and a run resumed in the middle of an epoch skips what it had already trained on.

The default ``shuffle=True`` draws each epoch's order from torch's global generator when the epoch's
iterator is made, so the order depends on everything drawn before it; a resumed process draws at other
moments (Lightning makes an iterator while it sets up) and would see another order. ``EpochShuffle``
draws from a generator of its own, seeded by (seed, epoch), and the loaders that use it get a private
generator too, so that making an iterator draws nothing from the global one (whose state ``RandomState``
keeps in the checkpoint, for dropout and augmentation).
"""

import math
from collections.abc import Callable

import numpy as np
import torch
import torch.distributed as dist
from torch.utils.data import DataLoader, DistributedSampler


class EpochShuffle(DistributedSampler):
    """``per_epoch`` of ``size`` items an epoch, none twice, in an order fixed by (``seed``, epoch); under
    DDP each rank takes every world-th item of it.

    Args:
        size: items to draw from.
        per_epoch: items an epoch (default: all); fewer gives a fresh random subset each epoch.
        seed: default ``torch.initial_seed()`` at construction: the run's ``seed_everything`` (the same
            on every DDP rank, and again in a resumed process).
        items_done: returns how many items of this rank's share of an epoch were trained on before this
            iteration started (``items_done(epoch)``): non-zero in a run resumed mid-epoch, which then gets
            the rest.
        tag_epoch: yield ``epoch * size + item`` (``untag`` splits it): the dataset, in a loader worker
            too, then knows each item's epoch, which keys its augmentation (``mimic.data.keyed_random``).

    A ``DistributedSampler`` so that Lightning neither swaps it for its own (a ``RandomSampler`` would be,
    losing ``per_epoch`` and the epoch order) nor wraps it; it shards itself, padding the order to a
    multiple of the ranks as a ``DistributedSampler`` does, and Lightning calls ``set_epoch`` on it before
    each epoch, a resumed one included. The order is made on the first item drawn: after Lightning has
    restored a checkpoint's loop state (it makes the first iterator earlier, while setting up).
    """

    def __init__(
        self,
        size: int,
        per_epoch: int | None = None,
        seed: int | None = None,
        items_done: Callable[[int], int] | None = None,
        tag_epoch: bool = False,
    ) -> None:  # DistributedSampler's own __init__ would ask for a process group that may not exist yet
        per_epoch = size if per_epoch is None else per_epoch
        if not 0 < per_epoch <= size:
            raise ValueError(f"EpochShuffle: {per_epoch} items per epoch out of {size}")
        self.size, self.per_epoch = size, per_epoch
        self.seed = torch.initial_seed() if seed is None else seed
        self.items_done = items_done
        self.tag_epoch = tag_epoch
        self.epoch = 0
        self.shuffle, self.drop_last = True, False  # what Lightning reads of a DistributedSampler

    def order(self, epoch: int) -> torch.Tensor:
        """(per_epoch,) item indices of ``epoch``, all ranks together."""
        state = np.random.SeedSequence([self.seed % 2**63, epoch]).generate_state(2, dtype=np.uint32)
        generator = torch.Generator().manual_seed(int(state[0]) << 31 ^ int(state[1]))
        return torch.randperm(self.size, generator=generator)[: self.per_epoch]

    def share(self, epoch: int, rank: int = 0, world: int = 1) -> torch.Tensor:
        """This rank's items of ``epoch``: every world-th of the order padded with its first items."""
        order = self.order(epoch)
        padded = torch.cat([order, order[: -len(order) % world]])  # as DistributedSampler pads
        return padded[rank::world]

    def __len__(self) -> int:
        return math.ceil(self.per_epoch / _rank_and_world()[1])

    def remaining(self) -> torch.Tensor:
        """(n,) this rank's items of the current epoch still to come: all of its share, but in a run
        resumed mid-epoch. Read when the epoch's first batch is asked for (see ``LazyStartLoader``)."""
        share = self.share(self.epoch, *_rank_and_world())
        done = self.items_done(self.epoch) if self.items_done is not None else 0
        return share[done:]

    def __iter__(self):
        rest = self.remaining()
        yield from (tag(self.epoch, rest, self.size) if self.tag_epoch else rest).tolist()


def tag(epoch: int, items: torch.Tensor, size: int) -> torch.Tensor:
    """Items of ``epoch`` as single integers ``epoch * size + item``."""
    return epoch * size + items


def untag(tagged: torch.Tensor, size: int) -> tuple[torch.Tensor, torch.Tensor]:
    """``tag``'s integers -> (epochs, items)."""
    return tagged // size, tagged % size


def _rank_and_world() -> tuple[int, int]:
    if dist.is_available() and dist.is_initialized():
        return dist.get_rank(), dist.get_world_size()
    return 0, 1


def private_generator() -> torch.Generator:
    """For a DataLoader: the seed it draws for each new iterator then comes from here, not from torch's
    global generator, whose state a resumed run must find as the interrupted run left it."""
    return torch.Generator().manual_seed(torch.initial_seed())


class EpochProgress:
    """How many training batches of the current epoch this rank has taken: kept by the DataModule (counted
    as each training batch reaches the device, ``on_after_batch_transfer``) and saved in its checkpoint
    state, so that a run resumed mid-epoch asks its sampler for the rest of the epoch only."""

    def __init__(self) -> None:
        self.epoch, self.batches = -1, 0

    def count(self, epoch: int, batches: int = 1) -> None:
        """``batches`` more training batches of ``epoch``."""
        self.epoch, self.batches = epoch, (self.batches + batches if epoch == self.epoch else batches)

    def batches_in(self, epoch: int) -> int:
        return self.batches if epoch == self.epoch else 0

    def state(self) -> dict[str, int]:
        return {"epoch": self.epoch, "batches": self.batches}

    def load(self, state: dict[str, int]) -> None:
        self.epoch, self.batches = int(state["epoch"]), int(state["batches"])

    def load_from_lightning(self, checkpoint: dict) -> None:
        """The count a checkpoint written before mimic kept its own (its DataModule state has none) holds
        in Lightning's saved loop state: the epoch and the batches its training loop had fetched."""
        progress = checkpoint.get("loops", {}).get("fit_loop", {}).get("epoch_loop.batch_progress", {})
        ready = progress.get("current", {}).get("ready")
        if ready is not None:
            self.epoch, self.batches = int(checkpoint.get("epoch", 0)), int(ready)


def items_done(progress: EpochProgress, per_batch: int) -> Callable[[int], int]:
    """For a sampler: the items an epoch's batches already taken on this rank stand for."""
    return lambda epoch: progress.batches_in(epoch) * per_batch


class LazyStartLoader(DataLoader):
    """A training ``DataLoader`` whose iterator starts on the first batch asked for, not when it is made.

    Lightning makes the first epoch's iterator while it sets up the fit loop, before it calls
    ``set_epoch`` on the sampler and before the epoch loop takes up a restored position; with worker
    processes a ``DataLoader`` fetches its first indices from the sampler at once, so a resumed run would
    draw them for the wrong epoch and position. Starting on the first ``next`` makes loaders with workers
    read the sampler when one without does.
    """

    def __iter__(self):
        return _StartOnFirstBatch(super().__iter__)


class _StartOnFirstBatch:
    def __init__(self, start: Callable[[], object]) -> None:
        self._start, self._iterator = start, None

    def __iter__(self):
        return self

    def __next__(self):
        if self._iterator is None:
            self._iterator = self._start()
        return next(self._iterator)
