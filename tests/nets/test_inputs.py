"""Input normalisation inside the nets: GCN + ZCA and standardisation, fitted on raw training inputs."""

import torch

from mimic.nets import ShallowNet, build_net
from mimic.nets.inputs import ContrastWhiten, Standardise
from mimic.nets.whitening import ZCAWhitening, global_contrast_normalise


def correlated_images(n: int, seed: int) -> torch.Tensor:
    generator = torch.Generator().manual_seed(seed)
    mixing = torch.randn(48, 48, generator=generator, dtype=torch.float64)
    return (torch.randn(n, 48, generator=generator, dtype=torch.float64) @ mixing).reshape(n, 3, 4, 4) + 100


def test_gcn_gives_zero_mean_images_of_the_same_norm():
    flat = global_contrast_normalise(correlated_images(20, 0))
    torch.testing.assert_close(flat.mean(1), torch.zeros(20, dtype=torch.float64))
    torch.testing.assert_close(flat.norm(dim=1), torch.full((20,), 55.0, dtype=torch.float64))


def test_zca_output_has_near_identity_covariance_on_the_fitting_set():
    flat = global_contrast_normalise(correlated_images(4000, 1))
    zca = ZCAWhitening.fit(flat, eps=1e-6)
    white = zca(flat)
    covariance = white.T @ white / len(white)
    # GCN removes one direction (each image's mean), whose variance stays ~0; every other is 1
    eigenvalues = torch.linalg.eigvalsh(covariance)
    assert eigenvalues[0] < 1e-3 and torch.allclose(eigenvalues[1:], torch.ones(47, dtype=torch.float64), atol=1e-3)
    assert torch.allclose(white.mean(0), torch.zeros(48, dtype=torch.float64), atol=1e-9)
    # ZCA is symmetric: the closest whitening to the identity
    torch.testing.assert_close(zca.matrix, zca.matrix.T)


def test_the_fitted_statistics_round_trip_and_apply_identically_elsewhere():
    train = global_contrast_normalise(correlated_images(500, 2))
    other = global_contrast_normalise(correlated_images(10, 3))
    zca = ZCAWhitening.fit(train)
    again = ZCAWhitening(zca.mean.clone(), zca.matrix.clone())  # what a net's buffers hold
    torch.testing.assert_close(again(other), zca(other))


# --- the input normalisers that nets carry --------------------------------------------------------


def test_contrast_whitening_of_raw_pixels_decorrelates_small_images():
    generator = torch.Generator().manual_seed(0)
    mixing = torch.randn(48, 48, generator=generator)
    pixels = ((torch.rand(3000, 48, generator=generator) @ mixing).reshape(-1, 3, 4, 4) * 20 + 120).clamp(0, 255)
    whiten = ContrastWhiten((3, 4, 4), eps=1e-6)
    assert whiten.needs_fitting
    whiten.fit(pixels.to(torch.uint8).split(1000))  # raw uint8 pixels, in chunks
    assert not whiten.needs_fitting
    white = whiten(pixels.to(torch.uint8)).reshape(3000, 48).double()
    eigenvalues = torch.linalg.eigvalsh(white.T @ white / 3000)
    assert eigenvalues[0] < 1e-2 and torch.allclose(eigenvalues[1:], torch.ones(47, dtype=torch.float64), atol=5e-2)


def test_standardise_is_per_channel_for_images_and_per_feature_for_frames():
    generator = torch.Generator().manual_seed(0)
    images = (torch.rand(500, 3, 4, 4, generator=generator) * torch.tensor([50.0, 100, 200]).view(1, 3, 1, 1)).byte()
    per_channel = Standardise((3, 4, 4))
    per_channel.fit(images.split(128))
    x = per_channel(images)
    assert x.dtype == torch.float32 and per_channel.mean.shape == (3,)
    torch.testing.assert_close(x.mean((0, 2, 3)), torch.zeros(3), atol=1e-4, rtol=0)
    torch.testing.assert_close(x.std((0, 2, 3)), torch.ones(3), atol=1e-3, rtol=0)
    # TIMIT: statistics of the (n, 123) feature rows apply to every frame of a (B, 15, 123) window
    features = torch.randn(2000, 5, generator=generator) * torch.arange(1.0, 6.0) + torch.arange(5.0) * 10
    per_feature = Standardise((3, 5))
    per_feature.fit([features[:1000], features[1000:]])
    torch.testing.assert_close(per_feature.mean, features.mean(0))
    torch.testing.assert_close(per_feature.std, features.std(0))
    windows = features[:30].reshape(10, 3, 5)
    torch.testing.assert_close(per_feature(windows), (windows - features.mean(0)) / features.std(0))


def test_a_net_carries_its_fitted_statistics_in_its_weights_and_takes_raw_inputs():
    net = ShallowNet([1, 4, 4], 3, hidden=8, bottleneck=2)
    pixels = torch.randint(0, 256, (64, 1, 4, 4), dtype=torch.uint8)
    net.inputs.fit([pixels])
    rebuilt = build_net(net.spec())
    assert rebuilt.inputs.needs_fitting
    rebuilt.load_state_dict(net.state_dict())
    assert not rebuilt.inputs.needs_fitting
    torch.testing.assert_close(rebuilt(pixels), net(pixels))
    torch.testing.assert_close(net(pixels), net.classify((pixels.float() - net.inputs.mean) / net.inputs.std))


def test_input_norm_none_only_makes_floats_and_needs_no_fitting():
    net = ShallowNet([1, 4, 4], 3, hidden=8, input_norm="none")
    pixels = torch.randint(0, 256, (5, 1, 4, 4), dtype=torch.uint8)
    assert not net.inputs.needs_fitting
    torch.testing.assert_close(net(pixels), net.classify(pixels.float()))
