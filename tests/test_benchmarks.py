"""``make bench``'s suite runs end to end at CI size and reports every benchmark's ratio with its target."""

import csv
import os
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
    # two students at CI size, each chunked against the bare loop and against Lightning alone
    assert [r["benchmark"] for r in rows] == [
        *["student step"] * 4,
        "streaming teacher",
        "logit cache",
        "TIMIT loader",
        "Viterbi",
    ]
    for row in rows:
        assert float(row["ratio"]) > 0 and row["target"].split()[0] in (">=", "<=") and row["pass"] in ("True", "False")
    assert "| Viterbi |" in done.stdout
    assert "chunked (K=8) / bare loop, Fashion 256L-2048 (one step per batch:" in done.stdout


@pytest.mark.slow
def test_the_gpu_check_script_runs_and_writes_its_table_on_a_cpu(tmp_path):
    env = {
        **os.environ,
        "QUICK": "1",
        "NO_WHEELS": "1",
        "OUT": str(tmp_path),
        "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}",  # python3: this environment's
    }
    done = subprocess.run(
        ["bash", "benchmarks/gpu_check.sh"], cwd=REPO, env=env, capture_output=True, text=True, timeout=900
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    table = (tmp_path / "gpu_check.md").read_text()
    for stage in ("teacher_cnn", "teacher_cnn_seed1", "shallow_mimic"):
        assert f"| {stage} | " in table and f"| {stage} | failed" not in table
    assert "| Viterbi |" in table
    assert (tmp_path / "runs/demo/shallow_mimic/metrics.csv").is_file()  # the fits wrote under OUT, not the tree
