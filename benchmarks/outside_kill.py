"""The outside check of a resumable experiment: SIGKILL it at random moments, run the same command again
after each kill, and require what it ends with to equal an uninterrupted run's: the error columns of
``results.csv`` and every kept ``test/predictions.npz``.

    python benchmarks/outside_kill.py --straight /tmp/a --work /tmp/b --kills 4 -- demo --quick

runs ``mimic demo --quick`` to its end in ``/tmp/a`` (unless it holds a ``results.csv`` already), then in
``/tmp/b`` kills it ``--kills`` times, alternately just after a stage writes a checkpoint it did not have
and after a random delay within ``--delay`` seconds, reruns it to its end, and compares. Exit status 0
when everything is equal. ``tests/test_pipeline_faults.py`` uses its pieces on the tiny Fashion-MNIST.
"""

import argparse
import csv
import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

ERROR_COLUMNS = ("stage", "role", "arch", "params", "test/err", "train/err", "test/agreement", "val/per", "test/per")


def start(folder: Path, command: Sequence[str], env: dict[str, str] | None = None) -> subprocess.Popen:
    """``command`` in ``folder``, its output appended to ``folder/log.txt``, in a process group of its own
    (a kill takes the run and every process it started, and nothing else)."""
    log = (folder / "log.txt").open("a")
    env = {**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})}
    return subprocess.Popen(command, cwd=folder, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)


def wait_for(condition: Callable[[], bool], process: subprocess.Popen, timeout: float = 900) -> bool:
    """Poll every 2 ms until ``condition()`` holds (True) or the run ends (False)."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if condition():
            return True
        if process.poll() is not None:
            return False
        time.sleep(0.002)
    raise TimeoutError("the run neither got there nor ended")


def kill(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()


def checkpoints(runs: Path) -> set[Path]:
    return set(runs.glob("*/checkpoints/*.ckpt"))


def killed_run(folder: Path, runs: str, command: Sequence[str], kind: str, delay: float, env=None) -> str | None:
    """One run, SIGKILLed just after it writes a checkpoint it did not have (``kind`` "checkpoint") or
    ``delay`` seconds in (``kind`` "delay"); where it was killed, or None if it ended first."""
    before = checkpoints(folder / runs)
    process = start(folder, command, env)
    try:
        if kind == "checkpoint":
            landed = wait_for(lambda: bool(checkpoints(folder / runs) - before), process)
            new = sorted(checkpoints(folder / runs) - before)
            moment = f"just after {new[0].relative_to(folder / runs)} was written" if new else ""
        else:
            time.sleep(delay)
            landed, moment = process.poll() is None, f"{delay:.1f} s in"
        return moment if landed else None
    finally:
        kill(process)


def error_columns(folder: Path, runs: str) -> list[dict[str, str]]:
    with (folder / runs / "results.csv").open(newline="") as f:
        return [{k: v for k, v in row.items() if k in ERROR_COLUMNS} for row in csv.DictReader(f)]


def predictions(folder: Path, runs: str) -> dict[str, dict[str, np.ndarray]]:
    """Every stage's kept test predictions, by stage."""
    found = {}
    for path in sorted((folder / runs).glob("*/test/predictions.npz")):
        with np.load(path, allow_pickle=False) as kept:
            found[path.parts[-3]] = {key: kept[key] for key in kept.files}
    return found


def differences(straight: Path, work: Path, runs: str) -> list[str]:
    """What ``work`` ended with that differs from ``straight``'s run (nothing: an empty list)."""
    found = []
    if error_columns(work, runs) != error_columns(straight, runs):
        found.append("results.csv: the error columns differ")
    expected, got = predictions(straight, runs), predictions(work, runs)
    if sorted(expected) != sorted(got):
        found.append(f"kept predictions of stages {sorted(got)}, expected {sorted(expected)}")
    for stage in sorted(set(expected) & set(got)):
        for key, array in expected[stage].items():
            if key not in got[stage] or not np.array_equal(got[stage][key], array):
                found.append(f"{stage}/test/predictions.npz: {key} differs")
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--straight", type=Path, required=True, help="folder of the uninterrupted run")
    parser.add_argument("--work", type=Path, required=True, help="folder of the killed run (made if missing)")
    parser.add_argument("--kills", type=int, default=4)
    parser.add_argument("--delay", default="5,120", help="the random kills' range of seconds into a run: LOW,HIGH")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("command", nargs=argparse.REMAINDER, help="-- then the experiment and its arguments")
    opts = parser.parse_args(argv)
    experiment = [a for a in opts.command if a != "--"]
    command = [sys.executable, "-m", "mimic", *experiment]
    runs = f"runs/{experiment[0]}"
    low, high = (float(x) for x in opts.delay.split(","))
    for folder in (opts.straight, opts.work):
        folder.mkdir(parents=True, exist_ok=True)
    if not (opts.straight / runs / "results.csv").is_file():
        assert start(opts.straight, command).wait() == 0, f"the uninterrupted run failed: {opts.straight}/log.txt"
    rng, landed = random.Random(opts.seed), 0
    for _ in range(3 * opts.kills):  # a run may end before its kill comes
        if landed == opts.kills:
            break
        kind = ("checkpoint", "delay")[landed % 2]
        moment = killed_run(opts.work, runs, command, kind, rng.uniform(low, high))
        landed += moment is not None
        print(f"killed {moment}" if moment else "the run ended before its kill", flush=True)
    assert start(opts.work, command).wait() == 0, f"the last run failed: {opts.work}/log.txt"
    found = differences(opts.straight, opts.work, runs)
    print("\n".join(found) or f"after {landed} kills: the same error columns and kept predictions", flush=True)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
