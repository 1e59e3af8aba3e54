"""``mimic speed``: the cost table of tiny nets, student against teacher, onnxruntime against PyTorch."""

import csv
from pathlib import Path

import torch

from mimic.cli import main
from mimic.nets import DeepMLP, ShallowNet
from tests.test_export import checkpoint, fitted

CONFIGS = Path(__file__).resolve().parents[1] / "configs"


def test_the_table_has_every_model_with_ratios_against_the_first(tmp_path):
    teacher = checkpoint(fitted(DeepMLP([1, 28, 28], 10, hidden=[64, 64])), tmp_path / "teacher.ckpt")
    student = checkpoint(fitted(ShallowNet([1, 28, 28], 10, hidden=32, bottleneck=8)), tmp_path / "student.ckpt")
    out_csv, out_md = tmp_path / "speed.csv", tmp_path / "speed.md"
    rows = main(
        ["speed", str(teacher), str(student), "--repeats", "3", "--warmup", "1", "--batch-size", "16", "--rounds", "2"]
        + ["--csv", str(out_csv), "--md", str(out_md)]
    )
    assert [r["model"] for r in rows] == ["teacher", "student"]
    assert rows[0]["speedup_b1"] == 1.0 and rows[0]["speedup_throughput"] == 1.0
    for row in rows:
        assert row["torch_b1_ms"] > 0 and row["onnx_b1_ms"] > 0 and row["torch_samples_per_s"] > 0
        assert row["onnx_over_torch_throughput"] == row["onnx_samples_per_s"] / row["torch_samples_per_s"]
    assert rows[1]["speedup_b1"] == rows[0]["torch_b1_ms"] / rows[1]["torch_b1_ms"]
    assert rows[0]["multiply_adds"] == 784 * 64 + 64 * 64 + 64 * 10
    assert rows[1]["multiply_adds"] == 784 * 8 + 8 * 32 + 32 * 10
    written = list(csv.DictReader(out_csv.open()))
    assert [r["model"] for r in written] == ["teacher", "student"]
    table = out_md.read_text()
    assert "| teacher |" in table and "x faster than teacher" in table and "onnxruntime / PyTorch" in table


def test_an_untrained_stage_config_is_timed_from_its_net(tmp_path):
    rows = main(["speed", str(CONFIGS / "fashion/dnn_labels.yaml"), "--repeats", "2", "--warmup", "0", "--no-onnx"])
    assert rows[0]["architecture"] and rows[0]["test_error"] == "" and "onnx_b1_ms" not in rows[0]


def test_test_error_comes_from_the_run_folder(tmp_path):
    folder = tmp_path / "runs/exp/student"
    (folder / "checkpoints").mkdir(parents=True)
    (folder / "test").mkdir()
    (folder / "test/metrics.csv").write_text("epoch,step,test/err,test/loss\n0,0,0.125,0.4\n")
    checkpoint(fitted(DeepMLP([1, 28, 28], 10, hidden=[8])), folder / "checkpoints/best.ckpt")
    rows = main(["speed", str(folder), "--repeats", "2", "--warmup", "0", "--no-onnx", "--batch-size", "4"])
    assert rows[0]["test_error"] == "err 12.50%" and rows[0]["model"] == "student"
    torch.testing.assert_close(rows[0]["speedup_b1"], 1.0)


def test_a_model_onnx_cannot_take_is_one_line_naming_the_way_round(tmp_path, monkeypatch, capsys):
    import pytest

    import mimic.tools.speed as speed_tool

    def fails(*args, **kwargs):
        raise RuntimeError("unsupported operator")

    monkeypatch.setattr(speed_tool, "write_onnx", fails)
    teacher = checkpoint(fitted(DeepMLP([1, 28, 28], 10, hidden=[8])), tmp_path / "teacher.ckpt")
    with pytest.raises(SystemExit) as exit_:
        main(["speed", str(teacher), "--repeats", "1", "--warmup", "0"])
    line = capsys.readouterr().err.strip()
    assert exit_.value.code == 2 and line.count("\n") == 0
    assert line.startswith("mimic: error: speed: teacher: could not be exported") and "--no-onnx" in line
