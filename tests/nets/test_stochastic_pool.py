import pytest
import torch

from mimic.nets.stochastic_pool import StochasticPool2d


def test_inference_is_the_probability_weighted_average_of_each_region():
    pool = StochasticPool2d(kernel_size=2, stride=2).eval()
    x = torch.tensor([[[[1.0, 3.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [2.0, 2.0, 5.0, 0.0], [2.0, 2.0, 0.0, 0.0]]]])
    expected = torch.tensor([[[[(1 * 1 + 3 * 3) / 4, 0.0], [2.0, 5.0]]]])
    torch.testing.assert_close(pool(x), expected)


def test_inference_matches_a_naive_loop_with_overlapping_regions():
    pool = StochasticPool2d(kernel_size=3, stride=2).eval()
    x = torch.rand(2, 3, 9, 7)
    out = pool(x)
    assert out.shape == (2, 3, 4, 3)
    for i in range(4):
        for j in range(3):
            region = x[:, :, 2 * i : 2 * i + 3, 2 * j : 2 * j + 3].flatten(2)
            torch.testing.assert_close(out[:, :, i, j], (region * region).sum(2) / region.sum(2))


def test_training_draws_each_activation_with_probability_proportional_to_it():
    torch.manual_seed(0)
    pool = StochasticPool2d(kernel_size=2, stride=2).train()
    region = torch.tensor([[1.0, 0.0], [3.0, 4.0]])  # p = 1/8, 0, 3/8, 4/8
    x = region.expand(20000, 1, 2, 2)
    drawn = pool(x).flatten()
    assert set(drawn.unique().tolist()) <= {1.0, 3.0, 4.0}  # always one of the region's values, never 0
    for value, p in ((1.0, 1 / 8), (3.0, 3 / 8), (4.0, 4 / 8)):
        assert (drawn == value).float().mean().item() == pytest.approx(p, abs=0.015)


def test_a_region_of_zeros_gives_zero_and_gradients_reach_the_chosen_activation():
    pool = StochasticPool2d(kernel_size=2, stride=2)
    x = torch.zeros(1, 1, 2, 4)
    x[0, 0, 0, 2] = 2.0
    x.requires_grad_(True)
    out = pool.train()(x)
    assert out.flatten().tolist() == [0.0, 2.0]
    out.sum().backward()
    assert x.grad[0, 0, 0, 2] == 1.0 and x.grad.sum() == 1.0
    assert pool.eval()(x.detach()).flatten().tolist() == [0.0, 2.0]


def test_the_image_cnn_with_stochastic_pooling_has_the_max_pooled_shapes_and_counts_its_units():
    from mimic.nets import ImageCNN, count_hidden_units

    max_pooled = ImageCNN([3, 32, 32], 10, channels=[8, 8, 8], fc=[16], batch_norm=False)
    stochastic = ImageCNN([3, 32, 32], 10, channels=[8, 8, 8], fc=[16], batch_norm=False, pool="stochastic")
    x = torch.rand(4, 3, 32, 32)
    assert stochastic.train()(x).shape == stochastic.eval()(x).shape == (4, 10)
    assert count_hidden_units(stochastic) == count_hidden_units(max_pooled)
    assert stochastic.spec()["init_args"]["pool"] == "stochastic"
    # training draws depend on the random state; inference, the weighted average, does not
    stochastic.eval()
    outputs = []
    for seed in (0, 1):
        torch.manual_seed(seed)
        outputs.append(stochastic(x))
    torch.testing.assert_close(outputs[0], outputs[1])
    pooled = stochastic.features.train()
    drawn = []
    for seed in (0, 1):
        torch.manual_seed(seed)
        drawn.append(pooled(x))
    assert not torch.equal(drawn[0], drawn[1])
