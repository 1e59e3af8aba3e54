"""Keyed augmentation: each image's shift and flip are a function of its key alone."""

import numpy as np
import torch

from mimic.data.augment import KeyedShiftFlip, keyed_shift_flip
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
    keys = item_keys(0, 0, torch.arange(64))
    out = keyed_shift_flip(image, keys, pad=0, flip=True)  # no shift: each image as is or mirrored
    mirrored = integers(keys, 2, 2).bool()
    assert torch.equal(out[mirrored], image[mirrored].flip(-1)) and torch.equal(out[~mirrored], image[~mirrored])
    transform = KeyedShiftFlip(seed=0, pad=1)
    epochs = torch.zeros(64, dtype=torch.long)
    assert torch.equal(transform(image, epochs, torch.arange(64)), transform(image, epochs, torch.arange(64)))
