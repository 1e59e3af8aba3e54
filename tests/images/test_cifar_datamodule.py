"""CIFAR10DataModule on fixture batches: splits, preprocessing saved and restored, transfer mixing."""

import numpy as np
import pytest
import torch
from mimic.data.images.preprocess import ContrastWhiten

from mimic import batch as keys
from mimic.data import CIFAR10DataModule
from mimic.data.images import Munge, TinyImages
from tests.images.fixtures import make_cifar, write_tiny_images

PER_BATCH = 40  # 200 training images, 40 test


@pytest.fixture(scope="module", params=["python", "binary"])
def cifar_root(request, tmp_path_factory):
    return make_cifar(tmp_path_factory.mktemp(f"cifar-{request.param}"), request.param, per_batch=PER_BATCH)


def datamodule(root, **kwargs) -> CIFAR10DataModule:
    args = {"val_size": 40, "batch_size": 16, "eval_batch_size": 50, "preprocess": "standardise", **kwargs}
    dm = CIFAR10DataModule(str(root), **args)
    dm.setup("fit")
    return dm


def test_seeded_split_and_standardised_batches(cifar_root):
    dm = datamodule(cifar_root)
    assert [len(dm.datasets[s]) for s in ("train", "val", "test")] == [160, 40, 40]
    again = datamodule(cifar_root)
    assert torch.equal(again.train_images, dm.train_images)
    other = datamodule(cifar_root, seed=1)
    assert not torch.equal(other.train_images, dm.train_images)
    x = dm.eval_transform(dm.train_images)  # (160, 3, 32, 32)
    assert x.shape == (160, 3, 32, 32) and x.dtype == torch.float32
    torch.testing.assert_close(x.mean((0, 2, 3)), torch.zeros(3), atol=1e-4, rtol=0)
    torch.testing.assert_close(x.std((0, 2, 3)), torch.ones(3), atol=1e-3, rtol=0)
    batch = next(iter(dm.val_dataloader()))
    assert batch[keys.X].shape == (40, 3, 32, 32) and batch[keys.Y].dtype == torch.int64


def test_gcn_zca_statistics_travel_in_the_state_and_apply_identically(tmp_path):
    root = make_cifar(tmp_path, "python", per_batch=PER_BATCH)
    fitted = datamodule(root, preprocess="gcn_zca")
    restored = CIFAR10DataModule(str(root), val_size=40, preprocess="gcn_zca")
    restored.load_state_dict(fitted.state_dict())
    restored.setup("test")  # a restored DataModule does not refit (and may see another split)
    test_pixels = next(iter(fitted.test_dataloader()))
    test = restored.datasets["test"]
    torch.testing.assert_close(test.transform(test.inputs), test_pixels[keys.X])
    assert fitted.state_dict()["preprocess"] == "gcn_zca" and fitted.state_dict()["matrix"].shape == (3072, 3072)
    with pytest.raises(ValueError, match="preprocessed with 'gcn_zca', but data.preprocess is 'standardise'"):
        CIFAR10DataModule(str(root), preprocess="standardise").load_state_dict(fitted.state_dict())


def test_contrast_whitening_decorrelates_small_images():
    generator = torch.Generator().manual_seed(0)
    mixing = torch.randn(48, 48, generator=generator)
    pixels = ((torch.rand(3000, 48, generator=generator) @ mixing).reshape(-1, 3, 4, 4) * 20 + 120).clamp(0, 255)
    whiten = ContrastWhiten(eps=1e-6).fit(pixels.to(torch.uint8))
    white = whiten(pixels.to(torch.uint8).float() / 255).reshape(3000, 48).double()
    eigenvalues = torch.linalg.eigvalsh(white.T @ white / 3000)
    assert eigenvalues[0] < 1e-2 and torch.allclose(eigenvalues[1:], torch.ones(47, dtype=torch.float64), atol=5e-2)


def test_transfer_images_are_mixed_into_training_batches(cifar_root, tmp_path):
    write_tiny_images(tmp_path / "tiny_images.bin", 30)
    (tmp_path / "80mn_cifar_idxs.txt").write_text("1\n")
    tiny = TinyImages(str(tmp_path / "tiny_images.bin"), num_images=29)
    dm = datamodule(cifar_root, transfer=tiny, transfer_fraction=0.5)
    batches = list(dm.train_dataloader())
    assert len(batches) == 20  # 160 labeled images, 8 per batch
    index = torch.cat([b[keys.INDEX] for b in batches])
    assert ((index >= 160).sum() == 160) and sorted(index[index < 160].tolist()) == list(range(160))
    assert dm.deterministic_inputs("train") and "TinyImages(" in dm.hparams.transfer_source
    assert not datamodule(cifar_root, transfer=Munge()).deterministic_inputs("train")
    assert not datamodule(cifar_root, augment=True).deterministic_inputs("train")


def test_a_transfer_source_of_the_wrong_shape_is_named(cifar_root, tmp_path):
    np.save(tmp_path / "grey.npy", np.zeros((5, 28, 28, 1), np.uint8))
    from mimic.data.images import NumpyImages

    with pytest.raises(ValueError, match=r"NumpyImages\(.*grey\.npy.*shape \(1, 28, 28\).*\(3, 32, 32\)"):
        datamodule(cifar_root, transfer=NumpyImages(str(tmp_path / "grey.npy")), transfer_fraction=0.5)


def test_a_root_without_cifar_is_named(tmp_path):
    with pytest.raises(FileNotFoundError, match=f"no CIFAR-10 under {tmp_path}"):
        CIFAR10DataModule(str(tmp_path)).setup("fit")
