"""DDP with two CPU processes (gloo), through the real ``mimic`` entry point: Lightning's DDP launcher
re-runs the command once per rank, which an in-process call cannot do. Slow (subprocesses): ``make test-all``."""

import os
import subprocess
import sys

import pytest
import torch

from mimic.nets.checkpoints import load_checkpoint
from mimic.report.paired import read_predictions
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
def test_data_on_the_device_under_ddp_trains_as_the_loaders_do(in_tmp, fashion_root):
    weights = []
    for setting in ("false", "true"):
        config = teacher_config(fashion_root, stage=f"on-device-{setting}", augment=True)
        _run(
            ["fit", "--config", write_config(in_tmp / "t.yaml", config), *DDP, f"--data.init_args.on_device={setting}"],
            in_tmp,
        )
        checkpoint = load_checkpoint(in_tmp / f"runs/test/on-device-{setting}/checkpoints/last.ckpt")
        weights.append(checkpoint["state_dict"])
    assert all(torch.equal(weights[0][k], weights[1][k]) for k in weights[0])  # each rank drew the same batches


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


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
def test_two_nodes_launched_by_torchrun(in_tmp, fashion_root, teachers):
    """Multi-node DDP is Lightning's: two "nodes" on this machine, each a ``torchrun`` with one process
    and a static rendezvous on localhost, train one cached student together (``trainer.num_nodes: 2``)."""
    config = student_config(fashion_root, [str(teachers[0])], cache=True, cache_dir=str(in_tmp / "logits"))
    student = write_config(in_tmp / "student.yaml", config)
    port = _free_port()
    nodes = []
    for node in (0, 1):
        launch = [sys.executable, "-m", "torch.distributed.run", "--nnodes=2", "--nproc-per-node=1"]
        launch += [f"--node-rank={node}", "--master-addr=127.0.0.1", f"--master-port={port}"]
        fit = ["-m", "mimic", "fit", "--config", student, "--trainer.accelerator=cpu", "--trainer.devices=1"]
        fit += ["--trainer.num_nodes=2", "--trainer.strategy=ddp", "--trainer.max_epochs=2"]
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        nodes.append(
            subprocess.Popen(
                [*launch, *fit], cwd=in_tmp, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
            )
        )
    outputs = [node.communicate(timeout=600)[0] for node in nodes]
    assert [node.returncode for node in nodes] == [0, 0], outputs[0][-3000:] + outputs[1][-3000:]
    # each rank labelled its own share of the data and keeps its own cache file
    assert sorted(p.name for p in (in_tmp / "logits").iterdir()) == [
        f"teacher-logits-{split}-rank{rank}.pt" for split in ("train", "val") for rank in (0, 1)
    ]
    checkpoint = load_checkpoint(in_tmp / "runs/test/student/checkpoints/last.ckpt")
    assert checkpoint["epoch"] == 1
    # 336 training images at 32 a batch, split over two ranks: 6 steps an epoch each
    assert checkpoint["global_step"] == 12
