"""``make bench``: every speed benchmark in one run, one table of ratios against their targets.

Each benchmark times the app's real path against a bare PyTorch loop (or the pieces it is made of) in
one process, so its ratio holds on a noisy machine where absolute figures do not:

- student training step, the app with several optimiser steps per Lightning step (``steps_per_chunk``) /
  bare loop (``student_step.py``): at least 0.95 on a CPU, 0.9 on a GPU; and against a minimal
  LightningModule (Lightning alone); the figure also gives the app at one step per batch;
- streaming teacher, (student + TeacherLogits) / (student on precomputed logits + teacher forward)
  (``teacher_streaming.py``): at most 1.05; logit cache after its first epoch / precomputed: at most 1.05;
- TIMIT loader frames/s / the 250L-8k student's training frames/s (``timit_loader.py``): at least 10;
- batched Viterbi against one utterance at a time, identical paths (``viterbi.py``): at least 20x.

    python benchmarks/suite.py [--quick] [--device cpu|cuda] [--precision 32-true|bf16-mixed] [--csv FILE]

``--quick``: CI-sized runs (about 2 minutes). ``--device cuda``: on a GPU, where the step also times the
paper-sized students at full length and reports the 250L-400k student's FLOP/s against a matmul's in
the same precision (target: at least 0.40 in bf16).

Prints the table (benchmark, figure, ratio, target, pass) and writes it as CSV; the exit status is 0
whatever the ratios (a measurement, not a test), 1 only when a benchmark itself fails.
"""

import argparse
import csv
import re
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent


@dataclass
class Row:
    benchmark: str
    figure: str
    ratio: float
    target: str  # ">= 0.95", "<= 1.05"

    @property
    def passed(self) -> bool:
        bound = float(self.target.split()[1])
        return self.ratio >= bound if self.target.startswith(">=") else self.ratio <= bound


def run(script: str, *args: str) -> str:
    command = [sys.executable, str(HERE / script), *args]
    print(f"[bench] {' '.join(command[1:])}", flush=True)
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"{script} failed:\n{done.stderr[-3000:]}")
    return done.stdout


def number(pattern: str, text: str, script: str) -> float:
    found = re.search(pattern, text)
    if found is None:
        raise RuntimeError(f"{script}: no line matching {pattern!r} in its output:\n{text[-2000:]}")
    return float(found.group(1))


def student_step(opts) -> list[Row]:
    device = ["--device", opts.device, "--precision", opts.precision]
    if opts.device == "cuda":  # every student, paper-sized ones included, at full length
        runs = [("fashion,timit,timit-4096-adamw,timit-400k,cifar-30k", ["--steps", "200", "--rounds", "2"])]
    elif opts.quick:
        runs = [("fashion,timit-4096-adamw", ["--steps", "20", "--rounds", "1"])]
    else:  # the paper-sized students (250L-400k, 128c-p-1200L-30k) take seconds a step on a CPU: a few steps
        runs = [
            ("fashion,timit,timit-4096-adamw", ["--steps", "100", "--rounds", "3"]),
            ("timit-400k,cifar-30k", ["--warmup", "2", "--steps", "6", "--rounds", "2", "--chunk", "2"]),
        ]
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        for nets, steps in runs:
            table = Path(folder) / "step.csv"
            run("student_step.py", "--nets", nets, *steps, *device, "--csv", str(table))
            target = ">= 0.9" if opts.device == "cuda" else ">= 0.95"
            with table.open() as f:
                for r in csv.DictReader(f):
                    chunked = next(key for key in r if key.startswith("app chunked"))[len("app ") : -len(" samples/s")]
                    single, alone = float(r["app / bare"]), float(r["Lightning alone / bare"])
                    figure = (
                        f"app, {chunked} / bare loop, {r['student']} (one step per batch: {single:.2f}; "
                        f"Lightning alone: {alone:.2f})"
                    )
                    rows.append(Row("student step", figure, float(r["ratio"]), target))
                    figure = f"app, {chunked} / Lightning alone, {r['student']}"
                    rows.append(Row("student step", figure, float(r["chunked / Lightning alone"]), ">= 1.0"))
                    if "400k" in r["student"]:  # the GPU target: 0.40 of a bf16 matmul
                        figure = f"app FLOP/s / {opts.precision} matmul's, {r['student']}"
                        rows.append(Row("student FLOP/s", figure, float(r["app / matmul"]), ">= 0.40"))
    return rows


def streaming(opts) -> list[Row]:
    script = "teacher_streaming.py"
    out = run(script, "--device", opts.device, *(["--samples", "2000"] if opts.quick else []))
    return [
        Row(
            "streaming teacher",
            "(student + streaming) / (student + teacher forward)",
            number(r"\(b\) / \(\(a\) \+ \(c\)\) = ([\d.]+)", out, script),
            "<= 1.05",
        ),
        Row(
            "logit cache",
            "cached epoch / precomputed logits",
            number(r"\(d\) / \(a\)\s+= ([\d.]+)", out, script),
            "<= 1.05",
        ),
    ]


def loader(opts) -> list[Row]:
    script = "timit_loader.py"
    out = run(script, "--device", opts.device, *(["--frames", "100000"] if opts.quick else []))
    return [
        Row(
            "TIMIT loader",
            "loader frames/s / 250L-8k training frames/s",
            number(r"\(a\) / \(b\) = ([\d.]+)", out, script),
            ">= 10",
        )
    ]


def viterbi(opts) -> list[Row]:
    script = "viterbi.py"
    out = run(script, "--device", opts.device, *(["--utterances", "40"] if opts.quick else ["--rounds", "2"]))
    if "identical paths: True" not in out:
        raise RuntimeError(f"{script}: the batched decoder's paths differ from the one-utterance decoder's:\n{out}")
    return [
        Row(
            "Viterbi",
            "one utterance at a time / batched (identical paths)",
            number(r"speed-up ([\d.]+)x", out, script),
            ">= 20",
        )
    ]


BENCHMARKS = (student_step, streaming, loader, viterbi)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="CI-sized runs")
    parser.add_argument("--device", default="cpu", choices=["cpu", "cuda"], help="cuda: every benchmark on the GPU")
    parser.add_argument("--precision", default="32-true", choices=["32-true", "bf16-mixed"], help="the steps'")
    parser.add_argument("--csv", type=Path, default=Path("runs/bench/suite.csv"))
    args = parser.parse_args()
    rows: list[Row] = []
    failed = []
    for benchmark in BENCHMARKS:
        try:
            rows += benchmark(args)
        except RuntimeError as err:
            failed.append(str(err))
            print(f"[bench] {err}", file=sys.stderr, flush=True)
    lines = ["| benchmark | figure | ratio | target | pass |", "|---|---|---:|---|---|"]
    lines += [
        f"| {r.benchmark} | {r.figure} | {r.ratio:.3f} | {r.target} | {'yes' if r.passed else 'NO'} |" for r in rows
    ]
    print("\n" + "\n".join(lines) + ("\n\n(--quick: CI-sized runs, ratios are rough)" if args.quick else ""))
    args.csv.parent.mkdir(parents=True, exist_ok=True)
    with args.csv.open("w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["benchmark", "figure", "ratio", "target", "pass"])
        writer.writerows([r.benchmark, r.figure, round(r.ratio, 4), r.target, r.passed] for r in rows)
    print(f"[bench] table written to {args.csv}")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
