"""The one report writer: tables from the experiments' scorings, students against their label twins."""

import csv
from dataclasses import replace
from pathlib import Path

import pytest
import torch

from mimic.callbacks.kept_predictions import write_predictions
from mimic.experiments.fashion_demo import DEMO
from mimic.experiments.speech_demo import SPEECH_DEMO
from mimic.report.page import effect_sentence, write_report
from mimic.report.rows import Row, epoch_curve
from mimic.run_folder import RunFolder
from mimic.stage_record import StageRecord, config_hash


def _row(stage: str, role: str, arch: str, scores: dict, run_dir: Path, count: int = 10_000, **links) -> Row:
    return Row(stage, stage, role, arch, 100, 10, scores, count=count, minutes=1.0, run_dir=run_dir, **links)


def test_effect_sentence_compares_each_student_with_the_same_net_on_labels(tmp_path):
    rows = [
        _row("labels", "baseline", "256L-2048", {"test/err": 0.1050}, tmp_path),
        _row("conv", "student", "32c-p-256L-2048", {"test/err": 0.0800}, tmp_path),
        _row("mimic", "student", "256L-2048", {"test/err": 0.1000}, tmp_path, twin="labels"),
    ]
    text = effect_sentence(DEMO.scoring, rows)
    assert "mimic on test: error 10.00%, 0.50 points lower than the same net (256L-2048)" in text
    assert "8.00%" not in text  # the conv student has no label-trained twin here
    assert "0.31 points, 10,000 test images" in text  # sqrt(0.105 * 0.895 / 10000)


def test_per_tables_compare_dev_and_core_test_and_scale_by_phones(tmp_path):
    scores = {"val/per": 0.30, "test/per": 0.32, "test/err": 0.5}
    rows = [
        _row("labels", "baseline", "250L-2048", scores, tmp_path, count=2000),
        _row(
            "mimic",
            "student",
            "250L-2048",
            {**scores, "val/per": 0.31, "test/per": 0.29},
            tmp_path,
            2000,
            twin="labels",
        ),
    ]
    text = effect_sentence(SPEECH_DEMO.scoring, rows)
    assert "on dev: PER 31.00%, 1.00 points higher" in text
    assert "on core test: PER 29.00%, 3.00 points lower" in text
    assert "2,000 reference phones" in text


def _predictions(run_dir: Path, wrong: list[int], n: int = 40) -> None:
    """A test run's kept predictions: right on every sample but those in ``wrong``."""
    label = torch.arange(n) % 10
    guess = label.clone()
    guess[wrong] = (label[wrong] + 1) % 10
    write_predictions(run_dir / "test" / "predictions.npz", torch.arange(n), label, torch.eye(10)[guess])


def test_report_writes_the_table_the_paired_comparisons_csv_and_curves(tmp_path):
    (tmp_path / "metrics.csv").write_text("epoch,step,train/err,val/err\n0,9,0.5,\n0,9,,0.4\n1,19,0.25,\n1,19,,0.3\n")
    runs = {name: tmp_path / name for name in ("teacher", "labels", "mimic")}
    for name, wrong in (("teacher", [0]), ("labels", list(range(1, 12))), ("mimic", [0, 1, 2])):
        _predictions(runs[name], wrong)
        (runs[name] / "metrics.csv").write_text((tmp_path / "metrics.csv").read_text())
    links = {"twin": "labels", "teacher": "teacher"}
    rows = [
        _row("teacher", "teacher", "cnn", {"test/err": 0.025}, runs["teacher"]),
        _row("labels", "baseline", "256L-2048", {"test/err": 0.2, "train/err": 0.25}, runs["labels"]),
        _row("mimic", "student", "256L-2048", {"test/err": 0.1, "test/agreement": 0.9}, runs["mimic"], **links),
    ]
    out = tmp_path / "out"
    path = write_report(replace(DEMO, runs=out, published=tmp_path / "published").report, rows, minutes=3.0)
    table = path.read_text()
    assert "| mimic | 256L-2048 | 100 | 10 |  | 10.00% |  | 90.00% |" in table  # no val/err here
    with (out / "results.csv").open() as f:
        records = list(csv.DictReader(f))
    assert [r["test/err"] for r in records] == ["0.025", "0.2", "0.1"] and records[2]["test/agreement"] == "0.9"
    assert (out / "curves.png").stat().st_size > 5_000
    assert (tmp_path / "published" / "results.md").read_text() == table  # never into the repository's docs/
    # from the kept predictions: mimic 3/40 wrong, its twin 11/40, the teacher 1/40; the mimic alone is
    # right on 9 samples the twin gets wrong, the twin alone on 1 (sample 0): p = 22 / 1024
    assert "| mimic | labels (twin on labels) | 7.50% | 27.50% | +20.00 | 80% | 9 / 1 | 0.021 |" in table
    with (out / "comparisons.csv").open() as f:
        lead, comparison = list(csv.DictReader(f))
    assert lead["relation"] == "teacher's lead"
    assert (float(lead["student_err"]), float(lead["other_err"])) == pytest.approx((0.025, 0.275))  # 1 and 11 of 40
    assert float(comparison["p"]) == pytest.approx(22 / 1024) and float(comparison["gap_closed"]) == pytest.approx(0.8)


