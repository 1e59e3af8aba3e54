"""One runner for every experiment: each stage through the real CLI, then one report.

``mimic demo`` and ``mimic demo-speech`` are this runner with their ``Experiment``; options common to
both: ``--quick`` (smoke run), ``--reuse`` (keep trained checkpoints), ``--wandb``, and any other
argument goes to every stage's ``mimic fit|validate|test``.
"""

import time
from pathlib import Path

from mimic import errors
from mimic.experiments.experiment import Experiment, Stage
from mimic.experiments.report import write_report
from mimic.experiments.rows import Row

CONFIGS = Path(__file__).resolve().parents[2] / "configs"


def stage_arguments(experiment: Experiment, stage: Stage, config_dir: Path = CONFIGS) -> list[str]:
    """The stage's configs and overrides, as every ``mimic fit|validate|test`` of it receives them."""
    config_args = [arg for c in stage.configs for arg in ("--config", str(config_dir / c))]
    # the run lands where the report looks for it, whatever the configs say
    place = experiment.runs
    config_args += [f"--run.root={place.parent}", f"--run.experiment={place.name}", f"--run.stage={stage.name}"]
    return [*config_args, *experiment.args, *stage.args]


def run_stage(experiment: Experiment, stage: Stage, config_dir: Path, extra: list[str], reuse: bool) -> Row:
    """Fit (unless reused or only scored), then score the best checkpoint; returns the stage's row."""
    from mimic.cli import main  # the CLI imports every package: not needed to build an Experiment

    config_args = stage_arguments(experiment, stage, config_dir)
    run_dir = experiment.runs / stage.name
    started = time.monotonic()
    checkpoint: list[str] = []
    if stage.trained:
        best = run_dir / "checkpoints" / "best.ckpt"
        if not (reuse and best.is_file()):
            main(["fit", *config_args, *extra])
        checkpoint = [f"--ckpt_path={best}"]
    scores: dict[str, float] = {}
    if experiment.scoring.validate:
        validated = main(["validate", *config_args, *extra, *checkpoint])
        scores.update({k: float(v) for k, v in validated.trainer.callback_metrics.items()})
    tested = main(["test", *config_args, *extra, *checkpoint])
    scores.update({k: float(v) for k, v in tested.trainer.callback_metrics.items()})
    return Row.of(
        stage,
        tested.model.net_summary(),
        scores,
        count=experiment.scoring.count(tested),
        minutes=(time.monotonic() - started) / 60,
        run_dir=run_dir,
    )


def run_experiment(experiment: Experiment, args: list[str], description: str | None = None) -> list[Row]:
    """Parse the tool's arguments, run every stage, write the report; returns the rows."""
    parser = errors.ToolParser(prog=f"mimic {experiment.name}", description=description)
    parser.add_argument("--quick", action="store_true", help="tiny smoke run of every stage (figures mean nothing)")
    parser.add_argument("--reuse", action="store_true", help="skip fitting stages whose best.ckpt exists")
    parser.add_argument("--wandb", action="store_true", help="log every stage and the results table to W&B")
    parser.add_argument("--configs", type=Path, default=CONFIGS, help="folder holding the stages' configs")
    parser.add_argument("--skip", default="", help="comma-separated stages to leave out (not run, not reported)")
    parser.epilog = "Other arguments go to every stage's `mimic fit|validate|test`, e.g. --trainer.max_epochs=2"
    opts, overrides = parser.parse_known_args(args)
    extra = [*(experiment.quick if opts.quick else ()), *overrides]
    if opts.wandb:
        extra = ["--config", str(opts.configs / "logger" / "wandb.yaml"), *extra]
    started = time.monotonic()
    skipped = {name for name in opts.skip.split(",") if name}
    unknown = skipped - {stage.name for stage in experiment.stages}
    if unknown:
        parser.error(f"--skip: no stage named {', '.join(sorted(unknown))}")
    stages = [stage for stage in experiment.stages if stage.name not in skipped]
    if experiment.prepare is not None:
        experiment.prepare(opts.quick, {stage.name for stage in stages})
    # whether any stage will keep an earlier run's checkpoint (the report says so, for its timing)
    reused = opts.reuse and any(
        (experiment.runs / s.name / "checkpoints" / "best.ckpt").is_file() for s in stages if s.trained
    )
    rows = []
    tag = f"[mimic {experiment.name}]"
    for number, stage in enumerate(stages, 1):
        print(f"{tag} stage {number}/{len(stages)}: {stage.name}", flush=True)
        rows.append(run_stage(experiment, stage, opts.configs, extra, opts.reuse))
        shown = ", ".join(
            f"{name} ({split}) {rows[-1].scores[key]:.2%}" for split, key, name in experiment.scoring.compared
        )
        print(f"{tag} {stage.name}: {shown} ({rows[-1].minutes:.1f} min)", flush=True)
    minutes = (time.monotonic() - started) / 60
    report = write_report(experiment, rows, minutes=minutes, quick=opts.quick, wandb=opts.wandb, reused=reused)
    print(report.read_text(), flush=True)
    return rows
