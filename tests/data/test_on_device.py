"""Data on the training device: the same batches as the loaders', decided per split, one line when it cannot be."""

import logging
import warnings

import pytest
import torch
from torch.utils.data import DataLoader

from mimic.cli import main
from mimic.data import on_device
from mimic.data.augment import KeyedShiftFlip
from mimic.data.epoch_order import EpochShuffle, LazyStartLoader, private_generator
from mimic.data.on_device import DeviceBatches, DevicePlacement
from mimic.data.tensor_dataset import TensorDictDataset, collate_batch
from mimic.data.timit.datasets import FrameDataset, UtteranceBatches
from tests.data.timit.test_datasets import _split
from tests.fixtures.configs import teacher_config, write_config
from tests.fixtures.timit import make_timit

CPU = torch.device("cpu")


@pytest.fixture(scope="module")
def timit_corpus(tmp_path_factory):
    return make_timit(tmp_path_factory.mktemp("timit") / "TIMIT")


def _loader_batches(dataset, sampler, batch_size):
    loader = LazyStartLoader(
        dataset, batch_size=batch_size, sampler=sampler, generator=private_generator(), collate_fn=collate_batch
    )
    return list(loader)


def _assert_same_batches(expected, got):
    assert len(expected) == len(got)
    for a, b in zip(expected, got, strict=True):
        assert a.keys() == b.keys()
        for key in a:
            assert torch.equal(a[key], b[key]), key


@pytest.mark.parametrize("epoch", [0, 3])
def test_device_windows_equal_the_loaders(epoch):
    frames = FrameDataset(_split([5, 9, 2, 7, 4, 8, 3, 11]), context=3)
    sampler = EpochShuffle(len(frames), seed=7)
    sampler.set_epoch(epoch)
    expected = _loader_batches(frames, sampler, batch_size=6)
    device_batches = DeviceBatches(frames.to(CPU), sampler, batch_size=6, device=CPU)
    got = list(device_batches)
    assert len(got) == len(device_batches) == 9  # 49 frames in batches of 6
    _assert_same_batches(expected, got)


def test_device_batches_resume_mid_epoch_where_the_loader_does():
    frames = FrameDataset(_split([5, 9, 2, 7, 4, 8]), context=1)
    done = {"items": 0}
    sampler = EpochShuffle(len(frames), seed=1, items_done=lambda epoch: done["items"])
    sampler.set_epoch(2)
    whole = list(DeviceBatches(frames, sampler, batch_size=4, device=CPU))
    done["items"] = 3 * 4  # a run killed after 3 batches of this epoch
    _assert_same_batches(whole[3:], list(DeviceBatches(frames, sampler, batch_size=4, device=CPU)))
    _assert_same_batches(whole[3:], _loader_batches(frames, sampler, batch_size=4))


def test_device_images_are_augmented_as_the_loaders_are():
    generator = torch.Generator().manual_seed(0)
    images = torch.randint(0, 256, (50, 1, 8, 8), dtype=torch.uint8, generator=generator)
    dataset = TensorDictDataset(images, torch.arange(50) % 10, KeyedShiftFlip(seed=3, pad=2))
    for epoch in (0, 1):
        tagged = EpochShuffle(len(dataset), seed=5, tag_epoch=True)  # the loader's items carry their epoch
        plain = EpochShuffle(len(dataset), seed=5)
        tagged.set_epoch(epoch)
        plain.set_epoch(epoch)
        expected = _loader_batches(dataset, tagged, batch_size=16)
        _assert_same_batches(expected, list(DeviceBatches(dataset.to(CPU), plain, batch_size=16, device=CPU)))


def test_device_utterance_batches_equal_the_hosts():
    split = _split([5, 9, 2, 7, 4])
    host = UtteranceBatches(split, context=2, max_frames=12)
    _assert_same_batches(list(host), list(host.to(CPU)))


def test_evaluation_batches_of_a_moved_image_split_equal_the_hosts():
    dataset = TensorDictDataset(torch.randint(0, 256, (30, 1, 4, 4), dtype=torch.uint8), torch.arange(30) % 10)
    host = DataLoader(dataset, batch_size=8, collate_fn=collate_batch)
    moved = DataLoader(dataset.to(CPU), batch_size=8, collate_fn=collate_batch)
    _assert_same_batches(list(host), list(moved))