def test_epoch_curve_reads_csv_logger_rows(tmp_path):
    (tmp_path / "metrics.csv").write_text("epoch,step,train/err,val/err\n0,9,0.5,\n0,9,,0.4\n1,19,,0.3\n")
    assert epoch_curve(tmp_path / "metrics.csv", "val/err") == [(0, 0.4), (1, 0.3)]
    assert epoch_curve(tmp_path / "missing.csv", "val/err") == []


def test_the_runner_refuses_to_skip_a_stage_it_does_not_have(capsys):
    from mimic.experiments.runner import run_experiment

    with pytest.raises(SystemExit):
        run_experiment(DEMO, ["--skip", "shallow_mimic,no_such_stage"])
    assert "--skip: no stage named no_such_stage" in capsys.readouterr().err


def test_a_stage_without_kept_predictions_is_named_with_the_command_that_makes_them(tmp_path):
    from mimic.report.comparisons import paired_comparisons

    _predictions(tmp_path / "labels", [1])
    rows = [
        _row("labels", "baseline", "256L-2048", {"test/err": 0.1}, tmp_path / "labels"),
        _row("mimic", "student", "256L-2048", {"test/err": 0.1}, tmp_path / "mimic", twin="labels"),
    ]
    with pytest.raises(
        FileNotFoundError, match=r"stage mimic: no .*mimic/test/predictions.npz; make it with `mimic test"
    ):
        paired_comparisons(rows)


def test_every_row_shows_its_inference_cost_beside_its_accuracy(tmp_path):
    """The report reads the costs `mimic speed` measured over the stages' folders, the teacher first."""
    from mimic.cli import main
    from mimic.nets import DeepMLP, ShallowNet
    from tests.test_export import checkpoint, fitted

    runs = {name: tmp_path / name for name in ("teacher", "mimic", "untimed")}
    checkpoint(fitted(DeepMLP([1, 28, 28], 10, hidden=[64, 64])), _ckpt(runs["teacher"]))
    checkpoint(fitted(ShallowNet([1, 28, 28], 10, hidden=16, bottleneck=4)), _ckpt(runs["mimic"]))
    out = tmp_path / "out"
    timed = [str(runs["teacher"]), str(runs["mimic"])]
    main(["speed", *timed, "--no-onnx", "--repeats=3", "--warmup=1", "--rounds=1", f"--csv={out / 'speed.csv'}"])
    rows = [
        _row("teacher", "teacher", "64-64", {"test/err": 0.1}, runs["teacher"]),
        _row("mimic", "student", "4L-16", {"test/err": 0.2}, runs["mimic"], teacher="teacher"),
        _row("untimed", "baseline", "4L-16", {"test/err": 0.3}, runs["untimed"]),  # not in speed.csv: blank
    ]
    table = write_report(replace(DEMO, runs=out, published=None).report, rows, minutes=1.0).read_text()
    assert "x faster than the teacher" in table and "`mimic speed`" in table
    with (out / "results.csv").open() as f:
        records = {r["stage"]: r for r in csv.DictReader(f)}
    assert float(records["teacher"]["speedup_vs_teacher"]) == 1.0
    assert float(records["mimic"]["cpu_ms_batch1"]) > 0 and float(records["mimic"]["cpu_samples_per_s_batch256"]) > 0
    assert records["untimed"]["cpu_ms_batch1"] == ""
    line = next(r for r in table.splitlines() if r.startswith("| teacher |"))
    assert line.endswith("| 1.0 |")


def _ckpt(run_dir: Path) -> Path:
    (run_dir / "checkpoints").mkdir(parents=True)
    return run_dir / "checkpoints" / "best.ckpt"


def _recorded(row: Row, inputs: dict, output: str | None = None, version: str = "0.1.0") -> Row:
    record = StageRecord("demo", row.stage, "done", {}, config_hash({}), inputs, output, version)
    return replace(row, record=record)


def test_a_table_of_stages_whose_records_disagree_is_refused_and_each_row_names_its_record(tmp_path):
    runs = {name: tmp_path / name for name in ("teacher", "mimic")}
    teacher_checkpoint = f"checkpoint {RunFolder(runs['teacher']).best}"
    data = {"data /corpus": "d1"}
    teacher = _recorded(_row("teacher", "teacher", "cnn", {"test/err": 0.1}, runs["teacher"]), data, output="t1")
    mimic = _row("mimic", "student", "256L-2048", {"test/err": 0.1}, runs["mimic"])
    report = replace(DEMO, runs=tmp_path / "out", published=None).report
    for inputs, version, why in (
        ({teacher_checkpoint: "t0", **data}, "0.1.0", "stage mimic read teacher's checkpoint t0, but teacher's record"),
        ({teacher_checkpoint: "t1", "data /corpus": "d2"}, "0.1.0", "stages teacher and mimic read different"),
        ({teacher_checkpoint: "t1", **data}, "0.0.9", "the stages' records come from mimic 0.0.9 and 0.1.0"),
    ):
        with pytest.raises(ValueError, match=f"not one table: {why}"):
            write_report(report, [teacher, _recorded(mimic, inputs, version=version)], minutes=1.0)
    agreeing = _recorded(mimic, {teacher_checkpoint: "t1", **data})
    for run_dir in runs.values():
        _predictions(run_dir, [0])
    table = write_report(report, [teacher, agreeing], minutes=1.0).read_text()
    assert f"teacher `{teacher.record.id}`, mimic `{agreeing.record.id}`" in table
    with (tmp_path / "out" / "results.csv").open() as f:
        assert [r["record"] for r in csv.DictReader(f)] == [teacher.record.id, agreeing.record.id]
