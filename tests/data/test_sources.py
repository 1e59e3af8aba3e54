"""The unlabeled transfer sources, each on a fixture in its real format."""

import pickle

import numpy as np
import pytest
from PIL import Image

from mimic.data.images import ImageFolder, NumpyImages, PickledImages, TinyImages
from mimic.formats.safe_pickle import UnsafePickle
from tests.fixtures.images import usual_image, write_tiny_images


def hwc_images(n: int, offset: int = 0) -> np.ndarray:
    """(n, 32, 32, 3) uint8, image i = usual_image(offset + i)."""
    return np.stack([usual_image(offset + i) for i in range(n)])


def chw(images: np.ndarray) -> np.ndarray:
    return images.transpose(0, 3, 1, 2)


# --- TinyImages --------------------------------------------------------------------------------------


@pytest.fixture
def tiny_dir(tmp_path):
    write_tiny_images(tmp_path / "tiny_images.bin", 20)
    (tmp_path / "80mn_cifar_idxs.txt").write_text("2\n5\n6\n")  # 1-based: images 1, 4, 5 are CIFAR's
    return tmp_path


def test_tiny_images_leave_out_the_cifar_images_and_read_the_pattern(tiny_dir):
    source = TinyImages(str(tiny_dir / "tiny_images.bin"), num_images=17, seed=3)
    assert len(source) == 17
    images = source.images(np.arange(17)).numpy()
    chosen = [next(i for i in range(20) if np.array_equal(img, usual_image(i).transpose(2, 0, 1))) for img in images]
    assert sorted(chosen) == [i for i in range(20) if i not in (1, 4, 5)]


def test_tiny_images_range_and_seeded_choice(tiny_dir):
    path = str(tiny_dir / "tiny_images.bin")
    ranged = TinyImages(path, num_images=4, selection="range", start=3)
    assert ranged._indices.tolist() == [3, 6, 7, 8]  # 4 and 5 are CIFAR images
    a, b = TinyImages(path, num_images=5, seed=1), TinyImages(path, num_images=5, seed=1)
    assert a._indices.tolist() == b._indices.tolist()
    assert not set(a._indices.tolist()) & {1, 4, 5}
    with pytest.raises(ValueError, match=r"num_images must be 1\.\.17"):
        TinyImages(path, num_images=18)


def test_tiny_images_need_the_cifar_index_file_unless_told_otherwise(tmp_path):
    path = write_tiny_images(tmp_path / "tiny_images.bin", 5)
    with pytest.raises(FileNotFoundError, match="80mn_cifar_idxs.txt"):
        TinyImages(str(path), num_images=5)
    assert len(TinyImages(str(path), num_images=5, exclude_cifar=False)) == 5


# --- NumpyImages -------------------------------------------------------------------------------------


def test_npz_parts_are_memory_mapped_and_concatenated(tmp_path):
    np.savez(tmp_path / "part0.npz", X=hwc_images(4), Y=np.zeros(4))
    np.savez(tmp_path / "part1.npz", X=hwc_images(3, offset=4), Y=np.zeros(3))
    source = NumpyImages(str(tmp_path / "part*.npz"))
    assert len(source) == 7 and all(isinstance(a, np.memmap) for a in source._arrays)
    got = source.images(np.array([6, 0, 4, 2])).numpy()
    np.testing.assert_array_equal(got, chw(hwc_images(7)[[6, 0, 4, 2]]))


def test_npy_channels_first_and_a_cap_on_the_count(tmp_path):
    np.save(tmp_path / "x.npy", chw(hwc_images(5)))
    source = NumpyImages(str(tmp_path / "x.npy"), channels_last=False, num_images=3)
    assert len(source) == 3
    np.testing.assert_array_equal(source.images(np.array([2])).numpy(), chw(hwc_images(3)[[2]]))