class _Split:
    """A stand-in dataset: records where it was moved."""

    def to(self, device):
        return ("moved to", str(device))


def test_placement_follows_the_setting_on_a_cpu():
    assert DevicePlacement(None, 0.25).dataset_for("train", _Split(), 10, CPU, 0) is None  # auto: GPUs only
    assert DevicePlacement(False, 0.25).dataset_for("train", _Split(), 10, CPU, 0) is None
    placement = DevicePlacement(True, 0.25)
    assert placement.dataset_for("train", _Split(), 10, CPU, 0) == ("moved to", "cpu")
    assert placement.dataset_for("train", object(), 10, CPU, 0) == ("moved to", "cpu")  # copied once, then kept
    with pytest.raises(ValueError, match="data.device_memory_share must lie in"):
        DevicePlacement(None, 0)


def test_placement_on_a_gpu_counts_every_split_against_the_share(monkeypatch, caplog):
    class Properties:
        total_memory = 1000

    monkeypatch.setattr(on_device.torch.cuda, "get_device_properties", lambda device: Properties)
    gpu = torch.device("cuda", 0)
    placement = DevicePlacement(None, 0.5)  # auto: 500 bytes for the data
    assert placement.dataset_for("train", _Split(), 400, gpu, 0) == ("moved to", "cuda:0")
    with caplog.at_level(logging.INFO):
        assert placement.dataset_for("val", _Split(), 200, gpu, 0) is None  # 600 > 500: the val loader stays
    assert "does not fit in data.device_memory_share=0.5" in caplog.text
    asked = DevicePlacement(True, 0.1)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert asked.dataset_for("train", _Split(), 400, gpu, 0) is None  # asked for, cannot: a warning line
    assert len(caught) == 1 and "the train split (0.00 GiB" in str(caught[0].message)


def _fit_twice(in_tmp, config: dict, name: str) -> list:
    """Fit ``config`` with its data on the device and off it; the two fits' modules."""
    fitted = []
    for setting in (False, True):
        config["run"]["stage"] = f"{name}-on-device-{setting}"
        config["data"]["init_args"]["on_device"] = setting
        fitted.append(main(["fit", "--config", write_config(in_tmp / f"{name}-{setting}.yaml", config)]))
    return fitted


def _assert_trained_alike(host, device, validation: str = "val") -> None:
    copies = device.datamodule.device_placement().copies
    assert copies["train@cpu"] is not None and copies[f"{validation}@cpu"] is not None  # the device path was taken
    assert all(copy is None for copy in host.datamodule.device_placement().copies.values())
    host_weights, device_weights = host.model.net.state_dict(), device.model.net.state_dict()
    assert all(torch.equal(host_weights[k], device_weights[k]) for k in host_weights)


def test_an_augmented_image_teacher_trains_alike_with_its_images_on_the_device(in_tmp, fashion_root):
    config = teacher_config(fashion_root, augment=True, train_size=256)
    _assert_trained_alike(*_fit_twice(in_tmp, config, "fashion"))


def test_a_timit_teacher_trains_alike_with_its_features_on_the_device(in_tmp, timit_corpus):
    config = {
        "seed_everything": 0,
        "run": {"experiment": "test", "stage": "timit"},
        "model": {
            "class_path": "mimic.tasks.TeacherModule",
            "init_args": {"net": {"class_path": "mimic.nets.DeepMLP", "init_args": {"hidden": [32], "dropout": 0.1}}},
        },
        "data": {
            "class_path": "mimic.data.TIMITDataModule",
            "init_args": {
                "root": str(timit_corpus),
                "cache_dir": str(in_tmp / "cache"),
                "strict": False,
                "batch_size": 64,
            },
        },
        "trainer": {"max_epochs": 2, "enable_progress_bar": False, "enable_model_summary": False},
    }
    _assert_trained_alike(*_fit_twice(in_tmp, config, "timit"), validation="dev")
