"""One runner for every experiment: each stage through the real CLI, the cost of every net by ``mimic
speed``, then one report from what the runs wrote.

Each stage goes as ``mimic.experiments.build`` decides from its record: reused, resumed, scored, or
trained again with every stage that reads it. Options common to every experiment command: ``--quick``
(smoke run), ``--plan`` (say what would run, and why), ``--force STAGE``, ``--skip``, ``--wandb``; any other
argument goes to every stage's ``mimic fit|validate|test``.
"""

import errno
import time
from dataclasses import replace
from pathlib import Path

from mimic import errors
from mimic.content_hash import content_hash
from mimic.experiments.build import Decision, clear_all_but_record, decide, dependents, make_room
from mimic.experiments.experiment import Experiment, Stage
from mimic.experiments.stage_inputs import StageInputs
from mimic.report.choices import choose
from mimic.report.costs import SPEED_FILE
from mimic.report.page import write_report
from mimic.report.rows import Measured, Row
from mimic.run_folder import RunFolder
from mimic.stage_record import StageRecord

CONFIGS = Path(__file__).resolve().parents[2] / "configs"
GO_ON = "what was written before is intact: once that is fixed, the same command goes on from there"
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


def kept_files(experiment: Experiment, folder: RunFolder) -> tuple[Path, ...]:
    """The test results a stage's scoring keeps for the report's paired comparisons."""
    paired = experiment.scoring.paired
    return {"mcnemar": (folder.predictions,), "bootstrap": (folder.utterances,)}.get(paired, ())


def read_inputs(experiment: Experiment, stage: Stage, config_dir: Path, extra: list[str]) -> StageInputs:
    subcommand = "fit" if stage.trained else "test"
    return StageInputs.of(subcommand, [*stage_arguments(experiment, stage, config_dir), *extra])


def run_stage(
    experiment: Experiment, stage: Stage, decision: Decision, inputs: StageInputs, config_dir: Path, extra: list[str]
) -> Row:
    """Bring the stage to done as ``decision`` says: fit it (afresh or resumed) unless it is only scored
    or already fitted, then score its best checkpoint, keeping its record up to date at every step."""
    folder = stage_folder(experiment, stage.name)
    if decision.action == "done":
        return read_row(experiment, stage)
    started = time.monotonic()
    record = StageRecord(experiment.name, stage.name, "started", inputs.config, inputs.config_hash, inputs.hashes())
    resume_from: list[str] = []
    if decision.action in ("retrain", "new"):
        aside = make_room(folder, decision.set_aside)
        if aside is not None:
            print(f"[mimic {experiment.name}] {stage.name}: its folder was moved to {aside}", flush=True)
    elif decision.action == "resume":
        if folder.last.is_file():
            resume_from = [f"--ckpt_path={folder.last}"]
        else:
            clear_all_but_record(folder)
    if decision.action != "score":
        write_record(record, folder)
        if stage.trained:
            fit(stage, [*stage_arguments(experiment, stage, config_dir), *extra, *resume_from])
    if stage.trained:
        write_record(record.advanced("fitted"), folder)
    measured = score(experiment, stage, config_dir, extra, started)
    measured.write(folder)
    output = content_hash(folder.best) if stage.trained else None
    write_record(record.advanced("done", output), folder)
    return read_row(experiment, stage)


def fit(stage: Stage, args: list[str]) -> None:
    from mimic.cli import main  # the CLI imports every package: not needed to declare an Experiment

    fitted = main(["fit", *args])
    if fitted.trainer.interrupted:  # never recorded as fitted: the same command resumes it
        errors.fail(f"stage {stage.name}: its fit was interrupted; run the same command again to resume it")


def score(experiment: Experiment, stage: Stage, config_dir: Path, extra: list[str], started: float) -> Measured:
    """``mimic validate`` (where the scoring asks) and ``mimic test`` of the stage's best checkpoint; the
    minutes counted from ``started`` (``time.monotonic()``)."""
    from mimic.cli import main

    folder = stage_folder(experiment, stage.name)
    args = [*stage_arguments(experiment, stage, config_dir), *extra]
    checkpoint = [f"--ckpt_path={folder.best}"] if stage.trained else []
    scores: dict[str, float] = {}
    if experiment.scoring.validate:
        validated = main(["validate", *args, *checkpoint])
        scores.update({k: float(v) for k, v in validated.trainer.callback_metrics.items()})
    tested = main(["test", *args, *checkpoint])
    scores.update({k: float(v) for k, v in tested.trainer.callback_metrics.items()})
    summary = tested.model.net_summary()
    count = {
        "test": lambda: len(tested.trainer.test_dataloaders.dataset),
        "val": lambda: len(tested.datamodule.datasets["val"]),
        "phones": lambda: tested.datamodule.scored_phones("test"),
    }[experiment.scoring.count]()
    minutes = (time.monotonic() - started) / 60
    return Measured(summary["net/arch"], summary["net/params"], summary["net/hidden_units"], scores, count, minutes)


