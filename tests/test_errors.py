"""Bad input through the ``mimic`` console script: each mistake is one ``mimic: error:`` line naming the file
or key and what was expected, exit status 2, no traceback (unless ``--debug`` or ``MIMIC_DEBUG=1``)."""

import shutil
import sys

import pytest
import torch

from mimic.cli import console_main
from mimic.nets.checkpoints import FORMAT_KEY
from tests.fixtures.configs import student_config, teacher_config, write_config


def _fails(monkeypatch, capsys, *argv: str) -> str:
    """Run ``mimic ARGV`` as the console script does; the one error line it printed."""
    monkeypatch.setattr(sys, "argv", ["mimic", *argv])
    with pytest.raises(SystemExit) as stopped:
        console_main()
    err = capsys.readouterr().err
    assert stopped.value.code == 2
    assert "Traceback" not in err
    lines = [line for line in err.splitlines() if line.startswith("mimic: error:")]
    assert len(lines) == 1, err
    return lines[0]


@pytest.fixture
def teacher_yaml(in_tmp, fashion_root):
    return write_config(in_tmp / "t.yaml", teacher_config(fashion_root))


@pytest.fixture
def student_yaml(in_tmp, fashion_root):
    def make(checkpoint) -> str:
        return write_config(in_tmp / "s.yaml", student_config(fashion_root, [str(checkpoint)]))

    return make


