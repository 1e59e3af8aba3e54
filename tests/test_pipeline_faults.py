"""Fault injection on a whole experiment: ``mimic demo`` (every stage, several epochs each, on the tiny
Fashion-MNIST) SIGKILLed from outside at random moments, half of them just after a stage writes its first
checkpoint, and run again with the same command after each kill, ends with the error columns and every
kept prediction file of the run never interrupted. Then the teachers' config changes, and exactly the
teachers, the ensemble and the students that read them are trained again. ``make test-faults``."""

import random
import shutil
import sys
import time
from pathlib import Path

import pytest

from benchmarks.outside_kill import differences, kill, predictions, start, wait_for
from mimic.experiments.fashion_demo import DEMO
from tests.fixtures.configs import CONFIGS, REPO

# several epochs a stage, a last.ckpt every 3 of each epoch's 8 steps, runs that repeat bit for bit
DEMO_ARGS = (
    "--quick",
    "--trainer.max_epochs=3",
    "--data.init_args.batch_size=32",
    "--run.checkpoint_every_n_steps=3",
    "--trainer.deterministic=true",
)
DEMO_STAGES = tuple(stage.name for stage in DEMO.stages)
TRAINED = tuple(stage.name for stage in DEMO.stages if stage.trained)
# Half the kills come just after a stage writes its first checkpoint (last.ckpt, 3 steps in, or best.ckpt,
# after its first validation: what an experiment used to keep as final), half a random time into a stage.
KINDS = ("last.ckpt", "random", "best.ckpt", "random") * 2
RUNS = "runs/demo"
ENV = {"PYTHONPATH": str(REPO)}


def _command(fashion_root: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "mimic", "demo", *DEMO_ARGS, f"--data.init_args.root={fashion_root}", *args]


def _run(folder: Path, fashion_root: Path, *args: str) -> str:
    """The demo run to its end; its output."""
    log = folder / "log.txt"
    before = log.read_text() if log.exists() else ""
    process = start(folder, _command(fashion_root, *args), ENV)
    assert process.wait(timeout=900) == 0, log.read_text()[-4000:]
    return log.read_text()[len(before) :]


def _done(folder: Path, stage: str) -> bool:
    record = folder / RUNS / stage / "record.json"
    return record.is_file() and '"state": "done"' in record.read_text()


def _killed_run(folder: Path, fashion_root: Path, kind: str, rng: random.Random) -> str | None:
    """One run of the demo, SIGKILLed at a moment of ``kind`` in one of the next two stages to run; where
    it was killed, or None if it ended first."""
    waiting = [s for s in TRAINED if not _done(folder, s)]
    if not waiting:
        return None
    stage = rng.choice(waiting[:2])  # the kills spread over the experiment, teachers first
    process = start(folder, _command(fashion_root), ENV)
    try:
        if kind in ("last.ckpt", "best.ckpt"):
            landed = wait_for((folder / RUNS / stage / "checkpoints" / kind).is_file, process)
            return f"just after {stage} wrote its first {kind}" if landed else None
        started = wait_for((folder / RUNS / stage / "record.json").is_file, process)
        delay = rng.uniform(0.0, 3.0)
        time.sleep(delay)
        return f"{delay:.2f} s into {stage}" if started and process.poll() is None else None
    finally:
        kill(process)


def _ran(output: str) -> set[str]:
    """The stages a run trained or scored (not reused), from its progress lines."""
    lines = [line for line in output.splitlines() if line.startswith("[mimic demo] stage ")]
    return {line.split(": ")[1] for line in lines if ": done: " not in line}


@pytest.mark.faults
def test_killed_experiment_resumes_to_the_uninterrupted_results(tmp_path, fashion_root):
    straight, killed = tmp_path / "straight", tmp_path / "killed"
    straight.mkdir(), killed.mkdir()
    _run(straight, fashion_root)

    rng = random.Random(25)
    moments = []
    for _ in range(3 * len(KINDS)):
        if len(moments) == len(KINDS):
            break
        moment = _killed_run(killed, fashion_root, KINDS[len(moments)], rng)
        if moment is not None:
            moments.append(moment)
    assert len(moments) == len(KINDS), f"only {len(moments)} kills landed: {moments}"
    output = (killed / "log.txt").read_text()
    assert "resume: stopped while fitting" in output and "Restoring states from the checkpoint path at" in output
    _run(killed, fashion_root)

    assert differences(straight, killed, RUNS) == [], f"killed at: {moments}"
    assert sorted(predictions(killed, RUNS)) == sorted(DEMO_STAGES)

    # The teachers' config changes: exactly the teachers, the ensemble and the students that read them run
    # again; the nets on labels are reused.
    configs = tmp_path / "configs"
    shutil.copytree(CONFIGS, configs)
    teacher = configs / "fashion/teacher_cnn.yaml"
    teacher.write_text(teacher.read_text().replace("dropout: 0.3", "dropout: 0.25"))
    dependent = {f"few_cnn_s{seed}" for seed in range(4)} | {"few_ensemble", "teacher_cnn", "shallow_mimic"}
    dependent |= {"few_shallow_mimic_lr05", "few_shallow_mimic_lr02", "few_conv_mimic"}
    plan = _run(killed, fashion_root, f"--configs={configs}", "--plan")
    planned = {line.split()[2] for line in plan.splitlines() if line.startswith("[mimic demo]   ")}
    assert planned == set(DEMO_STAGES), plan
    changed = {line.split()[2] for line in plan.splitlines() if "inputs changed" in line}
    assert changed == dependent, plan
    assert _ran(_run(killed, fashion_root, f"--configs={configs}")) == dependent
    assert _ran(_run(killed, fashion_root, f"--configs={configs}")) == set()  # and then all of it is done
