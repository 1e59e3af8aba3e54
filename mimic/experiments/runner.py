"""One runner for every experiment: each stage through the real CLI, the cost of every net by ``mimic
speed``, then one report from what the runs wrote.

Options common to every experiment command: ``--quick`` (smoke run), ``--reuse`` (keep trained
checkpoints), ``--skip``, ``--wandb``; any other argument goes to every stage's ``mimic fit|validate|test``.
"""

import time
from pathlib import Path

from mimic import errors
from mimic.experiments.experiment import Experiment, Stage
from mimic.report.costs import SPEED_FILE
from mimic.report.page import write_report
from mimic.report.rows import Measured, Row
from mimic.run_folder import RunFolder

CONFIGS = Path(__file__).resolve().parents[2] / "configs"
SPEED_ARGS = ("--no-onnx", "--repeats=100", "--warmup=10", "--rounds=3")  # PyTorch latency and throughput


def stage_folder(experiment: Experiment, stage: str) -> RunFolder:
    return RunFolder(experiment.runs / stage)


def stage_arguments(experiment: Experiment, stage: Stage, config_dir: Path = CONFIGS) -> list[str]:
    """The stage's configs and overrides, as every ``mimic fit|validate|test`` of it receives them."""
    args = [arg for c in stage.configs for arg in ("--config", str(config_dir / c))]
    # the run lands where the report looks for it, whatever the configs say
    place = experiment.runs
    args += [f"--run.root={place.parent}", f"--run.experiment={place.name}", f"--run.stage={stage.name}"]
    if stage.reads:
        checkpoints = ", ".join(str(stage_folder(experiment, name).best) for name in stage.reads)
        # a student reads its teachers' checkpoints, an ensemble its members'
        key = "model.init_args.teacher.init_args.checkpoints" if stage.trained else "model.init_args.checkpoints"
        args.append(f"--{key}=[{checkpoints}]")
    return [*args, *experiment.args, *stage.args]


def run_stage(experiment: Experiment, stage: Stage, config_dir: Path, extra: list[str], reuse: bool) -> Row:
    """Fit (unless reused or only scored), then score the best checkpoint; keeps what it measured in the
    stage's ``scores.json`` and returns the stage's row."""
    from mimic.cli import main  # the CLI imports every package: not needed to declare an Experiment

    args = stage_arguments(experiment, stage, config_dir)
    folder = stage_folder(experiment, stage.name)
    started = time.monotonic()
    checkpoint: list[str] = []
    if stage.trained:
        if not (reuse and folder.best.is_file()):
            main(["fit", *args, *extra])
        checkpoint = [f"--ckpt_path={folder.best}"]
    scores: dict[str, float] = {}
    if experiment.scoring.validate:
        validated = main(["validate", *args, *extra, *checkpoint])
        scores.update({k: float(v) for k, v in validated.trainer.callback_metrics.items()})
    tested = main(["test", *args, *extra, *checkpoint])
    scores.update({k: float(v) for k, v in tested.trainer.callback_metrics.items()})
    summary = tested.model.net_summary()
    count = {
        "test": lambda: len(tested.trainer.test_dataloaders.dataset),
        "val": lambda: len(tested.datamodule.datasets["val"]),
        "phones": lambda: tested.datamodule.scored_phones("test"),
    }[experiment.scoring.count]()
    minutes = (time.monotonic() - started) / 60
    measured = Measured(summary["net/arch"], summary["net/params"], summary["net/hidden_units"], scores, count, minutes)
    measured.write(folder)
    return read_row(experiment, stage)


def read_row(experiment: Experiment, stage: Stage) -> Row:
    return Row.read(
        stage_folder(experiment, stage.name),
        stage.trained,
        stage=stage.name,
        model=stage.model,
        role=stage.role,
        twin=stage.twin,
        teacher=stage.teacher,
        against=stage.against,
    )


def measure_costs(experiment: Experiment, stages: list[Stage]) -> None:
    """``mimic speed`` over every stage's net, the students' teacher first: ``<runs>/speed.csv``."""
    from mimic.cli import main

    running = {s.name for s in stages}
    # the reference of "x faster than the teacher": the students' teacher, if it is among the stages run
    teacher = next((s.teacher for s in stages if s.role == "student" and s.teacher in running), None)
    names = sorted((s.name for s in stages), key=lambda name: name != teacher)  # stable: the teacher first
    folders = [str(stage_folder(experiment, name).stage_dir) for name in names]
    main(["speed", *folders, *SPEED_ARGS, f"--csv={experiment.runs / SPEED_FILE}"])


def run_experiment(experiment: Experiment, args: list[str], description: str | None = None) -> list[Row]:
    """Parse the command's arguments, run every stage, measure the nets' cost, write the report."""
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
    reused = opts.reuse and any(stage_folder(experiment, s.name).best.is_file() for s in stages if s.trained)
    rows = []
    tag = f"[mimic {experiment.name}]"
    for number, stage in enumerate(stages, 1):
        print(f"{tag} stage {number}/{len(stages)}: {stage.name}", flush=True)
        rows.append(run_stage(experiment, stage, opts.configs, extra, opts.reuse))
        shown = ", ".join(
            f"{name} ({split}) {rows[-1].scores[key]:.2%}" for split, key, name in experiment.scoring.compared
        )
        print(f"{tag} {stage.name}: {shown} ({rows[-1].minutes:.1f} min)", flush=True)
    print(f"{tag} the cost of every net: mimic speed", flush=True)
    measure_costs(experiment, stages)
    minutes = (time.monotonic() - started) / 60
    report = write_report(experiment.report, rows, minutes=minutes, quick=opts.quick, wandb=opts.wandb, reused=reused)
    print(report.read_text(), flush=True)
    return rows
