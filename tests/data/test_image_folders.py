"""``ImageFolderDataModule`` and ``mimic data image-folders``: labels from the class folders, the few-labels
and transfer settings as on the built-in corpora, and the corpus written out and read back unchanged."""

import pytest
import torch

from mimic.cli import main
from mimic.data import FashionMNISTDataModule, ImageFolderDataModule
from mimic.data.images import Unlabeled
from tests.fixtures.folders import CLASSES, draw, make_folders


def test_labels_come_from_the_sorted_class_folders(tmp_path):
    root = make_folders(tmp_path, {"train": 4, "val": 2, "test": 3})
    dm = ImageFolderDataModule(str(root / "train"), str(root / "test"), val=str(root / "val"), channels=1)
    assert dm.class_names == CLASSES and dm.in_shape == (1, 12, 12) and dm.num_classes == 3
    assert ImageFolderDataModule.shapes(dict(dm.hparams)) == ((1, 12, 12), 3)
    images, labels = dm.read("test")
    assert labels.tolist() == [0, 0, 0, 1, 1, 1, 2, 2, 2]
    assert torch.equal(images[4], draw(1, 1 + 400))  # "bag", the second image of the test split
    dm.setup("fit")
    assert len(dm.datasets["val"]) == 6 and len(dm.datasets["train"]) == 12  # the val folder, not a hold-out
    key = dm.cache_key()
    (root / "test" / "bag" / "test000.png").write_bytes((root / "test" / "coat" / "test000.png").read_bytes())
    assert (
        ImageFolderDataModule(str(root / "train"), str(root / "test"), val=str(root / "val"), channels=1).cache_key()
        != key
    )
    rgb = ImageFolderDataModule(str(root / "train"), str(root / "test"), channels=3, val_size=3)
    rgb.setup("fit")
    assert rgb.in_shape == (3, 12, 12) and len(rgb.datasets["val"]) == 3


def test_few_labels_and_unlabeled_folders_reach_the_mimic_without_labels(tmp_path):
    root = make_folders(tmp_path, {"train": 10, "test": 2}, unlabeled=7)
    settings = {"channels": 1, "val_size": 6, "labeled_size": 9, "unlabeled": [str(root / "unlabeled")]}
    dm = ImageFolderDataModule(str(root / "train"), str(root / "test"), transfer=Unlabeled(), **settings)
    dm.setup("fit")
    assert len(dm.train_images) == 9 and torch.bincount(dm.train_labels).tolist() == [3, 3, 3]  # stratified
    assert len(dm.transfer) == (30 - 6 - 9) + 7  # the training images left unlabeled, then the folder's
    on_labels = ImageFolderDataModule(str(root / "train"), str(root / "test"), **settings)
    on_labels.setup("fit")
    assert on_labels.unlabeled_images is None  # a net on labels reads no unlabeled image
    listed = sorted((root / "unlabeled").rglob("*.png"))[:3]
    (root / "some.txt").write_text("# three of them\n" + "".join(f"{p.relative_to(root)}\n" for p in listed))
    settings["unlabeled"] = [str(root / "some.txt")]
    from_list = ImageFolderDataModule(str(root / "train"), str(root / "test"), transfer=Unlabeled(), **settings)
    from_list.setup("fit")
    assert len(from_list.transfer) == (30 - 6 - 9) + 3
    (root / "bad.txt").write_text("nowhere.png\n")
    with pytest.raises(FileNotFoundError, match="bad.txt line 1: .*nowhere.png does not exist"):
        ImageFolderDataModule(str(root / "train"), str(root / "test"), unlabeled=[str(root / "bad.txt")])


def test_images_of_another_size_are_refused_naming_the_file(tmp_path):
    root = make_folders(tmp_path, {"train": 3, "test": 1})
    odd = root / "test" / "coat" / "odd.png"
    from tests.fixtures.folders import write_png

    write_png(odd, torch.zeros(1, 10, 12, dtype=torch.uint8))
    dm = ImageFolderDataModule(str(root / "train"), str(root / "test"), channels=1, val_size=2)
    with pytest.raises(ValueError, match=r"odd.png: 12x10 pixels \(width x height\), expected 12x12"):
        dm.setup("fit")
    (root / "train" / "stray.png").write_bytes(odd.read_bytes())
    with pytest.raises(ValueError, match="images outside any class folder"):
        ImageFolderDataModule(str(root / "train"), str(root / "test"))


def test_image_folders_writes_the_corpus_it_reads(in_tmp, fashion_root):
    counts = main(["data", "image-folders", "--root", str(fashion_root), "--out", "png", "--unlabeled", "100"])
    fashion = FashionMNISTDataModule(root=str(fashion_root))
    train, test = fashion.read("train"), fashion.read("test")
    assert counts == {"train": len(train[0]) - 100, "unlabeled": 100, "test": len(test[0])}
    folders = ImageFolderDataModule("png/train", "png/test", unlabeled=["png/unlabeled"], channels=1)
    assert len(folders.class_names) == 10 and folders.class_names[0] == "0-T-shirt-top"
    images, labels = folders.read("test")
    # the same images with the same labels, grouped by class (in their order within each class)
    order = torch.argsort(test[1], stable=True)
    assert torch.equal(labels, test[1][order]) and torch.equal(images, test[0][order])
    assert len(folders.read_unlabeled()) == 100
    with pytest.raises(SystemExit):
        main(["data", "image-folders", "--root", str(fashion_root), "--out", "png"])  # exists: refused
