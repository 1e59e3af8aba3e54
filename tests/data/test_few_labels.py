"""The few-labels regime (``data.labeled_size``): a stratified, seeded labeled subset; the other training
images reach a mimic unlabeled, and their labels reach no training loss."""

import json
from pathlib import Path

import numpy as np
import pytest
import torch

from mimic.cli import main
from mimic.data import CIFAR10DataModule, FashionMNISTDataModule
from mimic.data.images import Joined, TinyImages, Unlabeled
from mimic.data.images.labeled_subset import stratified_subset
from mimic.nets.checkpoints import load_checkpoint
from tests.fixtures.configs import student_config, teacher_config, write_config
from tests.fixtures.images import make_cifar, write_tiny_images


def test_the_labeled_subset_keeps_each_class_share_and_depends_on_the_seed_alone():
    labels = torch.tensor([0] * 500 + [1] * 300 + [2] * 150 + [3] * 50)
    chosen = stratified_subset(labels, 101, seed=0)
    assert len(chosen) == 101 and torch.equal(chosen, chosen.sort().values) and len(chosen.unique()) == 101
    counts = torch.bincount(labels[chosen], minlength=4).float()
    exact = 101 * torch.tensor([500, 300, 150, 50]) / 1000
    assert ((counts - exact).abs() < 1).all()
    assert torch.equal(chosen, stratified_subset(labels, 101, seed=0))
    assert not torch.equal(chosen, stratified_subset(labels, 101, seed=1))
    for bad in (0, 1001):
        with pytest.raises(ValueError, match="data.labeled_size must be between 1 and 1000"):
            stratified_subset(labels, bad, seed=0)


def test_labeled_size_keeps_n_images_labeled_and_hands_the_rest_to_unlabeled(fashion_root):
    full = FashionMNISTDataModule(root=str(fashion_root), val_size=64)
    full.setup()
    data = FashionMNISTDataModule(root=str(fashion_root), val_size=64, labeled_size=50, transfer=Unlabeled())
    data.setup()
    assert len(data.train_images) == len(data.train_labels) == 50
    assert len(data.transfer) == len(data.unlabeled_images) == len(full.train_images) - 50
    # the same validation split, and the two parts make up the full training split, image for image
    assert torch.equal(data.datasets["val"].inputs, full.datasets["val"].inputs)
    both = torch.cat([data.train_images, data.transfer.images(np.arange(len(data.transfer)))]).flatten(1)
    assert sorted(map(bytes, both.numpy())) == sorted(map(bytes, full.train_images.flatten(1).numpy()))
    assert data.training_size() == len(full.train_images)


def test_unlabeled_without_labeled_size_is_refused_in_one_line(fashion_root):
    data = FashionMNISTDataModule(root=str(fashion_root), val_size=64, transfer=Unlabeled())
    with pytest.raises(ValueError, match="set data.labeled_size"):
        data.setup()


def _fit(work: Path, config: dict, name: str) -> Path:
    main(["fit", "--config", write_config(work / f"{name}.yaml", config)])
    return work / "runs" / "test" / config["run"]["stage"]


def test_a_fit_writes_which_images_kept_their_labels(in_tmp, fashion_root):
    config = teacher_config(fashion_root, stage="few", labeled_size=40)
    split = json.loads((_fit(in_tmp, config, "few") / "labeled.json").read_text())
    assert split["labeled"] == 40 and len(split["labeled_indices"]) == 40
    assert sum(split["per_class"].values()) == 40 and split["unlabeled"] == 400 - 64 - 40
    assert split["settings"]["labeled_size"] == 40


def test_no_label_of_an_unlabeled_image_reaches_the_mimic(in_tmp, fashion_root, teachers, monkeypatch):
    """Garbage in place of every unlabeled image's label: the same mimic, weight for weight.

    The choice of the labeled images is held fixed: stratifying it reads every training label (as the
    few-labels benchmarks do); the point is that after the choice, no other label is used."""
    import mimic.data.image_datamodule as image_datamodule

    choose, chosen = image_datamodule.stratified_subset, []

    def same_choice(labels, size, seed):
        chosen.append(chosen[0] if chosen else choose(labels, size, seed))
        return chosen[-1]

    monkeypatch.setattr(image_datamodule, "stratified_subset", same_choice)

    def config(stage: str) -> dict:
        c = student_config(fashion_root, [str(teachers[0])], stage=stage, cache=True)
        c["data"]["init_args"] |= {"labeled_size": 40, "transfer": {"class_path": "mimic.data.images.Unlabeled"}}
        # KD with hard labels: any label that reached a batch's y would move the weights
        c["model"]["init_args"] |= {"loss": "kd", "hard_label_weight": 0.5}
        c["trainer"] |= {"max_epochs": 2, "deterministic": True}
        return c

    clean = _fit(in_tmp, config("clean"), "clean")
    labeled = set(json.loads((clean / "labeled.json").read_text())["labeled_indices"])
    read = FashionMNISTDataModule.read

    def garbage_labels(self, split):
        images, labels = read(self, split)
        if split == "train":
            others = torch.tensor([i not in labeled for i in range(len(labels))])
            labels = torch.where(others, (labels + 1 + torch.arange(len(labels)) % 9) % 10, labels)
        return images, labels

    monkeypatch.setattr(FashionMNISTDataModule, "read", garbage_labels)
    garbled = _fit(in_tmp, config("garbled"), "garbled")
    weights = [load_checkpoint(run / "checkpoints" / "last.ckpt")["state_dict"] for run in (clean, garbled)]
    assert weights[0].keys() == weights[1].keys()
    assert all(torch.equal(weights[0][k], weights[1][k]) for k in weights[0])


def test_cifar_takes_few_labels_with_its_other_images_and_tiny_images_joined_as_transfer(tmp_path):
    """The paper's setting in miniature: few CIFAR-10 labels; the rest of CIFAR-10 and Tiny Images unlabeled."""
    make_cifar(tmp_path, "python", per_batch=20)  # 100 training images
    write_tiny_images(tmp_path / "tiny_images.bin", 40)
    (tmp_path / "80mn_cifar_idxs.txt").write_text("3\n9\n")
    tiny = TinyImages(str(tmp_path / "tiny_images.bin"), num_images=38)
    data = CIFAR10DataModule(str(tmp_path), val_size=20, labeled_size=30, transfer=Joined([Unlabeled(), tiny]))
    data.setup()
    assert len(data.train_images) == 30 and len(data.transfer) == 50 + 38
    picked = data.transfer.images(np.array([51, 0, 87, 49]))  # (4, 3, 32, 32): from both sources, in order
    assert torch.equal(picked[1], data.unlabeled_images[0]) and torch.equal(picked[3], data.unlabeled_images[49])
    assert torch.equal(picked[0], tiny.images(np.array([1]))[0]) and torch.equal(
        picked[2], tiny.images(np.array([37]))[0]
    )
    joined = (
        {"class_path": "mimic.data.images.Unlabeled"},
        {"class_path": "mimic.data.images.TinyImages", "init_args": {"path": str(tmp_path / "tiny_images.bin")}},
    )
    settings = {
        "root": str(tmp_path),
        "transfer": {"class_path": "mimic.data.images.Joined", "init_args": {"sources": list(joined)}},
    }
    files = CIFAR10DataModule.input_files(settings)
    assert files[-2:] == [tmp_path / "tiny_images.bin", tmp_path / "80mn_cifar_idxs.txt"]  # what a record hashes
