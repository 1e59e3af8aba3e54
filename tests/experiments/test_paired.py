"""Paired statistics: the exact McNemar test against a worked example, the gap-closed share, pairing."""

import numpy as np
import pytest
import torch

from mimic.callbacks.kept_predictions import write_predictions
from mimic.report.paired import (
    UnpairedPredictions,
    exact_binomial_two_sided,
    gap_closed,
    mcnemar,
    read_predictions,
)


def _write(path, correct: list[bool], index=None, labels=None):
    n = len(correct)
    label = torch.tensor(labels if labels is not None else [i % 3 for i in range(n)])
    logits = torch.zeros(n, 3)
    guess = torch.where(torch.tensor(correct), label, (label + 1) % 3)
    logits[torch.arange(n), guess] = 1.0
    write_predictions(path, torch.tensor(index if index is not None else list(range(n))), label, logits)
    return read_predictions(path)


def test_exact_binomial_worked_example():
    # 10 discordant pairs split 1 : 9. P(X <= 1) = (1 + 10) / 1024, two-sided 22 / 1024
    assert exact_binomial_two_sided(1, 10) == pytest.approx(22 / 1024)
    assert exact_binomial_two_sided(5, 10) == 1.0 and exact_binomial_two_sided(0, 0) == 1.0
    # 0 : 20 -> 2 / 2^20
    assert exact_binomial_two_sided(0, 20) == pytest.approx(2 / 2**20)


def test_mcnemar_counts_only_the_discordant_samples(tmp_path):
    # A right on all 30; B wrong on 9 of them; 1 sample where B is right and A wrong
    a = [True] * 29 + [False]
    b = [True] * 20 + [False] * 9 + [True]
    result = mcnemar(_write(tmp_path / "a.npz", a), _write(tmp_path / "b.npz", b))
    assert (result.only_a, result.only_b) == (9, 1)
    assert result.p_value == pytest.approx(22 / 1024)


def test_gap_closed_share_on_hand_made_numbers():
    assert gap_closed(student_error=0.09, twin_error=0.10, teacher_error=0.08) == pytest.approx(0.5)
    assert gap_closed(0.08, 0.10, 0.08) == pytest.approx(1.0)
    assert gap_closed(0.11, 0.10, 0.08) == pytest.approx(-0.5)  # worse than on labels
    assert gap_closed(0.09, 0.08, 0.08) is None  # no gap to close


def test_predictions_round_trip_sorted_and_each_sample_once(tmp_path):
    logits = torch.tensor([[0.0, 2.0], [3.0, 1.0], [0.0, 2.0], [1.0, 0.0]])
    # a distributed sampler repeated sample 0 to even out two ranks
    write_predictions(tmp_path / "p.npz", torch.tensor([2, 0, 1, 0]), torch.tensor([1, 0, 1, 0]), logits)
    with np.load(tmp_path / "p.npz") as saved:
        assert saved["index"].tolist() == [0, 1, 2] and saved["label"].tolist() == [0, 1, 1]
        assert saved["argmax"].tolist() == [0, 1, 1] and saved["logits"].shape == (3, 2)
    assert not [p for p in tmp_path.iterdir() if p.name != "p.npz"]  # no temporary file left behind


def test_unpaired_files_are_refused_naming_both(tmp_path):
    a = _write(tmp_path / "a.npz", [True] * 4)
    with pytest.raises(UnpairedPredictions, match=r"a.npz holds 4 test samples but .*b.npz 3"):
        mcnemar(a, _write(tmp_path / "b.npz", [True] * 3))
    with pytest.raises(UnpairedPredictions, match=r"a.npz and .*c.npz predict different test samples"):
        mcnemar(a, _write(tmp_path / "c.npz", [True] * 4, index=[0, 1, 2, 7]))
    with pytest.raises(UnpairedPredictions, match=r"a.npz and .*d.npz give 1 samples different labels"):
        mcnemar(a, _write(tmp_path / "d.npz", [True] * 4, labels=[0, 1, 2, 2]))
    with pytest.raises(FileNotFoundError, match="missing.npz: no predictions; run the stage's `mimic test`"):
        read_predictions(tmp_path / "missing.npz")
