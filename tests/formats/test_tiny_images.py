"""tiny_images.bin read in place, on a fixture written in its column-major record format."""

import numpy as np
import pytest

from mimic.formats.tiny_images import TinyImagesFile, read_excluded
from tests.fixtures.images import usual_image, write_tiny_images


def test_records_come_back_channels_first_rows_then_columns(tmp_path):
    tiny = TinyImagesFile(write_tiny_images(tmp_path / "tiny_images.bin", 7))
    assert len(tiny) == 7
    images = tiny.images(np.array([5, 0, 3]))
    assert images.shape == (3, 3, 32, 32) and images.dtype == np.uint8
    for got, i in zip(images, (5, 0, 3), strict=True):
        np.testing.assert_array_equal(got, usual_image(i).transpose(2, 0, 1))
    # the reference recipe: reshape(32, 32, 3, order="F") is (x, y, channel); transpose to (row, col, channel)
    raw = np.fromfile(tmp_path / "tiny_images.bin", np.uint8)[3072 * 5 : 3072 * 6]
    np.testing.assert_array_equal(raw.reshape(32, 32, 3, order="F").transpose(1, 0, 2), usual_image(5))


def test_a_file_that_is_not_whole_records_is_an_error(tmp_path):
    path = write_tiny_images(tmp_path / "tiny_images.bin", 2)
    path.write_bytes(path.read_bytes() + b"\0" * 10)
    with pytest.raises(ValueError, match=r"tiny_images\.bin: 6154 bytes is not a whole number of 3072-byte"):
        TinyImagesFile(path)


def test_the_cifar_index_file_is_1_based_and_checked_against_the_images(tmp_path):
    (tmp_path / "80mn_cifar_idxs.txt").write_text("1\n4\n7\n")
    assert read_excluded(tmp_path / "80mn_cifar_idxs.txt", 7).tolist() == [0, 3, 6]
    (tmp_path / "80mn_cifar_idxs.txt").write_text("1\n8\n")
    with pytest.raises(ValueError, match=r"80mn_cifar_idxs\.txt: index 8 points outside .* 7 images"):
        read_excluded(tmp_path / "80mn_cifar_idxs.txt", 7)
