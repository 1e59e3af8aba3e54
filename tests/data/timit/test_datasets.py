import pytest
import torch

from mimic.data.timit import datasets
from mimic.data.timit.datasets import FrameDataset, UtteranceBatches
from mimic.data.timit.prepare import SplitFeatures


def _split(lengths: list[int]) -> SplitFeatures:
    offsets = torch.tensor([0, *lengths]).cumsum(0)
    n = int(offsets[-1])
    return SplitFeatures(
        features=torch.randn(n, 3),
        offsets=offsets,
        targets=torch.randint(0, 183, (n,)),
        phones=torch.zeros(len(lengths), dtype=torch.long),
        phone_offsets=torch.arange(len(lengths) + 1),
        names=[f"s/u{i}" for i in range(len(lengths))],
    )


def test_utterance_batches_keep_utterances_whole_and_ranks_disjoint(monkeypatch):
    split = _split([5, 9, 2, 7, 4, 8, 3])
    seen = []
    for rank in range(2):
        monkeypatch.setattr(datasets, "_rank_and_world", lambda rank=rank: (rank, 2))
        batches = UtteranceBatches(split, context=1, max_frames=10)
        got = list(batches)
        assert len(got) == len(batches)
        for batch in got:
            assert int(batch["lengths"].sum()) == len(batch["x"]) <= max(10, int(batch["lengths"].max()))
            assert batch["x"].shape[1:] == (3, 3)
            seen += batch["utterance"].tolist()
    assert sorted(seen) == list(range(7))  # every utterance scored once, on exactly one rank


def test_loader_workers_score_the_rank_of_the_process_that_built_them(monkeypatch):
    split = _split([5, 9, 2, 7])
    monkeypatch.setattr(datasets, "_rank_and_world", lambda: (1, 2))  # rank 1 of 2 builds the loader
    batches = UtteranceBatches(split, context=1, max_frames=10)
    monkeypatch.undo()  # a worker process has no process group: it would say (0, 1)
    loader = torch.utils.data.DataLoader(batches, batch_size=None, num_workers=1)
    assert sorted(u for batch in loader for u in batch["utterance"].tolist()) == [1, 3]


def test_frame_dataset_gives_raw_windows_that_stop_at_utterance_edges():
    split = _split([4, 6])
    batch = FrameDataset(split, context=2).__getitems__([0, 9])
    assert batch["x"].shape == (2, 5, 3)
    # frame 0 opens utterance 0: its left context repeats it; frame 9 closes utterance 1
    torch.testing.assert_close(batch["x"][0], split.features[[0, 0, 0, 1, 2]])
    torch.testing.assert_close(batch["x"][1], split.features[[7, 8, 9, 9, 9]])
    assert batch["y"].tolist() == split.targets[[0, 9]].tolist()


@pytest.mark.parametrize("max_frames", [1, 100])
def test_chunk_sizes(max_frames):
    batches = UtteranceBatches(_split([5, 9, 2]), 0, max_frames)
    assert sum(len(c) for c in batches.chunks()) == 3
    assert len(batches.chunks()) == (3 if max_frames == 1 else 1)
    assert batches.chunks(rank=1, world=2) == [[1]]
    with pytest.raises(ValueError, match="3 utterances cannot give each of 4 processes"):
        batches.chunks(rank=0, world=4)
