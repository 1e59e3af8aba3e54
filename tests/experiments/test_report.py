"""The one report writer: tables from the experiments' scorings, students against their label twins."""

import csv
from dataclasses import replace
from pathlib import Path

from mimic.experiments.fashion_demo import DEMO
from mimic.experiments.report import Row, effect_sentence, epoch_curve, write_report
from mimic.experiments.speech_demo import SPEECH_DEMO


def _row(stage: str, role: str, arch: str, scores: dict, run_dir: Path, count: int = 10_000) -> Row:
    return Row(stage, stage, role, arch, 100, 10, scores, count=count, minutes=1.0, run_dir=run_dir)


def test_effect_sentence_compares_each_student_with_the_same_net_on_labels(tmp_path):
    rows = [
        _row("labels", "baseline", "256L-2048", {"test/err": 0.1050}, tmp_path),
        _row("conv", "student", "32c-p-256L-2048", {"test/err": 0.0800}, tmp_path),
        _row("mimic", "student", "256L-2048", {"test/err": 0.1000}, tmp_path),
    ]
    text = effect_sentence(DEMO, rows)
    assert "mimic on test: error 10.00%, 0.50 points lower than the same net (256L-2048)" in text
    assert "8.00%" not in text  # the conv student has no label-trained twin here
    assert "0.31 points, 10,000 test images" in text  # sqrt(0.105 * 0.895 / 10000)


def test_per_tables_compare_dev_and_core_test_and_scale_by_phones(tmp_path):
    scores = {"val/per": 0.30, "test/per": 0.32, "test/err": 0.5}
    rows = [
        _row("labels", "baseline", "250L-2048", scores, tmp_path, count=2000),
        _row("mimic", "student", "250L-2048", {**scores, "val/per": 0.31, "test/per": 0.29}, tmp_path, count=2000),
    ]
    text = effect_sentence(SPEECH_DEMO, rows)
    assert "on dev: PER 31.00%, 1.00 points higher" in text
    assert "on core test: PER 29.00%, 3.00 points lower" in text
    assert "2,000 reference phones" in text


def test_report_writes_the_table_csv_and_curves(tmp_path):
    (tmp_path / "metrics.csv").write_text("epoch,step,train/err,val/err\n0,9,0.5,\n0,9,,0.4\n1,19,0.25,\n1,19,,0.3\n")
    rows = [
        _row("labels", "baseline", "256L-2048", {"test/err": 0.2, "train/err": 0.25}, tmp_path),
        _row("mimic", "student", "256L-2048", {"test/err": 0.1, "test/agreement": 0.9}, tmp_path),
    ]
    out = tmp_path / "out"
    path = write_report(replace(DEMO, runs=out), rows, minutes=3.0)
    table = path.read_text()
    assert "| mimic | 256L-2048 | 100 | 10 | 10.00% |  | 90.00% |" in table
    with (out / "results.csv").open() as f:
        records = list(csv.DictReader(f))
    assert [r["test/err"] for r in records] == ["0.2", "0.1"] and records[1]["test/agreement"] == "0.9"
    assert (out / "curves.png").stat().st_size > 5_000


def test_epoch_curve_reads_csv_logger_rows(tmp_path):
    (tmp_path / "metrics.csv").write_text("epoch,step,train/err,val/err\n0,9,0.5,\n0,9,,0.4\n1,19,,0.3\n")
    assert epoch_curve(tmp_path / "metrics.csv", "val/err") == [(0, 0.4), (1, 0.3)]
    assert epoch_curve(tmp_path / "missing.csv", "val/err") == []
