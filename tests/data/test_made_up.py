"""Made-up transfer images: MUNGE and mixup stay near the training data and differ on every draw."""

import numpy as np
import pytest
import torch

from mimic.data.images import Mixup, Munge


def two_kinds_of_images(n: int = 40) -> torch.Tensor:
    """Half dark images with a bright square, half bright images: (n, 1, 8, 8) uint8."""
    generator = torch.Generator().manual_seed(0)
    dark = torch.randint(0, 30, (n // 2, 1, 8, 8), generator=generator)
    dark[:, :, 2:5, 2:5] = 200
    bright = torch.randint(200, 255, (n - n // 2, 1, 8, 8), generator=generator)
    return torch.cat([dark, bright]).to(torch.uint8)


def test_munge_mixes_an_image_with_a_nearest_neighbour_of_its_own_kind():
    torch.manual_seed(0)
    train = two_kinds_of_images()
    munge = Munge(p=0.5, s=1.0, pool=40)
    munge.setup(train)
    assert len(munge) == 40 and not munge.deterministic
    made = munge.images(np.arange(200))  # (200, 1, 8, 8)
    assert made.shape == (200, 1, 8, 8) and made.dtype == torch.uint8
    # every made-up image stays of one kind: dark ones keep their square, bright ones stay bright
    means = made.float().mean((1, 2, 3))
    assert ((means < 60) | (means > 180)).all()
    # and is new: not a copy of a training image
    copies = (made[:, None] == train[None]).flatten(2).all(-1).any(-1)
    assert copies.float().mean() < 0.05


def test_munge_with_tiny_p_returns_training_images_and_patches_swap_together():
    torch.manual_seed(1)
    train = two_kinds_of_images()
    munge = Munge(p=1e-9)
    munge.setup(train)
    made = munge.images(np.arange(10))
    assert (made[:, None] == train[None]).flatten(2).all(-1).any(-1).all()
    # Two flat images, 0 and 200: each one's neighbour is the other, and with a huge s the drawn value is the
    # neighbour's, so every output pixel says whether its patch was swapped.
    flat = torch.stack([torch.zeros(1, 8, 8), torch.full((1, 8, 8), 200.0)]).to(torch.uint8)
    patches = Munge(p=0.5, s=1e9, patch=4, pool=2)
    patches.setup(flat)
    made = patches.images(np.arange(200)).float()  # (200, 1, 8, 8)
    blocks = made.view(200, 2, 4, 2, 4)  # (n, block row, row in block, block column, column in block)
    assert ((made == 0) | (made == 200)).all()
    assert (blocks == blocks[:, :, :1, :, :1]).all()  # constant within every 4 x 4 patch
    per_image = blocks[:, :, 0, :, 0].flatten(1)  # (n, 4) one value per patch
    assert ((per_image == 0).any(1) & (per_image == 200).any(1)).float().mean() > 0.5  # patches vary
    with pytest.raises(ValueError, match="0 < p <= 1"):
        Munge(p=0.0)


def test_mixup_lies_between_two_training_images():
    torch.manual_seed(2)
    train = torch.stack([torch.zeros(1, 4, 4), torch.full((1, 4, 4), 200.0)]).to(torch.uint8)
    mixup = Mixup(num_images=7, alpha=1.0)
    mixup.setup(train)
    made = mixup.images(np.arange(500))
    assert len(mixup) == 7
    # each image is constant (both sources are) and spans the whole range between them over 500 draws
    assert (made == made[:, :, :1, :1]).all()
    values = made[:, 0, 0, 0].float()
    assert values.min() < 20 and values.max() > 180 and 60 < values.mean() < 140


def test_made_up_sources_need_the_training_images_first():
    with pytest.raises(RuntimeError, match="setup"):
        len(Mixup())


def test_shifted_views_are_fixed_shifted_copies_of_the_training_images():
    from mimic.data.images import ShiftedViews

    train = torch.zeros(3, 1, 6, 6, dtype=torch.uint8)
    train[:, 0, 2, 2] = torch.tensor([10, 20, 30], dtype=torch.uint8)  # one bright pixel, its value names the image
    views = ShiftedViews(copies=4, pad=1, seed=5)
    views.setup(train)
    assert len(views) == 12 and views.deterministic
    first, again = views.images(np.arange(12)), views.images(np.arange(12))
    assert torch.equal(first, again)  # an index always gives the same view: its teacher logits can be cached
    for j in range(12):
        (y, x) = (first[j, 0] > 0).nonzero()[0].tolist()
        assert first[j, 0, y, x] == 10 * (j % 3 + 1)  # view j shows training image j % 3
        assert abs(y - 2) <= 1 and (abs(x - 2) <= 1 or abs(x - 3) <= 1)  # moved by at most 1 (or mirrored)
    assert len({tuple((v[0] > 0).nonzero()[0].tolist()) for v in first}) > 1  # the views differ
    other = ShiftedViews(copies=4, pad=1, seed=6)
    other.setup(train)
    assert not torch.equal(other.images(np.arange(12)), first)
