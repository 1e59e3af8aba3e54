"""``make bench``'s suite runs end to end at CI size and reports every benchmark's ratio with its target."""

import csv
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_the_suite_reports_every_benchmark_against_its_target(tmp_path):
    table = tmp_path / "suite.csv"
    done = subprocess.run(
        [sys.executable, str(REPO / "benchmarks/suite.py"), "--quick", "--csv", str(table)],
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    with table.open() as f:
        rows = list(csv.DictReader(f))
    assert [r["benchmark"] for r in rows] == [
        "student step",
        "student step",
        "streaming teacher",
        "logit cache",
        "TIMIT loader",
        "Viterbi",
    ]
    for row in rows:
        assert float(row["ratio"]) > 0 and row["target"].split()[0] in (">=", "<=") and row["pass"] in ("True", "False")
    assert "| Viterbi |" in done.stdout
