"""Epoch orders from (seed, epoch) alone, drawn without touching torch's global generator, and resumable
mid-epoch (alone and as DDP ranks share them)."""

import torch
from torch.utils.data import DataLoader

from mimic.data.epoch_order import EpochShuffle, private_generator


def _items(sampler: EpochShuffle) -> list[int]:
    return list(iter(sampler))


def test_an_epoch_order_depends_on_seed_and_epoch_only():
    first = EpochShuffle(50, seed=3)
    torch.manual_seed(123)  # whatever the global generator does in between
    torch.rand(7)
    again = EpochShuffle(50, seed=3)
    first.set_epoch(2), again.set_epoch(2)
    assert _items(first) == _items(again) and sorted(_items(first)) == list(range(50))
    again.set_epoch(3)
    assert _items(first) != _items(again)
    assert _items(EpochShuffle(50, seed=4)) != _items(EpochShuffle(50, seed=3))
    torch.manual_seed(9)
    assert EpochShuffle(50).seed == 9  # the run's seed_everything by default


def test_a_subset_each_epoch_without_repeats():
    sampler = EpochShuffle(100, per_epoch=30, seed=0)
    epochs = []
    for epoch in range(2):
        sampler.set_epoch(epoch)
        epochs.append(_items(sampler))
    assert all(len(e) == len(set(e)) == 30 for e in epochs) and set(epochs[0]) != set(epochs[1])


def test_loading_an_epoch_leaves_the_global_generator_alone():
    torch.manual_seed(0)
    loader = DataLoader(torch.arange(40), batch_size=8, sampler=EpochShuffle(40), generator=private_generator())
    before = torch.get_rng_state()
    assert torch.cat(list(loader)).sort().values.tolist() == list(range(40))
    assert torch.equal(before, torch.get_rng_state())


def test_a_run_resumed_mid_epoch_gets_the_rest_of_the_epoch_in_the_same_batches():
    done = {"items": 0}
    sampler = EpochShuffle(45, seed=1, items_done=lambda epoch: done["items"])
    whole = list(DataLoader(torch.arange(45), batch_size=8, sampler=sampler))
    done["items"] = 3 * 8  # three batches taken before the kill
    rest = list(DataLoader(torch.arange(45), batch_size=8, sampler=sampler))
    assert [b.tolist() for b in rest] == [b.tolist() for b in whole[3:]]  # the short last batch stays short
    assert len(sampler) == 45  # Lightning counts the epoch's batches from where it stopped


def test_ddp_ranks_share_an_epoch_as_a_distributed_sampler_does_and_resume_their_share():
    sampler = EpochShuffle(45, seed=1)
    order = sampler.order(0).tolist()
    shares = [sampler.share(0, rank, 2).tolist() for rank in range(2)]
    assert shares[0] == order[0::2] and shares[1] == order[1::2] + order[:1]  # padded to 46 with the first
    assert sorted(shares[0] + shares[1]) == sorted(order + order[:1])


def test_the_epoch_progress_counts_its_epoch_and_reads_a_checkpoint_from_before_it_was_kept():
    from mimic.data.epoch_order import EpochProgress

    progress = EpochProgress()
    for _ in range(3):
        progress.count(epoch=2)
    assert progress.batches_in(2) == 3 and progress.batches_in(3) == 0  # a new epoch starts at its beginning
    progress.count(epoch=3)
    assert progress.state() == {"epoch": 3, "batches": 1}
    # a checkpoint of the previous layout: only Lightning's saved loop state knows the position
    older = {"epoch": 4, "loops": {"fit_loop": {"epoch_loop.batch_progress": {"current": {"ready": 7}}}}}
    progress.load_from_lightning(older)
    assert progress.state() == {"epoch": 4, "batches": 7}
