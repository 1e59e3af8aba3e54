import gzip

import numpy as np
import pytest
import torch

from mimic.data import FashionMNISTDataModule
from mimic.formats.idx import IMAGES_MAGIC, LABELS_MAGIC, read_idx
from tests.fixtures.fashion import make_fashion, write_idx


def test_read_idx_roundtrip(tmp_path):
    images = np.arange(2 * 28 * 28, dtype=np.uint8).reshape(2, 28, 28)
    write_idx(tmp_path / "i.gz", images, IMAGES_MAGIC)
    np.testing.assert_array_equal(read_idx(tmp_path / "i.gz", IMAGES_MAGIC), images)


def test_wrong_magic_names_file(tmp_path):
    write_idx(tmp_path / "labels.gz", np.zeros(100, np.uint8), LABELS_MAGIC)
    with pytest.raises(ValueError, match=r"labels.gz: IDX magic number 2049, expected 2051"):
        read_idx(tmp_path / "labels.gz", IMAGES_MAGIC)


def test_truncated_payload(tmp_path):
    write_idx(tmp_path / "i.gz", np.zeros((3, 28, 28), np.uint8), IMAGES_MAGIC)
    raw = gzip.decompress((tmp_path / "i.gz").read_bytes())
    (tmp_path / "cut.gz").write_bytes(gzip.compress(raw[:-100]))
    with pytest.raises(ValueError, match=r"cut.gz: header promises 3 x 28 x 28 = 2352 bytes.*holds 2252"):
        read_idx(tmp_path / "cut.gz", IMAGES_MAGIC)


def test_truncated_gzip(tmp_path):
    write_idx(tmp_path / "i.gz", np.zeros((30, 28, 28), np.uint8), IMAGES_MAGIC)
    data = (tmp_path / "i.gz").read_bytes()
    (tmp_path / "cut.gz").write_bytes(data[: len(data) // 2])
    with pytest.raises(ValueError, match=r"cut.gz: not a complete gzip file"):
        read_idx(tmp_path / "cut.gz", IMAGES_MAGIC)


def test_missing_root_lists_paths_and_remedy(tmp_path):
    with pytest.raises(FileNotFoundError) as err:  # when it is built: before any trainer starts
        FashionMNISTDataModule(root=str(tmp_path / "nowhere"))
    assert str(tmp_path / "nowhere") in str(err.value)
    assert "apt-get install dataset-fashion-mnist" in str(err.value)
    assert "data.download" in str(err.value)


def test_splits_and_raw_batches(fashion_root):
    dm = FashionMNISTDataModule(root=str(fashion_root), val_size=100, batch_size=16, seed=3)
    dm.setup("fit")
    assert [len(dm.datasets[s]) for s in ("train", "val", "test")] == [300, 100, 100]
    assert (dm.num_classes, dm.in_shape) == (10, (1, 28, 28))
    batch = next(iter(dm.train_dataloader()))
    assert batch["x"].shape == (16, 1, 28, 28) and batch["x"].dtype == torch.uint8  # the net normalises
    assert batch["y"].dtype == torch.int64 and batch["index"].shape == (16,)
    torch.testing.assert_close(batch["x"], dm.train_images[batch["index"]])
    assert torch.equal(torch.cat(list(dm.training_inputs())), dm.train_images)
    # the same seed gives the same split; another seed another one
    other = FashionMNISTDataModule(root=str(fashion_root), val_size=100, seed=4)
    other.setup("fit")
    assert not torch.equal(other.datasets["val"].labels, dm.datasets["val"].labels)


def test_single_sample_matches_batch(fashion_root):
    dm = FashionMNISTDataModule(root=str(fashion_root), val_size=50)
    dm.setup("fit")
    ds = dm.datasets["val"]
    sample, batch = ds[7], ds.__getitems__([7, 8])
    torch.testing.assert_close(sample["x"], batch["x"][0])
    assert int(sample["index"]) == 7


def test_augmentation_is_random_declared_and_keyed_by_epoch_and_image(fashion_root):
    dm = FashionMNISTDataModule(root=str(fashion_root), val_size=50, augment=True)
    dm.setup("fit")
    assert dm.random_inputs("train") and not dm.random_inputs("val")
    train = dm.datasets["train"]
    size = len(train)
    epoch0 = train.__getitems__(list(range(32)))
    again = train.__getitems__(list(range(32)))
    epoch1 = train.__getitems__([size + i for i in range(32)])  # the sampler's items carry the epoch
    assert epoch0["x"].shape == (32, 1, 28, 28) and epoch1["index"].tolist() == list(range(32))
    assert torch.equal(epoch0["x"], again["x"])  # the same image in the same epoch: the same draws
    assert not torch.equal(epoch0["x"], epoch1["x"])  # another epoch: other shifts and flips
    assert not torch.equal(epoch0["x"], train.inputs[:32])  # augmented at all


def test_loader_workers_augment_as_one_process_does(fashion_root):
    dm = FashionMNISTDataModule(root=str(fashion_root), val_size=50, augment=True, batch_size=16)
    dm.setup("fit")
    alone = list(dm.train_dataloader())
    dm.hparams.num_workers = 2
    workers = list(dm.train_dataloader())
    assert len(alone) == len(workers)
    for a, b in zip(alone, workers, strict=True):
        assert torch.equal(a["index"], b["index"]) and torch.equal(a["x"], b["x"])


def test_corrupt_file_in_root_is_named(tmp_path):
    root = make_fashion(tmp_path / "fm", n_train=80, n_test=20)
    (root / "t10k-labels-idx1-ubyte.gz").write_bytes(b"not gzip at all")
    dm = FashionMNISTDataModule(root=str(root), val_size=10)
    with pytest.raises(ValueError, match="t10k-labels-idx1-ubyte.gz"):
        dm.setup("fit")
