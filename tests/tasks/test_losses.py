import math

import pytest
import torch

from mimic.tasks.losses import kd_loss, mimic_l2_loss


def test_mimic_loss_is_the_papers_formula():
    s, z = torch.randn(5, 4), torch.randn(5, 4)
    # 1/(2T) sum_t ||s_t - z_t||^2, written out
    expected = sum(sum((s[t, c] - z[t, c]).item() ** 2 for c in range(4)) for t in range(5)) / (2 * 5)
    assert mimic_l2_loss(s, z).item() == pytest.approx(expected, rel=1e-6)
    assert mimic_l2_loss(z, z).item() == 0.0


def _softmax(row, t):
    e = [math.exp(v / t) for v in row]
    return [v / sum(e) for v in e]


def test_kd_loss_by_hand():
    s = torch.tensor([[1.0, 2.0, 0.5]])
    z = torch.tensor([[3.0, 0.0, 1.0]])
    t = 2.0
    p, q = _softmax(z[0].tolist(), t), _softmax(s[0].tolist(), t)
    kl = sum(pi * math.log(pi / qi) for pi, qi in zip(p, q, strict=True))
    assert kd_loss(s, z, t).item() == pytest.approx(t * t * kl, rel=1e-5)


def test_kd_mixes_hard_labels():
    s, z, y = torch.randn(6, 5), torch.randn(6, 5), torch.randint(0, 5, (6,))
    soft = kd_loss(s, z, 3.0)
    hard = torch.nn.functional.cross_entropy(s, y)
    mixed = kd_loss(s, z, 3.0, labels=y, hard_label_weight=0.25)
    assert mixed.item() == pytest.approx(0.75 * soft.item() + 0.25 * hard.item(), rel=1e-5)
    with pytest.raises(ValueError, match="needs labels"):
        kd_loss(s, z, 3.0, hard_label_weight=0.5)


def test_unlabeled_transfer_samples_are_left_out_of_hard_labels_and_error():
    from mimic.metrics.classification import ErrorRate

    s, z = torch.randn(4, 3), torch.randn(4, 3)
    y = torch.tensor([0, -1, 2, -1])  # -1: a transfer image, no label
    soft = kd_loss(s, z, 2.0)
    hard = torch.nn.functional.cross_entropy(s[[0, 2]], y[[0, 2]])
    assert kd_loss(s, z, 2.0, y, 0.5).item() == pytest.approx(0.5 * soft.item() + 0.5 * hard.item(), rel=1e-5)
    assert kd_loss(s, z, 2.0, torch.full((4,), -1), 0.5).item() == pytest.approx(0.5 * soft.item(), rel=1e-5)
    err = ErrorRate()
    err(torch.tensor([[1.0, 0, 0], [1, 0, 0], [0, 1, 0], [0, 0, 1]]), y)  # right on 0, wrong on 2
    assert err.compute().item() == pytest.approx(0.5)
