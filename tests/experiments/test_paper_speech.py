"""``mimic paper-speech --quick``: the hard corpus, its transfer speech and every Table 1 stage, end to end (slow)."""

import csv
import json

import pytest

from mimic.cli import main
from tests.fixtures.synth import needs_espeak


@pytest.mark.slow
@needs_espeak
def test_quick_paper_speech_runs_table_1_with_transfer_speech(in_tmp):
    rows = main(["paper-speech", "--quick"])
    stages = [r.stage for r in rows]
    assert stages[:4] == ["cnn_s0", "cnn_s1", "ensemble", "dnn_labels"]
    assert stages[-3:] == ["mimic_transfer_1x", "mimic_transfer_3x", "mimic_transfer_10x"]
    labeled = json.loads((in_tmp / "data/timit-synth-hard-quick/SYNTH.json").read_text())
    assert labeled["settings"]["variability"]["voices"] == "many"
    for multiple in (1, 3, 10):
        made = json.loads((in_tmp / f"data/timit-synth-hard-quick-transfer-{multiple}x/SYNTH.json").read_text())
        assert made["settings"]["transfer_speakers"] == 2 * multiple
    out = in_tmp / "runs/paper-speech"
    with (out / "comparisons.csv").open() as f:
        comparisons = list(csv.DictReader(f))
    twins = [c for c in comparisons if c["relation"] == "twin on labels"]
    assert len(twins) == 2 + 3  # two widths, three transfer sizes: each against its twin by the bootstrap
    assert all(c["ci_low"] and c["ci_high"] for c in comparisons)
    # a transfer run trained on labeled and unlabeled frames: its training loader covers both
    assert (out / "mimic_transfer_10x" / "test" / "utterances.npz").is_file()
    assert not (in_tmp / "docs").exists()  # a quick run publishes nothing
