"""CIFAR-10 readers on fixtures written in the official layouts, byte for byte."""

import pickle
from pathlib import Path

import numpy as np
import pytest

from mimic.formats.cifar import read_cifar10
from mimic.formats.safe_pickle import UnsafePickle, load_dataset_pickle
from tests.fixtures.images import PER_BATCH, labels_of, make_cifar


@pytest.mark.parametrize("layout", ["python", "binary"])
def test_both_layouts_give_channels_first_images_and_labels(tmp_path, layout):
    root = make_cifar(tmp_path, layout)
    train_x, train_y = read_cifar10(root, "train")
    test_x, test_y = read_cifar10(root, "test")
    assert train_x.shape == (5 * PER_BATCH, 3, 32, 32) and train_x.dtype == np.uint8
    assert test_x.shape == (PER_BATCH, 3, 32, 32) and test_y.tolist() == labels_of(PER_BATCH, 5)
    assert train_y[:PER_BATCH].tolist() == labels_of(PER_BATCH, 0)
    # image 2 of batch 2, green, row 5, column 9
    assert train_x[PER_BATCH + 2, 1, 5, 9] == (10 + 2 * 7 + 100 + 5 * 3 + 9) % 256


def test_a_truncated_binary_batch_is_an_error_naming_it(tmp_path):
    root = make_cifar(tmp_path, "binary")
    batch = root / "cifar-10-batches-bin" / "data_batch_3.bin"
    batch.write_bytes(batch.read_bytes()[:-100])
    with pytest.raises(ValueError, match=r"data_batch_3\.bin.*not a whole number of 3073-byte records"):
        read_cifar10(root, "train")


def test_a_root_without_cifar_says_what_it_expected(tmp_path):
    with pytest.raises(FileNotFoundError, match="cifar-10-batches-py/"):
        read_cifar10(tmp_path, "train")


class _RunsCode:
    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (Path.touch, (self.marker,))


def test_a_tampered_pickle_is_refused_before_anything_runs(tmp_path):
    root = make_cifar(tmp_path, "python")
    marker = tmp_path / "code-ran"
    batch = root / "cifar-10-batches-py" / "data_batch_1"
    batch.write_bytes(pickle.dumps({b"data": _RunsCode(marker), b"labels": []}, protocol=2))
    with pytest.raises(UnsafePickle, match=r"data_batch_1: refused to load .*could run code"):
        read_cifar10(root, "train")
    assert not marker.exists()


def test_unexpected_content_is_refused_with_what_was_found(tmp_path):
    path = tmp_path / "objects"
    path.write_bytes(pickle.dumps({b"data": np.array([1, "a"], dtype=object)}, protocol=2))
    with pytest.raises(UnsafePickle, match="array of Python objects"):
        load_dataset_pickle(path)
    root = make_cifar(tmp_path / "c", "python")
    (root / "cifar-10-batches-py" / "test_batch").write_bytes(pickle.dumps({b"pixels": 1}, protocol=2))
    with pytest.raises(ValueError, match=r"test_batch: expected a dict with b'data' and b'labels'.*b'pixels'"):
        read_cifar10(root, "test")
    (root / "cifar-10-batches-py" / "test_batch").write_bytes(b"\x80\x02}q\x00")  # cut short
    with pytest.raises(ValueError, match="test_batch: not a readable pickle"):
        read_cifar10(root, "test")
