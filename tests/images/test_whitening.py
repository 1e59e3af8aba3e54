import torch
from mimic.data.images.whitening import ZCAWhitening, global_contrast_normalise


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
    again = ZCAWhitening.from_state_dict({k: v.clone() for k, v in zca.state_dict().items()})
    torch.testing.assert_close(again(other), zca(other))