def test_numpy_images_refuse_what_they_cannot_use(tmp_path):
    np.savez_compressed(tmp_path / "small.npz", X=hwc_images(2))
    with pytest.raises(ValueError, match=r"small\.npz: array 'X' is compressed.*allow_compressed"):
        NumpyImages(str(tmp_path / "small.npz"))
    assert len(NumpyImages(str(tmp_path / "small.npz"), allow_compressed=True)) == 2
    np.save(tmp_path / "float.npy", hwc_images(2).astype(np.float32))
    with pytest.raises(ValueError, match=r"float\.npy: expected uint8 images \(N, H, W, C\), found float32"):
        NumpyImages(str(tmp_path / "float.npy"))
    with pytest.raises(KeyError, match=r"no array 'images'.*\['X'\]"):
        NumpyImages(str(tmp_path / "small.npz"), key="images", allow_compressed=True)
    with pytest.raises(FileNotFoundError, match="missing"):
        NumpyImages(str(tmp_path / "missing*.npz"))


# --- PickledImages (ti_500K) ---------------------------------------------------------------------------


@pytest.mark.parametrize("protocol", [2, 4, 5])
def test_ti_500k_style_pickle_reads_images(tmp_path, protocol):
    content = {"data": hwc_images(3), "extrapolated_targets": np.array([1, 2, 3])}
    (tmp_path / "ti_500K_pseudo_labeled.pickle").write_bytes(pickle.dumps(content, protocol=protocol))
    source = PickledImages(str(tmp_path / "ti_500K_pseudo_labeled.pickle"))
    np.testing.assert_array_equal(source.images(np.array([1, 0])).numpy(), chw(hwc_images(3)[[1, 0]]))


class _RunsCode:
    def __reduce__(self):
        return (print, ("code ran",))


def test_a_tampered_ti_500k_pickle_is_refused(tmp_path):
    (tmp_path / "ti.pickle").write_bytes(pickle.dumps({"data": _RunsCode()}))
    with pytest.raises(UnsafePickle, match=r"ti\.pickle: refused to load builtins\.print"):
        PickledImages(str(tmp_path / "ti.pickle"))
    (tmp_path / "wrong.pickle").write_bytes(pickle.dumps({"images": hwc_images(1)}))
    with pytest.raises(ValueError, match=r"wrong\.pickle: expected 'data'.*no key 'data'"):
        PickledImages(str(tmp_path / "wrong.pickle"))


# --- ImageFolder (CINIC-10) ----------------------------------------------------------------------------


def test_image_folder_reads_png_trees_sorted_by_path(tmp_path):
    images = hwc_images(3)
    for i, name in enumerate(["train/cat/b.png", "train/airplane/a.png", "valid/dog/c.png"]):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        Image.fromarray(images[i]).save(tmp_path / name)
    source = ImageFolder(str(tmp_path))
    assert len(source) == 3
    # sorted: train/airplane/a.png (image 1), train/cat/b.png (image 0), valid/dog/c.png (image 2)
    np.testing.assert_array_equal(source.images(np.array([0, 1, 2])).numpy(), chw(images[[1, 0, 2]]))


def test_image_folder_errors_name_the_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="no images ending in .png"):
        ImageFolder(str(tmp_path))
    Image.fromarray(np.zeros((20, 24, 3), np.uint8)).save(tmp_path / "big.png")
    with pytest.raises(ValueError, match=r"big\.png: 24x20 pixels, expected 32x32"):
        ImageFolder(str(tmp_path)).images(np.array([0]))
    (tmp_path / "big.png").write_bytes(b"not a png")
    with pytest.raises(ValueError, match=r"big\.png: not a readable image"):
        ImageFolder(str(tmp_path)).images(np.array([0]))


def test_memory_mapped_sources_pickle_as_paths_not_content(tiny_dir, tmp_path):
    import pickle

    np.savez(tmp_path / "part0.npz", X=hwc_images(40))
    for source in (TinyImages(str(tiny_dir / "tiny_images.bin"), num_images=10), NumpyImages(str(tmp_path / "*.npz"))):
        data = pickle.dumps(source)  # what a spawned loader worker receives
        assert len(data) < 3072 * 5  # the 40- or 20-image content would be far larger
        copy = pickle.loads(data)
        np.testing.assert_array_equal(copy.images(np.array([3, 1])), source.images(np.array([3, 1])))
