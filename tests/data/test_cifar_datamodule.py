"""CIFAR10DataModule on fixture batches: splits, raw uint8 batches, training inputs, transfer mixing."""

import numpy as np
import pytest
import torch

from mimic import batch as keys
from mimic.data import CIFAR10DataModule
from mimic.data.images import Munge, TinyImages
from tests.fixtures.images import make_cifar, write_tiny_images

PER_BATCH = 40  # 200 training images, 40 test


@pytest.fixture(scope="module", params=["python", "binary"])
def cifar_root(request, tmp_path_factory):
    return make_cifar(tmp_path_factory.mktemp(f"cifar-{request.param}"), request.param, per_batch=PER_BATCH)


def datamodule(root, **kwargs) -> CIFAR10DataModule:
    args = {"val_size": 40, "batch_size": 16, "eval_batch_size": 50, **kwargs}
    dm = CIFAR10DataModule(str(root), **args)
    dm.setup("fit")
    return dm


def test_seeded_split_and_raw_pixel_batches(cifar_root):
    dm = datamodule(cifar_root)
    assert [len(dm.datasets[s]) for s in ("train", "val", "test")] == [160, 40, 40]
    again = datamodule(cifar_root)
    assert torch.equal(again.train_images, dm.train_images)
    other = datamodule(cifar_root, seed=1)
    assert not torch.equal(other.train_images, dm.train_images)
    batch = next(iter(dm.val_dataloader()))
    # raw pixels: the nets normalise their own inputs
    assert batch[keys.X].shape == (40, 3, 32, 32) and batch[keys.X].dtype == torch.uint8
    assert batch[keys.Y].dtype == torch.int64
    train = next(iter(dm.train_dataloader()))
    assert train[keys.X].dtype == torch.uint8 and torch.equal(train[keys.X], dm.train_images[train[keys.INDEX]])


def test_training_inputs_are_the_labeled_training_images_in_chunks(cifar_root, tmp_path):
    write_tiny_images(tmp_path / "tiny_images.bin", 30)
    tiny = TinyImages(str(tmp_path / "tiny_images.bin"), num_images=30, exclude_cifar=False)
    dm = datamodule(cifar_root, transfer=tiny, transfer_fraction=0.5, augment=True)
    chunks = list(dm.training_inputs())
    # no transfer images and no augmentation: what a net's statistics must describe
    assert torch.equal(torch.cat(chunks), dm.train_images)


def test_transfer_images_are_mixed_into_training_batches(cifar_root, tmp_path):
    write_tiny_images(tmp_path / "tiny_images.bin", 30)
    (tmp_path / "80mn_cifar_idxs.txt").write_text("1\n")
    tiny = TinyImages(str(tmp_path / "tiny_images.bin"), num_images=29)
    dm = datamodule(cifar_root, transfer=tiny, transfer_fraction=0.5)
    batches = list(dm.train_dataloader())
    assert len(batches) == 20  # 160 labeled images, 8 per batch
    index = torch.cat([b[keys.INDEX] for b in batches])
    assert ((index >= 160).sum() == 160) and sorted(index[index < 160].tolist()) == list(range(160))
    assert not dm.random_inputs("train") and "TinyImages(" in dm.hparams.transfer_source
    assert datamodule(cifar_root, transfer=Munge()).random_inputs("train")
    augmented = datamodule(cifar_root, augment=True)
    assert augmented.random_inputs("train") and not augmented.random_inputs("val")


def test_a_transfer_source_of_the_wrong_shape_is_named(cifar_root, tmp_path):
    np.save(tmp_path / "grey.npy", np.zeros((5, 28, 28, 1), np.uint8))
    from mimic.data.images import NumpyImages

    with pytest.raises(ValueError, match=r"NumpyImages\(.*grey\.npy.*shape \(1, 28, 28\).*\(3, 32, 32\)"):
        datamodule(cifar_root, transfer=NumpyImages(str(tmp_path / "grey.npy")), transfer_fraction=0.5)


def test_a_root_without_cifar_is_named(tmp_path):
    with pytest.raises(FileNotFoundError, match=f"no CIFAR-10 under {tmp_path}"):
        CIFAR10DataModule(str(tmp_path)).setup("fit")
