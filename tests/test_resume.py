"""Fault injection: training runs SIGKILLed at random moments (mid-epoch, mid-validation, while a checkpoint
is being written) and resumed with ``--ckpt_path last`` end with exactly the weights and metrics of the run
that was never interrupted (deterministic mode, CPU; one process, and two DDP ranks), having recomputed at
most ``run.checkpoint_every_n_steps`` steps. Run with ``make test-faults`` (``pytest -m faults``; in CI)."""

import csv
import os
import random
import signal
import subprocess
import sys

import pytest
import torch

from tests.fixtures.configs import REPO, student_config, teacher_config, write_config
from tests.fixtures.faults import KILLED_AT, MOMENTS

EPOCHS, STEPS_PER_EPOCH = 3, 11  # 336 training images of the tiny Fashion-MNIST in batches of 32 (6 under DDP)
EVERY_N_STEPS = 4
# random moments per kind of run (DDP runs and loader workers are slow to start)
KILLS = {
    "teacher_ddp": 4,
    "student_transfer": 5,
    "teacher_augment_workers": 3,
    "student_transfer_workers": 3,
    "teacher_mixup": 3,
    "student_few_labels_cutmix": 4,
    "student_transfer_chunked": 5,
    "teacher_ddp_chunked": 3,
}
CHUNK = 3  # optimiser steps per Lightning step of the *_chunked kinds (mimic.data.chunks)
KINDS = [
    "teacher",
    "student_cached",
    "student_streamed",
    "student_transfer",
    "teacher_ddp",
    "teacher_augment_workers",
    "student_transfer_workers",
    "teacher_mixup",
    "student_few_labels_cutmix",
    "student_transfer_chunked",
    "teacher_ddp_chunked",
]


def _fit(in_tmp, config: str, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "PYTHONPATH": str(REPO)}  # KillAt lives in tests/
    command = [sys.executable, "-m", "mimic", "fit", "--config", config, *args]
    # a session of its own: KillAt kills the run's process group, DDP ranks included, and nothing else
    return subprocess.run(
        command, cwd=in_tmp, env=env, capture_output=True, text=True, timeout=300, start_new_session=True
    )


def _config(kind: str, fashion_root, teachers, stage: str) -> dict:
    if kind.startswith("teacher"):
        config = teacher_config(fashion_root, stage=stage)
    else:
        config = student_config(fashion_root, [str(teachers[0])], stage=stage, cache=kind == "student_cached")
    if kind.startswith("student_transfer"):  # the mixed stream: labeled and made-up images (mixup), half and half
        config["data"]["init_args"] |= {"transfer": {"class_path": "mimic.data.images.Mixup"}, "transfer_fraction": 0.5}
    if kind == "teacher_augment_workers":  # random shifts and flips
        config["data"]["init_args"]["augment"] = True
    if kind == "teacher_mixup":  # mixed images and mixed labels
        config["data"]["init_args"]["mix"] = "mixup"
    if kind == "student_few_labels_cutmix":  # function matching: 100 labeled, the rest unlabeled, fresh views
        unlabeled = {"class_path": "mimic.data.images.Unlabeled"}
        config["data"]["init_args"] |= {"labeled_size": 100, "transfer": unlabeled, "augment": True, "mix": "cutmix"}
    if kind.endswith("_workers"):  # batches made in two loader processes
        config["data"]["init_args"]["num_workers"] = 2
    config["trainer"] |= {"max_epochs": EPOCHS, "deterministic": True, "log_every_n_steps": 2}  # step rows too
    config["run"]["checkpoint_every_n_steps"] = EVERY_N_STEPS
    if kind.endswith("_chunked"):  # several steps per Lightning step: checkpoints only between chunks
        config["model"]["init_args"]["steps_per_chunk"] = CHUNK
    if "_ddp" in kind:  # two gloo ranks, each taking every other item of an epoch's order
        config["trainer"] |= {"accelerator": "cpu", "devices": 2, "strategy": "ddp"}
    return config


def _weights(path) -> dict[str, torch.Tensor]:
    return torch.load(path, weights_only=True, map_location="cpu")["state_dict"]


def _metrics(path) -> list[dict]:
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


@pytest.mark.faults
@pytest.mark.parametrize("kind", KINDS)
def test_runs_killed_at_random_moments_resume_to_the_same_weights(in_tmp, fashion_root, teachers, kind):
    straight = write_config(in_tmp / "straight.yaml", _config(kind, fashion_root, teachers, "straight"))
    done = _fit(in_tmp, straight)
    assert done.returncode == 0, done.stderr[-3000:]
    expected = _weights(in_tmp / "runs/test/straight/checkpoints/last.ckpt")
    expected_metrics = _metrics(in_tmp / "runs/test/straight/metrics.csv")

    steps = EPOCHS * (STEPS_PER_EPOCH // 2 + 1 if "_ddp" in kind else STEPS_PER_EPOCH)
    # last.ckpt is written at the first batch end past each multiple of EVERY_N_STEPS: a chunk's, for chunked kinds
    behind = EVERY_N_STEPS + (CHUNK - 1 if kind.endswith("_chunked") else 0)
    moments = random.Random(f"{kind}").sample([(m, s) for m in MOMENTS for s in range(1, steps)], KILLS.get(kind, 10))
    for number, (moment, step) in enumerate(moments):
        stage = f"killed{number}"
        config = _config(kind, fashion_root, teachers, stage)
        killer = {"class_path": "tests.fixtures.faults.KillAt", "init_args": {"moment": moment, "step": step}}
        config["trainer"]["callbacks"] = [*config["trainer"].get("callbacks", []), killer]
        killed = _fit(in_tmp, write_config(in_tmp / f"{stage}.yaml", config))
        where = f"{kind} killed at {moment}, step {step}"
        assert killed.returncode == -signal.SIGKILL, f"{where}: the moment never came\n{killed.stderr[-3000:]}"
        last = in_tmp / f"runs/test/{stage}/checkpoints/last.ckpt"
        if last.exists():  # else killed before the first checkpoint: the resumed run starts afresh
            saved = int(torch.load(last, weights_only=True)["global_step"])
            lost = int((in_tmp / KILLED_AT).read_text()) - saved
            assert 0 <= lost <= behind, f"{where}: last.ckpt is {lost} steps behind"
        plain = write_config(in_tmp / f"{stage}.yaml", _config(kind, fashion_root, teachers, stage))
        resumed = _fit(in_tmp, plain, "--ckpt_path=last")
        assert resumed.returncode == 0, f"{where}: " + resumed.stderr[-3000:]
        got = _weights(last)
        differences = {
            k: float((expected[k].double() - got[k].double()).abs().max()) for k in expected if expected[k].numel()
        }
        assert max(differences.values()) == 0.0, f"{where}: {differences}"
        got_metrics = _metrics(in_tmp / f"runs/test/{stage}/metrics.csv")
        assert got_metrics == expected_metrics, where
