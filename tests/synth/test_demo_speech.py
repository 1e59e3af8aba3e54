"""``mimic demo-speech --quick``: corpus synthesis and every stage of the speech demo, end to end."""

import csv
import json

from mimic.cli import main
from tests.synth.conftest import needs_espeak


@needs_espeak
def test_quick_speech_demo_writes_the_per_table(in_tmp):
    rows = main(["demo-speech", "--quick"])
    assert [r.stage for r in rows] == ["dnn_teacher", "shallow_labels", "shallow_mimic"]
    manifest = json.loads((in_tmp / "data/timit-synth-quick/SYNTH.json").read_text())
    assert manifest["settings"]["train_speakers"] == 3
    out = in_tmp / "runs/demo-speech"
    table = (out / "results.md").read_text()
    assert table.count("\n| ") == 4  # header + one row per model
    assert "PER dev" in table and "on core test: PER" in table and "Quick smoke run" in table
    with (out / "results.csv").open() as f:
        records = list(csv.DictReader(f))
    assert all(0.0 <= float(r["dev_per"]) <= 2.0 and 0.0 <= float(r["test_per"]) <= 2.0 for r in records)
    labels, mimic = records[1], records[2]
    assert mimic["params"] == labels["params"] and mimic["agreement"] and not labels["agreement"]
    assert (out / "curves.png").stat().st_size > 10_000
    # a second run reuses the corpus it made (its manifest matches) and the checkpoints (--reuse)
    again = main(["demo-speech", "--quick", "--reuse"])
    assert [r.test_per for r in again] == [r.test_per for r in rows]
