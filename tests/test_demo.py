"""``mimic demo --quick``: every stage of the real demo, on the tiny fixture, end to end."""

import csv

from mimic.cli import main


def test_quick_demo_writes_results(in_tmp, fashion_root):
    rows = main(["demo", "--quick", f"--data.init_args.root={fashion_root}"])
    assert [r.stage for r in rows] == [
        "teacher_cnn",
        "teacher_cnn_seed1",
        "ensemble",
        "shallow_labels",
        "shallow_mimic",
        "shallow_kd",
        "conv_shallow_mimic",
    ]
    out = in_tmp / "runs/demo"
    table = (out / "results.md").read_text()
    assert table.count("\n| ") == 8  # header + one row per model
    assert "trained on labels: test error" in table and "Quick smoke run" in table
    with (out / "results.csv").open() as f:
        records = list(csv.DictReader(f))
    assert len(records) == 7 and all(0.0 <= float(r["test_err"]) <= 1.0 for r in records)
    mimic, labels = records[4], records[3]
    assert mimic["params"] == labels["params"] and mimic["agreement"]
    assert (out / "curves.png").stat().st_size > 10_000
