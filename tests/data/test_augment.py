"""Keyed augmentation: each image's shift and flip are a function of its key alone."""

import numpy as np
import torch

from mimic.data.augment import KeyedShiftFlip, shift_flip
from mimic.data.keyed_random import integers, item_keys


def test_draws_depend_on_the_key_alone_and_are_spread_evenly():
    keys = item_keys(7, 3, torch.arange(4000))
    assert np.array_equal(keys[10:20], item_keys(7, 3, torch.arange(10, 20)))  # any subset, any order of calls
    assert not np.array_equal(keys, item_keys(7, 4, torch.arange(4000)))  # another epoch
    assert not np.array_equal(keys, item_keys(8, 3, torch.arange(4000)))  # another seed
    shifts = integers(keys, 0, 5)
    assert set(shifts.tolist()) == {0, 1, 2, 3, 4}
    assert torch.bincount(shifts).min() > 700  # 800 expected in each of the 5
    assert 1850 < int(integers(keys, 2, 2).sum()) < 2150  # about half mirrored


def test_shift_and_flip_move_pixels_as_drawn():
    image = torch.arange(16, dtype=torch.uint8).view(1, 1, 4, 4).repeat(64, 1, 1, 1)
    epochs, indices = torch.zeros(64, dtype=torch.long), torch.arange(64)
    out = KeyedShiftFlip(seed=0, pad=0)(image, epochs, indices)  # no shift: each image as is or mirrored
    mirrored = integers(item_keys(0, 0, indices), 2, 2).bool()
    assert torch.equal(out[mirrored], image[mirrored].flip(-1)) and torch.equal(out[~mirrored], image[~mirrored])
    transform = KeyedShiftFlip(seed=0, pad=1)
    assert torch.equal(transform(image, epochs, indices), transform(image, epochs, indices))


def test_shift_flip_equals_crop_of_the_padded_image_then_mirror():
    generator = torch.Generator().manual_seed(0)
    images = torch.randint(0, 256, (32, 3, 5, 6), dtype=torch.uint8, generator=generator)
    dy, dx = torch.randint(0, 5, (32,), generator=generator), torch.randint(0, 5, (32,), generator=generator)
    mirror = torch.rand(32, generator=generator) < 0.5
    out = shift_flip(images, dy, dx, mirror, pad=2)
    for i in range(32):
        crop = torch.nn.functional.pad(images[i], (2, 2, 2, 2))[:, dy[i] : dy[i] + 5, dx[i] : dx[i] + 6]
        assert torch.equal(out[i], crop.flip(-1) if mirror[i] else crop)


def test_draws_then_apply_equal_the_transform():
    images = torch.randint(0, 256, (16, 1, 8, 8), dtype=torch.uint8)
    epochs, indices = torch.full((16,), 3), torch.arange(100, 116)
    transform = KeyedShiftFlip(seed=5, pad=2)
    draws = transform.draws(epochs, indices)  # (16, 3): what a device-resident split draws once an epoch
    assert draws.shape == (16, 3) and draws.dtype == torch.long
    assert torch.equal(transform.apply(images, draws), transform(images, epochs, indices))
