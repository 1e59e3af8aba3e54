"""``mimic demo-speech --quick``: corpus synthesis and every stage of the speech demo, end to end (slow)."""

import csv
import json

import pytest

from mimic.cli import main
from mimic.report.rows import epoch_curve
from tests.fixtures.synth import needs_espeak


@pytest.mark.slow
@needs_espeak
def test_quick_speech_demo_writes_the_per_table(in_tmp):
    rows = main(["demo-speech", "--quick"])
    assert [r.stage for r in rows] == ["cnn_teacher", "shallow_labels", "shallow_mimic"]
    manifest = json.loads((in_tmp / "data/timit-synth-quick/SYNTH.json").read_text())
    assert manifest["settings"]["train_speakers"] == 3
    # the mimic's unlabeled speech: 3x the labeled training speakers, new ones, labelled by the teacher
    transfer = json.loads((in_tmp / "data/timit-synth-quick-transfer-3x/SYNTH.json").read_text())
    assert transfer["settings"]["transfer_speakers"] == 9
    out = in_tmp / "runs/demo-speech"
    table = (out / "results.md").read_text()
    results, comparisons = table.split("\n\nEach teacher")  # the results table, then the paired comparisons
    assert results.count("\n| ") == 4  # header + one row per model
    assert comparisons.count("\n| ") == 3  # header, the teacher's lead over the twin, the mimic against its twin
    assert "PER dev" in table and "on core test: PER" in table and "Quick smoke run" in table
    with (out / "results.csv").open() as f:
        records = list(csv.DictReader(f))
    # the table reports what each stage's own validate and test runs logged
    for row, record in zip(rows, records, strict=True):
        assert float(record["val/per"]) == pytest.approx(row.scores["val/per"])
        logged = epoch_curve(out / row.stage / "test" / "metrics.csv", "test/per")
        assert float(record["test/per"]) == pytest.approx(logged[-1][1])
    labels, mimic = records[1], records[2]
    assert mimic["params"] == labels["params"] and mimic["test/agreement"] and not labels["test/agreement"]
    assert (out / "curves.png").stat().st_size > 10_000
    # the mimic against its twin by the paired bootstrap over the core-test utterances each test run kept
    assert "Bootstrap p" in table and "95% CI of Δ (points)" in table
    with (out / "comparisons.csv").open() as f:
        lead, comparison = list(csv.DictReader(f))
    assert (lead["relation"], comparison["relation"]) == ("teacher's lead", "twin on labels")
    assert lead["other_err"] == comparison["other_err"]  # the same twin
    assert float(comparison["ci_low"]) <= float(comparison["other_err"]) - float(comparison["student_err"])
    assert float(comparison["ci_high"]) >= float(comparison["other_err"]) - float(comparison["student_err"])
    assert float(comparison["student_err"]) == pytest.approx(float(records[2]["test/per"]))
    # a second run reuses the corpus it made (its manifest matches) and every stage (their records match)
    again = main(["demo-speech", "--quick"])
    assert [r.scores["test/per"] for r in again] == [r.scores["test/per"] for r in rows]
