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


def test_centred_l2_ignores_a_per_sample_offset_and_is_the_formula_by_hand():
    s, z = torch.randn(5, 4), torch.randn(5, 4)
    offset = torch.randn(5, 1) * 10
    assert mimic_l2_loss(s + offset, z, centre=True).item() == pytest.approx(
        mimic_l2_loss(s, z, centre=True).item(), rel=1e-5
    )
    d = s - z
    expected = sum(sum((d[t, c] - d[t].mean()).item() ** 2 for c in range(4)) for t in range(5)) / (2 * 5)
    assert mimic_l2_loss(s, z, centre=True).item() == pytest.approx(expected, rel=1e-5)
    # the raw L2 does see the offset
    assert mimic_l2_loss(s + offset, z).item() > mimic_l2_loss(s, z).item()


def test_floored_targets_by_hand():
    z = torch.tensor([[10.0, 8.0, -30.0, -50.0]])
    s = torch.tensor([[9.0, 8.0, 5.0, 5.0]])
    # K = 5: the targets become [10, 8, 5, 5]: only the first logit misses, by 1
    assert mimic_l2_loss(s, z, target_floor=5.0).item() == pytest.approx(0.5)
    # the student below the floor is pulled up to it
    assert mimic_l2_loss(torch.tensor([[10.0, 8.0, 3.0, 5.0]]), z, target_floor=5.0).item() == pytest.approx(2.0)
    # a floor below every logit changes nothing
    assert mimic_l2_loss(s, z, target_floor=100.0).item() == pytest.approx(mimic_l2_loss(s, z).item())


def test_the_student_passes_its_loss_options_on():
    from mimic.nets import ShallowNet
    from mimic.tasks import StudentModule

    net = ShallowNet(in_shape=[6], num_classes=4, hidden=8, input_norm="none")
    s, z = torch.randn(3, 4), torch.randn(3, 4) * 5
    batch = {"teacher_logits": z}
    for centre, floor in ((False, None), (True, None), (False, 2.0), (True, 2.0)):
        student = StudentModule(net, centre_logits=centre, target_floor=floor)
        expected = mimic_l2_loss(s, z, centre=centre, target_floor=floor)
        assert student.loss(s, batch).item() == pytest.approx(expected.item())
