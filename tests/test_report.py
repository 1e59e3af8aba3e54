from pathlib import Path

from mimic.report import Row, effect_sentence, epoch_curve


def _row(role: str, arch: str, err: float, run_dir: Path) -> Row:
    return Row("s", "m", role, arch, 100, 10, err, None, 1.0, run_dir)


def test_effect_sentence_compares_same_architecture(tmp_path):
    (tmp_path / "metrics.csv").write_text("epoch,step,train/err,val/err\n0,9,0.5,\n0,9,,0.4\n1,19,0.25,\n")
    rows = [
        _row("baseline", "256L-2048", 0.1050, tmp_path),
        _row("student", "32c-p-256L-2048", 0.0800, tmp_path),
        _row("student", "256L-2048", 0.1000, tmp_path),
    ]
    text = effect_sentence(rows)
    assert "trained on labels: test error 10.50%, training error in the last epoch 25.00%" in text
    assert "test error 10.00%, 0.50 points lower than on labels" in text
    assert "8.00%" not in text  # the conv student has another architecture


def test_epoch_curve_reads_csv_logger_rows(tmp_path):
    (tmp_path / "metrics.csv").write_text("epoch,step,train/err,val/err\n0,9,0.5,\n0,9,,0.4\n1,19,,0.3\n")
    assert epoch_curve(tmp_path / "metrics.csv", "val/err") == [(0, 0.4), (1, 0.3)]
    assert epoch_curve(tmp_path / "missing.csv", "val/err") == []
