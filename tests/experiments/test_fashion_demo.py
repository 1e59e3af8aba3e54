"""``mimic demo --quick``: every stage of the real demo, on the tiny fixture, end to end (slow)."""

import csv

import pytest

from mimic.cli import main
from mimic.report.rows import epoch_curve


@pytest.mark.slow
def test_quick_demo_writes_results(in_tmp, fashion_root):
    rows = main(["demo", "--quick", f"--data.init_args.root={fashion_root}"])
    # each choice's tries stand as one row, the chosen one, where the first try stood
    assert [r.stage for r in rows] == [
        "few_cnn_s0",
        "few_cnn_s1",
        "few_cnn_s2",
        "few_cnn_s3",
        "few_ensemble",
        "few_dnn",
        "few_shallow_labels",
        "few_shallow_mimic",
        "few_conv_labels",
        "few_conv_mimic",
        "teacher_cnn",
        "shallow_labels",
        "shallow_mimic",
    ]
    out = in_tmp / "runs/demo"
    table = (out / "results.md").read_text()
    results, comparisons = table.split("\n\n| Net |")  # the results table, then the paired comparisons
    assert results.split("\n\n")[1].count("\n| ") == 13  # one row per model (after the header)
    assert results.count("| Shallow net on 1,000 labels | ") == 2  # its two tries, chosen on validation
    assert "Ensemble of the 4 CNNs on 1,000 labels (the mimics' teacher) on validation" in results
    assert comparisons.count("(teacher's lead)") == 3  # each teacher against each of its students' twins
    assert comparisons.count("(twin on labels)") == 3  # each student against its twin
    assert comparisons.count("(reference)") == 1  # the few-labels shallow mimic against the deep MLP
    assert "McNemar p" in comparisons and "Quick smoke run" in table
    split = (out / "few_shallow_labels_plain" / "labeled.json").read_text()
    assert split == (out / "few_cnn_s0" / "labeled.json").read_text()  # the same 64 labels for every net
    with (out / "results.csv").open() as f:
        records = {r["stage"]: r for r in csv.DictReader(f)}
    # the table reports what each stage's own test run logged
    assert records["few_shallow_mimic"]["run"] in ("few_shallow_mimic_lr05", "few_shallow_mimic_lr02")
    for stage in ("teacher_cnn", "shallow_mimic", "few_shallow_mimic"):
        logged = epoch_curve(out / records[stage]["run"] / "test" / "metrics.csv", "test/err")
        assert float(records[stage]["test/err"]) == pytest.approx(logged[-1][1])
    mimic, labels = records["shallow_mimic"], records["shallow_labels"]
    assert mimic["params"] == labels["params"] and mimic["test/agreement"] and not labels["test/agreement"]
    assert (out / "curves.png").stat().st_size > 10_000
