"""Fault injection: a training run killed with SIGKILL and resumed with ``--ckpt_path last`` ends with exactly
the weights of the run that was never interrupted (deterministic mode, CPU)."""

import os
import random
import signal
import subprocess
import sys
import time

import pytest
import torch

from tests.fixtures.configs import student_config, teacher_config, write_config


def _launch(in_tmp, config: str, *args: str) -> subprocess.Popen:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    command = [sys.executable, "-m", "mimic", "fit", "--config", config, *args]
    return subprocess.Popen(command, cwd=in_tmp, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def _weights(path) -> dict[str, torch.Tensor]:
    return torch.load(path, weights_only=True, map_location="cpu")["state_dict"]


@pytest.mark.faults  # passed 17 of 19 runs here under load, failed all 3 in a clean-clone CI run: under study
@pytest.mark.parametrize("kind", ["teacher", "student_cached", "student_streamed"])
def test_a_killed_run_resumes_to_the_same_weights(in_tmp, fashion_root, teachers, kind):
    if kind == "teacher":
        config = teacher_config(fashion_root, stage="straight")
    else:
        config = student_config(fashion_root, [str(teachers[0])], stage="straight", cache=kind == "student_cached")
    config["trainer"] |= {"max_epochs": 4, "deterministic": True}
    straight = write_config(in_tmp / "straight.yaml", config)
    config["run"]["stage"] = "killed"
    killed = write_config(in_tmp / "killed.yaml", config)

    done = _launch(in_tmp, straight)
    assert done.wait(timeout=300) == 0, done.stderr.read()[-3000:]

    last = in_tmp / "runs/test/killed/checkpoints/last.ckpt"
    run = _launch(in_tmp, killed)
    deadline = time.monotonic() + 300
    while not last.exists() and time.monotonic() < deadline and run.poll() is None:
        time.sleep(0.01)
    time.sleep(random.uniform(0.0, 0.5))
    run.send_signal(signal.SIGKILL)  # somewhere after the first checkpoint: mid-epoch, mid-validation or mid-save
    run.wait()
    assert last.exists(), "the run ended before its first checkpoint: nothing to resume"
    resumed = _launch(in_tmp, killed, "--ckpt_path=last")
    assert resumed.wait(timeout=300) == 0, resumed.stderr.read()[-3000:]

    expected, got = _weights(in_tmp / "runs/test/straight/checkpoints/last.ckpt"), _weights(last)
    assert expected.keys() == got.keys()
    differences = {
        k: float((expected[k].double() - got[k].double()).abs().max()) for k in expected if expected[k].numel()
    }
    assert max(differences.values()) == 0.0, differences