def _damaged(teachers, folder, how: str):
    """A copy of a real teacher checkpoint, spoiled ``how``."""
    target = folder / f"{how}.ckpt"
    data = teachers[0].read_bytes()
    if how == "truncated":
        target.write_bytes(data[: len(data) // 2])
    elif how == "empty":
        target.write_bytes(b"")
    elif how == "text":
        target.write_text("not a checkpoint\n")
    elif how == "pickled_object":
        torch.save({"state_dict": {}, "payload": shutil.SameFileError("runs code on load")}, target)
    elif how == "old_format":
        checkpoint = torch.load(teachers[0], weights_only=True)
        checkpoint.pop(FORMAT_KEY)
        torch.save(checkpoint, target)
    return target


def test_config_mistakes(monkeypatch, capsys, teacher_yaml, in_tmp):
    assert "'hiden'" in _fails(
        monkeypatch, capsys, "fit", "--config", teacher_yaml, "--model.init_args.net.init_args.hiden=3"
    )
    line = _fails(monkeypatch, capsys, "fit", "--config", teacher_yaml, "--model.init_args.lr=abc")
    assert '"lr"' in line and "float" in line
    assert "nope.yaml" in _fails(monkeypatch, capsys, "fit", "--config", str(in_tmp / "nope.yaml"))
    line = _fails(
        monkeypatch, capsys, "fit", "--config", teacher_yaml, "--model.init_args.net.init_args.num_classes=20"
    )
    assert "num_classes is 20 but FashionMNISTDataModule gives 10" in line
    line = _fails(monkeypatch, capsys, "fit", "--config", teacher_yaml, "--model.init_args.optimizer=lbfgs")
    assert '"optimizer"' in line and "'sgd', 'adamw', 'adam'" in line and "lbfgs" in line
    line = _fails(monkeypatch, capsys, "fit", "--config", teacher_yaml, "--model.init_args.finite_check_every=0")
    assert line == "mimic: error: model.finite_check_every must be at least 1, got 0"


def test_data_mistakes(monkeypatch, capsys, teacher_yaml, in_tmp):
    line = _fails(monkeypatch, capsys, "fit", "--config", teacher_yaml, f"--data.init_args.root={in_tmp / 'nodata'}")
    assert "Fashion-MNIST not found" in line and "nodata" in line


@pytest.mark.parametrize(
    ("how", "expected"),
    [
        ("missing", "teacher checkpoint '.*missing.ckpt' not found"),
        ("truncated", "truncated.ckpt: not a PyTorch checkpoint"),
        ("empty", "empty.ckpt: not a PyTorch checkpoint \\(0 bytes"),
        ("text", "text.ckpt: not a PyTorch checkpoint"),
        ("pickled_object", "pickled_object.ckpt: refused to load: it holds Python objects"),
        ("old_format", "old_format.ckpt: written by an older mimic"),
    ],
)
def test_bad_teacher_checkpoints(monkeypatch, capsys, teachers, student_yaml, in_tmp, how, expected):
    checkpoint = in_tmp / "missing.ckpt" if how == "missing" else _damaged(teachers, in_tmp, how)
    line = _fails(monkeypatch, capsys, "fit", "--config", student_yaml(checkpoint), "--trainer.fast_dev_run=true")
    assert __import__("re").search(expected, line), line
    assert "weights_only=False" not in line
    assert "Union" not in line  # the reader's own message, not jsonargparse's wrapping of it


def test_bad_ckpt_path_and_a_damaged_last_checkpoint(monkeypatch, capsys, teachers, teacher_yaml, in_tmp):
    garbage = _damaged(teachers, in_tmp, "text")
    line = _fails(monkeypatch, capsys, "test", "--config", teacher_yaml, f"--ckpt_path={garbage}")
    assert "text.ckpt: not a PyTorch checkpoint" in line and "weights_only" not in line
    assert "none.ckpt" in _fails(
        monkeypatch, capsys, "test", "--config", teacher_yaml, f"--ckpt_path={in_tmp / 'none.ckpt'}"
    )
    # a run whose last.ckpt was cut short: the error names it and the checkpoint beside it that loads
    folder = in_tmp / "runs/test/teacher/checkpoints"
    folder.mkdir(parents=True)
    shutil.copy(teachers[0], folder / "best.ckpt")
    (folder / "last.ckpt").write_bytes(teachers[0].read_bytes()[:1000])
    line = _fails(monkeypatch, capsys, "fit", "--config", teacher_yaml, "--ckpt_path=last")
    assert "last.ckpt: not a PyTorch checkpoint" in line and "beside it that load:" in line and "best.ckpt" in line


def test_debug_shows_the_traceback(monkeypatch, teacher_yaml, in_tmp):
    argv = ["mimic", "fit", "--config", teacher_yaml, f"--data.init_args.root={in_tmp / 'nodata'}"]
    monkeypatch.setattr(sys, "argv", [*argv, "--debug"])
    with pytest.raises(FileNotFoundError, match="Fashion-MNIST not found"):
        console_main()
    monkeypatch.setattr(sys, "argv", argv)
    monkeypatch.setenv("MIMIC_DEBUG", "1")
    with pytest.raises(FileNotFoundError, match="Fashion-MNIST not found"):
        console_main()


def test_more_mistakes_each_one_line(monkeypatch, capsys, teacher_yaml, in_tmp, fashion_root):
    broken = in_tmp / "broken.yaml"
    broken.write_text("model:\n  init_args: [unclosed\n")
    assert "broken.yaml" in _fails(monkeypatch, capsys, "fit", "--config", str(broken))
    line = _fails(monkeypatch, capsys, "fit", "--config", teacher_yaml, "--run.checkpoint_every_n_steps=-1")
    assert line == "mimic: error: run.checkpoint_every_n_steps must be 0 or more, got -1"
    assert "fitt" in _fails(monkeypatch, capsys, "fitt", "--config", teacher_yaml)
    # a data file that is not what its name says
    damaged = in_tmp / "fashion"
    shutil.copytree(fashion_root, damaged)
    (damaged / "train-labels-idx1-ubyte.gz").write_bytes(b"not gzip at all")
    line = _fails(monkeypatch, capsys, "fit", "--config", teacher_yaml, f"--data.init_args.root={damaged}")
    assert "train-labels-idx1-ubyte.gz" in line
    # a generator range given backwards is refused, saying what it must be
    line = _fails(monkeypatch, capsys, "data", "synth-timit", "--out", str(in_tmp / "c"), "--snr-db", "30", "10")
    assert line == "mimic: error: data synth-timit: --snr-db takes LOW HIGH with LOW <= HIGH, got 30.0 10.0"


def test_a_broken_config_given_to_the_tools_is_one_line(monkeypatch, capsys, in_tmp):
    broken = in_tmp / "broken.yaml"
    broken.write_text("model:\n  init_args: [unclosed\n")
    line = _fails(monkeypatch, capsys, "nets", str(broken))
    assert line.startswith("mimic: error:") and "broken.yaml: not valid YAML" in line


def test_student_loss_options_out_of_place_are_one_line(monkeypatch, capsys, teachers, student_yaml):
    config = student_yaml(teachers[0])
    line = _fails(monkeypatch, capsys, "fit", "--config", config, "--model.init_args.target_floor=0")
    assert line == "mimic: error: model.target_floor must be positive (logits below max - K), got 0.0"
    kd_centred = ("--model.init_args.loss=kd", "--model.init_args.centre_logits=true")
    line = _fails(monkeypatch, capsys, "fit", "--config", config, *kd_centred)
    assert line == "mimic: error: model.centre_logits and model.target_floor apply to loss='mimic' only"
