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

    def images(self, indices: np.ndarray) -> torch.Tensor:
        return torch.as_tensor(indices % 256, dtype=torch.uint8).view(-1, 1, 1, 1).expand(-1, 1, 2, 2).clone()


def mixed(n_labeled=20, n_transfer=100, batch_size=10, fraction=0.5, rank=0, world=1) -> MixedBatches:
    labeled = torch.zeros(n_labeled, 1, 2, 2, dtype=torch.uint8)
    labels = torch.arange(n_labeled) % 10
    return MixedBatches(
        labeled, labels, Numbered(n_transfer), batch_size, fraction, lambda p: p.float(), seed=0, rank=rank, world=world
    )


def test_each_batch_mixes_in_the_configured_ratio_and_marks_transfer_samples():
    data = mixed(fraction=0.3)
    batches = list(data)
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
    for _ in range(3):  # 3 epochs x 4 batches x 5 transfer images = 60: one pass over the transfer set
        epoch = torch.cat([b[keys.INDEX] for b in data])
        assert sorted(epoch[epoch < 20].tolist()) == list(range(20))
        seen += epoch[epoch >= 20].tolist()
    assert sorted(seen) == list(range(20, 80))


def test_fraction_none_mixes_in_proportion_and_one_takes_only_transfer_images():
    assert mixed(n_labeled=50, n_transfer=950, batch_size=20, fraction=None).num_transfer == 19
    only = mixed(n_labeled=20, n_transfer=30, batch_size=10, fraction=1.0)
    assert len(only) == 3 and all((b[keys.INDEX] >= 20).all() for b in only)
    with pytest.raises(ValueError, match=r"transfer_fraction must lie in \[0, 1\]"):
        mixed(fraction=1.5)


def test_in_proportion_an_epoch_shows_every_image_of_both_sets():
    # 9 labeled + 200 transfer, 20 per batch: 19 transfer + 1 labeled per batch. Covering only the labeled
    # set would take 9 batches (171 transfer images, the case of CIFAR's 45k + 1M); both need 11.
    data = mixed(n_labeled=9, n_transfer=200, batch_size=20, fraction=None)
    assert len(data) == 11
    epoch = torch.cat([b[keys.INDEX] for b in data]).tolist()
    assert set(epoch) == set(range(9 + 200))


def test_ranks_take_batches_of_equal_number_that_cover_the_epoch():
    ranks = [mixed(n_labeled=50, batch_size=10, rank=r, world=3) for r in range(3)]
    assert {len(r) for r in ranks} == {4}  # 10 batches needed, rounded up to 12: 4 per rank
    batches = [list(r) for r in ranks]  # epoch 0 of each rank
    assert {len(b) for b in batches} == {4}
    together = torch.cat([b[keys.INDEX] for r in batches for b in r])
    labeled, transfer = together[together < 50].tolist(), together[together >= 50].tolist()
    assert set(labeled) == set(range(50)) and len(labeled) == 60  # 10 topped up from the next pass
    assert len(transfer) == len(set(transfer)) == 60  # ranks never draw the same transfer image


def test_loader_workers_share_a_rank_s_batches():
    data = mixed(n_labeled=40, batch_size=10)
    alone = torch.cat([b[keys.INDEX] for b in mixed(n_labeled=40, batch_size=10)])
    loader = DataLoader(data, batch_size=None, num_workers=2)
    together = torch.cat([b[keys.INDEX] for b in loader])
    assert together.tolist() == alone.tolist()  # same batches, same order, none twice
