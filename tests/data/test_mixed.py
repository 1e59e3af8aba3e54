"""The student's mixed stream: batch composition, epochs, the transfer walk, ranks and workers."""

import numpy as np
import pytest
import torch
from torch.utils.data import DataLoader

from mimic import batch as keys
from mimic.data.images.mixed import MixedBatches
from mimic.data.images.sources import TransferSource


class Numbered(TransferSource):
    """Transfer image j is filled with the value j % 256 (1 channel, 2 x 2)."""

    def __init__(self, n: int) -> None:
        self.n = n

    def __len__(self) -> int:
        return self.n

    def images(self, indices: np.ndarray, generator=None) -> torch.Tensor:
        return torch.as_tensor(indices % 256, dtype=torch.uint8).view(-1, 1, 1, 1).expand(-1, 1, 2, 2).clone()


def mixed(n_labeled=20, n_transfer=100, batch_size=10, fraction=0.5, world=1) -> MixedBatches:
    labeled = torch.zeros(n_labeled, 1, 2, 2, dtype=torch.uint8)
    labels = torch.arange(n_labeled) % 10
    as_float = lambda p, epochs, index: p.float()  # noqa: E731
    return MixedBatches(labeled, labels, Numbered(n_transfer), batch_size, fraction, as_float, seed=0, world=world)


def epoch(data: MixedBatches, number: int = 0, rank: int = 0) -> list[dict]:
    """The batches of one epoch as ``rank`` takes them."""
    return [data[item] for item in data.epoch_items(number, rank)]


def test_each_batch_mixes_in_the_configured_ratio_and_marks_transfer_samples():
    data = mixed(fraction=0.3)
    batches = epoch(data)
    assert len(batches) == len(data) == 3  # 20 labeled images, 7 per batch
    for batch in batches:
        transfer = batch[keys.INDEX] >= 20
        assert int(transfer.sum()) == 3
        assert (batch[keys.Y][transfer] == keys.NO_LABEL).all() and (batch[keys.Y][~transfer] >= 0).all()
        # the transfer image really is the one its index names
        j = batch[keys.INDEX][transfer] - 20
        torch.testing.assert_close(batch[keys.X][transfer][:, 0, 0, 0], (j % 256).float())


def test_an_epoch_shows_every_labeled_image_and_the_transfer_walk_continues_without_repeats():
    data = mixed(n_labeled=20, n_transfer=60, batch_size=10, fraction=0.5)
    seen = []
    for number in range(3):  # 3 epochs x 4 batches x 5 transfer images = 60: one pass over the transfer set
        shown = torch.cat([b[keys.INDEX] for b in epoch(data, number)])
        assert sorted(shown[shown < 20].tolist()) == list(range(20))
        seen += shown[shown >= 20].tolist()
    assert sorted(seen) == list(range(20, 80))


def test_fraction_none_mixes_in_proportion_and_one_takes_only_transfer_images():
    assert mixed(n_labeled=50, n_transfer=950, batch_size=20, fraction=None).num_transfer == 19
    only = mixed(n_labeled=20, n_transfer=30, batch_size=10, fraction=1.0)
    assert len(only) == 3 and all((b[keys.INDEX] >= 20).all() for b in epoch(only))
    with pytest.raises(ValueError, match=r"transfer_fraction must lie in \[0, 1\]"):
        mixed(fraction=1.5)


def test_in_proportion_an_epoch_shows_every_image_of_both_sets():
    # 9 labeled + 200 transfer, 20 per batch: 19 transfer + 1 labeled per batch. Covering only the labeled
    # set would take 9 batches (171 transfer images, the case of CIFAR's 45k + 1M); both need 11.
    data = mixed(n_labeled=9, n_transfer=200, batch_size=20, fraction=None)
    assert len(data) == 11
    shown = torch.cat([b[keys.INDEX] for b in epoch(data)]).tolist()
    assert set(shown) == set(range(9 + 200))


def test_ranks_take_batches_of_equal_number_that_cover_the_epoch():
    data = mixed(n_labeled=50, batch_size=10, world=3)
    assert len(data) == 12  # 10 batches needed, rounded up to 12: 4 per rank
    batches = [epoch(data, 0, rank) for rank in range(3)]
    assert {len(b) for b in batches} == {4}
    together = torch.cat([b[keys.INDEX] for r in batches for b in r])
    labeled, transfer = together[together < 50].tolist(), together[together >= 50].tolist()
    assert set(labeled) == set(range(50)) and len(labeled) == 60  # 10 topped up from the next pass
    assert len(transfer) == len(set(transfer)) == 60  # ranks never draw the same transfer image


def test_loader_workers_make_the_batches_one_process_makes_also_after_a_resume():
    """Made-up images and augmentation are keyed by (seed, epoch, batch / image): two worker processes,
    and a run that resumes in the middle of epoch 1, see exactly the batches of one uninterrupted process."""
    from mimic.data.augment import KeyedShiftFlip
    from mimic.data.images.made_up import Mixup
    from mimic.data.images.mixed import MixedOrder

    labeled = torch.randint(0, 256, (40, 1, 8, 8), dtype=torch.uint8)
    source = Mixup(num_images=40)
    source.setup(labeled)
    data = MixedBatches(labeled, torch.arange(40) % 10, source, 10, 0.5, KeyedShiftFlip(7, pad=2), seed=0, draw_seed=3)
    alone = epoch(data, 1)
    done = {"batches": 3}
    order = MixedOrder(data, lambda epoch: done["batches"])
    order.set_epoch(1)
    loader = DataLoader(data, batch_size=None, sampler=order, num_workers=2)
    resumed = list(loader)
    assert len(resumed) == len(alone) - 3
    for got, want in zip(resumed, alone[3:], strict=True):
        assert torch.equal(got[keys.INDEX], want[keys.INDEX]) and torch.equal(got[keys.X], want[keys.X])
    # and the draws do change from epoch to epoch
    assert not torch.equal(epoch(data, 0)[0][keys.X], alone[0][keys.X])
