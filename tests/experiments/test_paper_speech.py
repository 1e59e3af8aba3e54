"""``mimic paper-speech --quick``: the hard corpus, its transfer speech and every Table 1 stage, end to end (slow)."""

import csv
import json
from pathlib import Path

import pytest
import yaml

from mimic.cli import main
from mimic.experiments import paper_speech
from mimic.experiments.runner import stage_arguments
from tests.fixtures.synth import needs_espeak

RUNS = Path("runs/paper-speech")


@pytest.mark.slow
@needs_espeak
def test_quick_paper_speech_runs_table_1_with_transfer_speech(in_tmp):
    rows = main(["paper-speech", "--quick"])
    stages = [r.stage for r in rows]
    # each choice stands where its first try did; the paper's L2 mimic is a row of its own
    assert stages[:8] == [
        "cnn_s0",
        "cnn_s1",
        "ensemble",
        "shallow_labels_w4096",
        "l2_mimic_w4096",
        "shallow_mimic_w4096",
        "dnn_labels",
        "shallow_mimic_w8192",  # the larger mimic, with the recipe chosen on dev
    ]
    assert [s for s in stages if "transfer" in s] == ["mimic_transfer_1x", "mimic_transfer_3x", "mimic_transfer_10x"]
    labeled = json.loads((in_tmp / "data/timit-synth-hard-quick/SYNTH.json").read_text())
    assert labeled["settings"]["variability"]["voices"] == "many"
    for multiple in (1, 3, 10):
        made = json.loads((in_tmp / f"data/timit-synth-hard-quick-transfer-{multiple}x/SYNTH.json").read_text())
        assert made["settings"]["transfer_speakers"] == 2 * multiple
    out = in_tmp / "runs/paper-speech"
    with (out / "comparisons.csv").open() as f:
        comparisons = list(csv.DictReader(f))
    twins = [c for c in comparisons if c["relation"] == "twin on labels"]
    # the paper's L2 and the chosen mimic, the narrow mimic, three transfer sizes: each against its twin
    assert len(twins) == 3 + 3
    text = (out / "results.md").read_text()
    assert "| dev PER |" in text  # the tries table: every try of each choice, with the PER that chose
    assert all(f", {name} |" in text for name in (*paper_speech.TWIN_TRIES, *paper_speech.MIMIC_TRIES))
    assert "diagnosis.md" in text and "## Squared logit error" in (out / "diagnosis.md").read_text()
    assert all(c["ci_low"] and c["ci_high"] for c in comparisons)
    # a transfer run trained on labeled and unlabeled frames: its training loader covers both
    assert (out / "mimic_transfer_10x" / "test" / "utterances.npz").is_file()
    assert not (in_tmp / "docs").exists()  # a quick run publishes nothing


def _resolved(args: list[str], capsys) -> dict:
    with pytest.raises(SystemExit):
        main(["fit", *args, "--print_config"])
    return yaml.safe_load(capsys.readouterr().out)


@pytest.mark.parametrize("corpus", ["full", "small"])
def test_every_paper_speech_stage_trains_on_the_hard_corpus_asked(corpus, capsys):
    """The shallow nets borrow the speech demo's configs: each stage must still read the paper's corpus."""
    full = paper_speech.experiment(quick=False, plan=paper_speech.Plan(mimic_of="cnn", corpus=corpus))
    size = paper_speech.CORPUS_SIZES[corpus]
    names = [stage.name for stage in full.stages]
    assert names[0] == "cnn_s0" and names[-2:] == ["cnn_s1", "ensemble"]  # mimicking one CNN: the others last
    assert [n for n in names if n.startswith("mimic_transfer")] == [
        f"mimic_transfer_{m}x" for m in size.transfer_multiples
    ]
    teacher = [str(size.runs / "cnn_s0/checkpoints/best.ckpt")]
    recipe = paper_speech.MIMIC_TRIES[paper_speech.RECIPE]
    for stage in full.stages:
        if not stage.trained:
            continue
        config = _resolved(stage_arguments(full, stage), capsys)
        data = config["data"]["init_args"]
        assert (data["root"], data["cache_dir"]) == (str(size.corpus), f"{size.corpus}/features")
        assert (config["run"]["experiment"], config["run"]["stage"]) == (size.runs.name, stage.name)
        if stage.role == "student":
            assert config["model"]["init_args"]["teacher"]["init_args"]["checkpoints"] == teacher
        if stage.name.startswith("mimic_transfer") or stage.name == "shallow_mimic_w8192":
            assert all(arg in stage.args for arg in recipe)  # the recipe chosen on dev
        if stage.name.startswith("mimic_transfer"):
            assert data["transfer_root"].startswith(f"{size.corpus}-transfer-")
            assert data["epoch_frames"] == "all"  # its steps grow with the transfer speech


def test_students_of_the_ensemble_train_after_both_cnns_for_the_epochs_asked(capsys):
    plan = paper_speech.Plan(mimic_of="ensemble", student_epochs=30)
    full = paper_speech.experiment(quick=False, plan=plan)
    names = [stage.name for stage in full.stages]
    assert names[:3] == ["cnn_s0", "cnn_s1", "ensemble"]  # what the students mimic comes first
    cnns = [str(RUNS / f"cnn_s{seed}/checkpoints/best.ckpt") for seed in (0, 1)]
    for stage in full.stages:
        if not stage.trained:
            continue
        config = _resolved(stage_arguments(full, stage), capsys)
        # the CNNs keep their config's epochs; the fourth tries of twin and mimic train twice as long
        expected = 8 if stage.name.startswith("cnn") else 60 if stage.name.endswith("_x2epochs") else 30
        assert config["trainer"]["max_epochs"] == expected, stage.name
        if stage.role == "student":
            assert config["model"]["init_args"]["teacher"]["init_args"]["checkpoints"] == cnns
            assert stage.teacher == "ensemble" and "CNN ensemble" in stage.model


def test_the_fourth_tries_train_twice_the_configs_epochs_by_default():
    full = paper_speech.experiment(quick=False)
    longer = {stage.name: stage.args for stage in full.stages if stage.name.endswith("_x2epochs")}
    assert sorted(longer) == ["shallow_labels_w4096_dropout04_x2epochs", "shallow_mimic_w4096_kd_t2_labels_x2epochs"]
    assert all(args[-1] == "--trainer.max_epochs=24" for args in longer.values())
    assert not any("max_epochs" in arg for stage in full.stages if stage.name not in longer for arg in stage.args)


def test_transfer_speech_is_made_only_for_the_stages_that_run():
    assert paper_speech.transfer_needed({"cnn_s0", "mimic_transfer_3x"}, (1, 3, 10)) == [3]
    assert paper_speech.transfer_needed({"cnn_s0"}, (1, 3, 10)) == []
    every = {stage.name for stage in paper_speech.experiment(quick=True).stages}
    assert paper_speech.transfer_needed(every, (1, 3, 10)) == [1, 3, 10]


def test_a_bad_epoch_count_is_one_line(capsys):
    with pytest.raises(SystemExit) as exited:
        main(["paper-speech", "--student-epochs", "0"])
    assert exited.value.code == 2
    assert (
        capsys.readouterr().err.strip()
        == "mimic: error: paper-speech: --student-epochs: expected at least 1 epoch, got 0"
    )
