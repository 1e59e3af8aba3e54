"""Table 2 in miniature: per-seed and pooled McNemar tests, the gap closed per seed, the figure against N."""

from pathlib import Path

import pytest
import torch

from mimic.callbacks.kept_predictions import write_predictions
from mimic.report.label_budget import Budget, label_budget_section, measure
from mimic.report.paired import exact_binomial_two_sided
from mimic.report.rows import Row


def _run(folder: Path, wrong: list[int], n: int = 100) -> Row:
    label = torch.arange(n) % 10
    guess = label.clone()
    guess[wrong] = (label[wrong] + 1) % 10
    write_predictions(folder / "test" / "predictions.npz", torch.arange(n), label, torch.eye(10)[guess])
    return Row(folder.name, folder.name, "baseline", "net", 1, 1, {}, n, 1.0, folder)


def test_each_seed_is_tested_and_the_discordant_counts_are_pooled_over_the_seeds(tmp_path):
    rows = [_run(tmp_path / "teacher", list(range(5)))]
    rows += [_run(tmp_path / f"twin{s}", list(range(20 + s))) for s in range(3)]  # 20, 21, 22 wrong
    rows += [_run(tmp_path / f"mimic{s}", list(range(10, 18))) for s in range(3)]  # 8 wrong, all among the twins'
    budget = Budget(1000, "256L-2048", "teacher", tuple((f"twin{s}", f"mimic{s}") for s in range(3)))
    cell = measure(budget, {r.stage: r for r in rows})
    assert cell.twin_errors == pytest.approx((0.20, 0.21, 0.22)) and cell.mimic_errors == pytest.approx((0.08,) * 3)
    # seed s: the mimic alone is right on 12 + s images, the twin alone on none
    assert cell.p_values == pytest.approx(tuple(exact_binomial_two_sided(0, 12 + s) for s in range(3)))
    assert cell.pooled_p == pytest.approx(exact_binomial_two_sided(0, 12 + 13 + 14))
    assert cell.closed == pytest.approx(((0.20 - 0.08) / 0.15, (0.21 - 0.08) / 0.16, (0.22 - 0.08) / 0.17))

    lines = label_budget_section((budget, Budget(5000, "256L-2048", "teacher", (("twin9", "mimic9"),))), rows, tmp_path)
    text = "\n".join(lines)
    assert "| 1,000 | 256L-2048 | 5.00% | 21.00% (20.00, 21.00, 22.00) | 8.00% (8.00, 8.00, 8.00) |" in text
    assert "Not run yet (their stages are not all done): 5,000 labels, 256L-2048." in text
    assert (tmp_path / "label_budget.png").stat().st_size > 10_000
