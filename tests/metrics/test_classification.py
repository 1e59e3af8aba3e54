import math

import pytest
import torch
from torchmetrics.classification import MulticlassAccuracy

from mimic.metrics.classification import Agreement, ErrorRate, RunningMean


def test_error_rate_equals_torchmetrics_accuracy_and_leaves_out_unlabeled_samples():
    generator = torch.Generator().manual_seed(0)
    logits, labels = torch.randn(500, 7, generator=generator), torch.randint(-1, 7, (500,), generator=generator)
    err, reference = ErrorRate(), MulticlassAccuracy(7, average="micro", ignore_index=-1)
    for chunk in range(5):
        rows = slice(100 * chunk, 100 * (chunk + 1))
        err.update(logits[rows], labels[rows])
        reference.update(logits[rows], labels[rows])
    assert err.compute().item() == 1 - reference.compute().item()
    err.reset()
    err.update(logits[:3], torch.full((3,), -1))
    assert math.isnan(err.compute().item())  # no labeled sample: no error rate, not 0 or 1


def test_agreement_counts_equal_argmaxes():
    student = torch.tensor([[1.0, 0], [0, 1], [1, 0]])
    teacher = torch.tensor([[2.0, 1], [3, 1], [0, 5]])
    agreement = Agreement()
    agreement.update(student, teacher)
    assert agreement.compute().item() == pytest.approx(1 / 3)


def test_running_mean_weights_by_batch_size_and_skips_non_finite_values():
    mean = RunningMean()
    mean.update(torch.tensor(1.0), 10)
    mean.update(torch.tensor(float("nan")), 5)
    mean.update(torch.tensor(4.0), 20)
    assert mean.compute().item() == (10 * 1 + 20 * 4) / 30
