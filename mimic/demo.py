"""``mimic demo``: the paper's comparison on Fashion-MNIST, stage by stage, through the real CLI.

Trains two CNN teachers (seeds 0 and 1), scores their ensemble, trains the shallow net on labels, the
same shallow net as a mimic of the ensemble (L2 on logits) and as a KD student, and a conv-shallow mimic;
then tests every model and writes ``runs/demo/results.md`` and ``results.csv`` (one row per model, as in
the paper's tables) and ``curves.png`` (error by epoch). Each stage is exactly
``mimic fit|test --config configs/fashion/...``.
"""

import argparse
import time
from dataclasses import dataclass
from pathlib import Path

from mimic.report import Row, write_report

CONFIGS = Path(__file__).resolve().parents[1] / "configs"
RUNS = Path("runs/demo")  # where configs/fashion/*.yaml put their runs (run.experiment: demo)


@dataclass(frozen=True)
class Stage:
    name: str  # run.stage in its config: the run lands in runs/<experiment>/<name>/
    model: str  # the row's label in the results table
    configs: tuple[str, ...]  # relative to configs/, applied in order
    trained: bool = True  # False: only scored (the ensemble)
    role: str = "teacher"  # teacher, baseline or student


STAGES = (
    Stage("teacher_cnn", "Teacher CNN", ("fashion/teacher_cnn.yaml",)),
    Stage("teacher_cnn_seed1", "Teacher CNN, seed 1", ("fashion/teacher_cnn.yaml", "fashion/teacher_cnn_seed1.yaml")),
    Stage("ensemble", "Ensemble of 2 CNNs (the mimics' teacher)", ("fashion/ensemble.yaml",), trained=False),
    Stage("shallow_labels", "Shallow net on labels", ("fashion/shallow_labels.yaml",), role="baseline"),
    Stage("shallow_mimic", "Shallow mimic (L2 on logits)", ("fashion/shallow_mimic.yaml",), role="student"),
    Stage("shallow_kd", "Shallow student, Hinton KD (T=4)", ("fashion/shallow_kd.yaml",), role="student"),
    Stage("conv_shallow_mimic", "Conv-shallow mimic", ("fashion/conv_shallow_mimic.yaml",), role="student"),
)

# --quick: a smoke run of every stage in seconds (tests, CI); its figures mean nothing.
QUICK = (
    "--data.init_args.train_size=256",
    "--data.init_args.val_size=128",
    "--trainer.max_epochs=1",
    "--trainer.limit_val_batches=1",
    "--trainer.limit_test_batches=1",
    "--trainer.enable_progress_bar=false",
)


def run_stage(stage: Stage, config_dir: Path, extra: list[str], reuse: bool) -> Row:
    """Fit (unless reused) and test one stage; the row carries test metrics and the net's summary."""
    from mimic.cli import main

    config_args = [arg for c in stage.configs for arg in ("--config", str(config_dir / c))]
    run_dir = RUNS / stage.name
    started = time.monotonic()
    test_args = ["test", *config_args, *extra]
    if stage.trained:
        best = run_dir / "checkpoints" / "best.ckpt"
        if not (reuse and best.is_file()):
            main(["fit", *config_args, *extra])
        test_args.append(f"--ckpt_path={best}")
    tested = main(test_args)
    metrics = {k: float(v) for k, v in tested.trainer.callback_metrics.items()}
    summary = tested.model.net_summary()
    return Row(
        **Row.fields_of(stage, summary),
        test_err=metrics["test/err"],
        agreement=metrics.get("test/agreement"),
        minutes=(time.monotonic() - started) / 60,
        run_dir=run_dir,
    )


def main(args: list[str]) -> list[Row]:
    parser = argparse.ArgumentParser(prog="mimic demo", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="tiny smoke run of every stage (figures mean nothing)")
    parser.add_argument("--reuse", action="store_true", help="skip fitting stages whose best.ckpt exists")
    parser.add_argument("--wandb", action="store_true", help="log every stage and the results table to W&B")
    parser.add_argument("--configs", type=Path, default=CONFIGS, help="folder holding fashion/, logger/, trainer/")
    parser.epilog = "Other arguments go to every stage's `mimic fit|test`, e.g. --trainer.precision=bf16-mixed"
    opts, overrides = parser.parse_known_args(args)
    extra = [*(QUICK if opts.quick else ()), *overrides]
    if opts.wandb:
        extra = ["--config", str(opts.configs / "logger" / "wandb.yaml"), *extra]
    started = time.monotonic()
    rows = []
    for number, stage in enumerate(STAGES, 1):
        print(f"[mimic demo] stage {number}/{len(STAGES)}: {stage.name}", flush=True)
        rows.append(run_stage(stage, opts.configs, extra, opts.reuse))
        print(f"[mimic demo] {stage.name}: test error {rows[-1].test_err:.2%} ({rows[-1].minutes:.1f} min)", flush=True)
    minutes = (time.monotonic() - started) / 60
    report = write_report(rows, RUNS, minutes=minutes, quick=opts.quick, wandb=opts.wandb)
    print(report.read_text(), flush=True)
    return rows