def write_record(record: StageRecord, folder: RunFolder) -> None:
    """Write the stage's record; a disk that fills up ends the run with one line, the record before intact."""
    try:
        record.write(folder.record)
    except OSError as err:
        errors.fail(f"{folder.record}: could not write the stage's record ({err.strerror or err}); {GO_ON}")


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
        members=() if stage.trained else stage.reads,
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
    """Parse the command's arguments, bring every stage to done, measure the nets' cost, write the report;
    returns the table's rows (a choice's tries as the chosen one)."""
    parser = errors.ToolParser(prog=f"mimic {experiment.name}", description=description)
    parser.add_argument("--quick", action="store_true", help="tiny smoke run of every stage (figures mean nothing)")
    parser.add_argument("--plan", action="store_true", help="print what would run and why, and stop")
    parser.add_argument(
        "--force", default="", help="comma-separated stages to train again, with every stage that reads them"
    )
    parser.add_argument("--wandb", action="store_true", help="log every stage and the results table to W&B")
    parser.add_argument("--configs", type=Path, default=CONFIGS, help="folder holding the stages' configs")
    parser.add_argument("--skip", default="", help="comma-separated stages to leave out (not run, not reported)")
    parser.epilog = (
        "Rerunning the same command resumes: done stages are reused, a stopped one resumes, a changed one is "
        "trained again with what reads it. Other arguments go to every stage's `mimic fit|validate|test`, "
        "e.g. --trainer.max_epochs=2"
    )
    opts, overrides = parser.parse_known_args(args)
    extra = [*(experiment.quick if opts.quick else ()), *overrides]
    if opts.wandb:
        extra = ["--config", str(opts.configs / "logger" / "wandb.yaml"), *extra]
    started = time.monotonic()
    names = {stage.name for stage in experiment.stages}
    skipped, forced = (set(filter(None, option.split(","))) for option in (opts.skip, opts.force))
    for flag, given in (("--skip", skipped), ("--force", forced)):
        if given - names:
            parser.error(f"{flag}: no stage named {', '.join(sorted(given - names))}")
    stages = [stage for stage in experiment.stages if stage.name not in skipped]
    if opts.quick:
        stages = [replace(stage, args=(*stage.args, *stage.quick)) for stage in stages]
    if experiment.prepare is not None and not opts.plan:
        experiment.prepare(opts.quick, {stage.name for stage in stages})
    tag = f"[mimic {experiment.name}]"
    inputs = {stage.name: read_inputs(experiment, stage, opts.configs, extra) for stage in stages}
    reads = stages_read(experiment, stages, inputs)
    forced = dependents(forced, reads)
    print_plan(tag, make_plan(experiment, stages, inputs, reads, forced))
    if opts.plan:
        return []
    rows, reused = [], 0
    for number, stage in enumerate(stages, 1):
        # decided again now: a stage it reads may have just been trained again, to the same checkpoint or not
        decision = decide_stage(experiment, stage, inputs[stage.name], stage.name in forced)
        reused += decision.action == "done"
        print(f"{tag} stage {number}/{len(stages)}: {stage.name}: {decision.line()}", flush=True)
        try:
            rows.append(run_stage(experiment, stage, decision, inputs[stage.name], opts.configs, extra))
        except OSError as err:
            if err.errno != errno.ENOSPC:
                raise
            errors.fail(f"stage {stage.name}: the disk is full ({err.filename or err}); {GO_ON}")
        shown = ", ".join(
            f"{name} ({split}) {rows[-1].scores[key]:.2%}" for split, key, name in experiment.scoring.compared
        )
        print(f"{tag} {stage.name}: {shown} (record {rows[-1].record.id}, {rows[-1].minutes:.1f} min)", flush=True)
    print(f"{tag} the cost of every net: mimic speed", flush=True)
    measure_costs(experiment, stages)
    minutes = (time.monotonic() - started) / 60
    report = errors.reported(write_report, experiment.report, rows, minutes, opts.quick, opts.wandb, reused)
    print(report.read_text(), flush=True)
    return choose(rows, experiment.choices)[0]  # the table's rows: each choice as its chosen try


def print_plan(tag: str, plan: dict[str, Decision]) -> None:
    print(f"{tag} plan:", flush=True)
    width = max(len(name) for name in plan)
    for name, decision in plan.items():
        print(f"{tag}   {name:<{width}}  {decision.line()}", flush=True)


def decide_stage(experiment: Experiment, stage: Stage, inputs: StageInputs, forced: bool, upstream=None) -> Decision:
    folder = stage_folder(experiment, stage.name)
    return decide(experiment.name, stage, folder, inputs, kept_files(experiment, folder), forced, upstream)


def stages_read(experiment: Experiment, stages: list[Stage], inputs: dict[str, StageInputs]) -> dict[str, list[str]]:
    """Which stages each stage reads the checkpoint of, from the checkpoints its config names."""
    produced = {stage_folder(experiment, s.name).best: s.name for s in stages if s.trained}
    return {s.name: inputs[s.name].upstream(produced) for s in stages}


def make_plan(
    experiment: Experiment,
    stages: list[Stage],
    inputs: dict[str, StageInputs],
    reads: dict[str, list[str]],
    forced: set[str],
) -> dict[str, Decision]:
    """Each stage's decision, in order, a stage that reads one trained first counted as changed."""
    plan: dict[str, Decision] = {}
    for stage in stages:
        upstream = {name: plan[name].action for name in reads[stage.name] if name in plan}
        plan[stage.name] = decide_stage(experiment, stage, inputs[stage.name], stage.name in forced, upstream)
    return plan
