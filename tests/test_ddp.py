"""DDP with two CPU processes (gloo), through the real ``mimic`` entry point: Lightning's DDP launcher
re-runs the command once per rank, which an in-process call cannot do. Slow (subprocesses): ``make test-all``."""

import os
import subprocess
import sys

import pytest

from mimic.experiments.paired import read_predictions
from mimic.tasks.checkpoints import load_checkpoint
from tests.fixtures.configs import CONFIGS, student_config, teacher_config, write_config

DDP = ["--config", str(CONFIGS / "trainer/cpu_ddp.yaml")]


def _run(args: list[str], cwd) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    result = subprocess.run([sys.executable, "-m", "mimic", *args], cwd=cwd, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-5000:]
    return result


@pytest.mark.slow
def test_teacher_then_cached_student_under_ddp(in_tmp, fashion_root):
    teacher = write_config(in_tmp / "teacher.yaml", teacher_config(fashion_root))
    _run(["fit", "--config", teacher, *DDP], in_tmp)
    ckpt = in_tmp / "runs/test/teacher/checkpoints/best.ckpt"
    assert ckpt.is_file()
    student = write_config(in_tmp / "student.yaml", student_config(fashion_root, [str(ckpt)], cache=True))
    _run(["fit", "--config", student, *DDP, "--trainer.max_epochs=2"], in_tmp)
    assert (in_tmp / "runs/test/student/checkpoints/last.ckpt").is_file()
    # metrics are synced across ranks and written once, by rank 0
    lines = (in_tmp / "runs/test/student/metrics.csv").read_text().splitlines()
    assert "val/agreement" in lines[0]
    tested = _run(
        [
            "test",
            "--config",
            student,
            *DDP,
            f"--ckpt_path={ckpt.parent.parent.parent / 'student/checkpoints/best.ckpt'}",
        ],
        in_tmp,
    )
    assert "test/err" in tested.stdout
    # both ranks' predictions, gathered and written once, each test sample once
    kept = read_predictions(in_tmp / "runs/test/student/test/predictions.npz")
    assert kept.index.tolist() == list(range(100))


@pytest.mark.slow
def test_student_with_made_up_transfer_data_under_ddp(in_tmp, fashion_root, teachers):
    config = student_config(fashion_root, [str(teachers[0])])
    config["data"]["init_args"] |= {"transfer": {"class_path": "mimic.data.images.Mixup"}, "transfer_fraction": 0.5}
    student = write_config(in_tmp / "student.yaml", config)
    _run(["fit", "--config", student, *DDP, "--trainer.max_epochs=2"], in_tmp)
    # 336 training images, 16 labeled + 16 mixup per batch: 21 batches, rounded up to 22 so that both
    # ranks take 11 steps per epoch (unequal steps would hang DDP)
    checkpoint = load_checkpoint(in_tmp / "runs/test/student/checkpoints/last.ckpt")
    assert checkpoint["global_step"] == 22
