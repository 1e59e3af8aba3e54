"""``mimic demo --quick``: every stage of the real demo, on the tiny fixture, end to end (slow)."""

import csv

import pytest

from mimic.cli import main
from mimic.report.rows import epoch_curve


@pytest.mark.slow
def test_quick_demo_writes_results(in_tmp, fashion_root):
    rows = main(["demo", "--quick", f"--data.init_args.root={fashion_root}"])
    assert [r.stage for r in rows] == [
        "teacher_cnn",
        "teacher_cnn_seed1",
        "ensemble",
        "dnn_labels",
        "shallow_labels",
        "shallow_mimic",
        "conv_shallow_labels",
        "conv_shallow_mimic",
    ]
    out = in_tmp / "runs/demo"
    table = (out / "results.md").read_text()
    results, comparisons = table.split("\n\n| Net |")  # the results table, then the paired comparisons
    assert results.count("\n| ") == 9  # header + one row per model
    assert comparisons.count("(teacher's lead)") == 2  # the ensemble against each student's twin
    assert comparisons.count("(twin on labels)") == 2  # each student against its twin
    assert comparisons.count("(reference)") == 1  # the shallow mimic against the deep MLP of its size
    assert "McNemar p" in comparisons and "Quick smoke run" in table
    with (out / "results.csv").open() as f:
        records = {r["stage"]: r for r in csv.DictReader(f)}
    # the table reports what each stage's own test run logged
    for stage in ("teacher_cnn", "shallow_mimic"):
        logged = epoch_curve(out / stage / "test" / "metrics.csv", "test/err")
        assert float(records[stage]["test/err"]) == pytest.approx(logged[-1][1])
    mimic, labels = records["shallow_mimic"], records["shallow_labels"]
    assert mimic["params"] == labels["params"] and mimic["test/agreement"] and not labels["test/agreement"]
    assert (out / "curves.png").stat().st_size > 10_000
