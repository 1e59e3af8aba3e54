"""An experiment run again resumes like a build (``mimic.experiments.build``): done stages are reused,
``--force`` and changed configs retrain a stage and what reads it, ``--plan`` says so without running,
and every bad state of a stage's folder gets one line and a safe action. On a three-stage experiment of
tiny nets (teacher, its mimic, the mimic's twin on labels), run once and copied into each test."""

import errno
import json
import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from mimic.experiments import runner
from mimic.experiments.experiment import Experiment, Stage
from mimic.experiments.runner import run_experiment
from mimic.report.scoring import ERROR_RATES
from mimic.stage_record import StageRecord
from tests.fixtures.configs import shallow_net, student_config, teacher_config, write_config

STAGES = (
    Stage("teacher", "Teacher", ("teacher.yaml",)),
    Stage("labels", "Shallow net on labels", ("labels.yaml",), role="baseline"),
    Stage(
        "mimic", "Shallow mimic", ("mimic.yaml",), role="student", reads=("teacher",), twin="labels", teacher="teacher"
    ),
)
TINY = Experiment("build", "build test", Path("runs/build"), STAGES, ERROR_RATES)


def _configs(folder: Path, fashion_root: Path) -> Path:
    folder.mkdir()
    write_config(folder / "teacher.yaml", teacher_config(fashion_root))
    write_config(folder / "labels.yaml", teacher_config(fashion_root, net=shallow_net()))
    write_config(folder / "mimic.yaml", student_config(fashion_root, []))
    return folder


@pytest.fixture(scope="module")
def built(tmp_path_factory, fashion_root) -> Path:
    """A folder where the tiny experiment ran to its end once (``configs/``, ``runs/build/``)."""
    folder = tmp_path_factory.mktemp("built")
    configs = _configs(folder / "configs", fashion_root)
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(folder)
        run_experiment(TINY, [f"--configs={configs}"])
    return folder


@pytest.fixture
def work(built, tmp_path, monkeypatch) -> Path:
    """A copy of the built experiment to change, as the working folder; fits are counted in ``fits``."""
    shutil.copytree(built, tmp_path, dirs_exist_ok=True)
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture
def fits(monkeypatch) -> list[str]:
    """The stages fitted by the runs of a test, in order."""
    fitted: list[str] = []
    fit = runner.fit

    def counted(stage, args):
        fitted.append(stage.name)
        fit(stage, args)

    monkeypatch.setattr(runner, "fit", counted)
    return fitted


def _run(*args: str, experiment: Experiment = TINY) -> None:
    run_experiment(experiment, ["--configs=configs", *args])


def _plan(capsys, *args: str, experiment: Experiment = TINY) -> dict[str, str]:
    capsys.readouterr()
    _run("--plan", *args, experiment=experiment)
    lines = [line.split(maxsplit=3)[2:] for line in capsys.readouterr().out.splitlines() if line.startswith("[mimic")]
    return {name: what for name, what in (line for line in lines if len(line) == 2)}


def _record(stage: str) -> Path:
    return Path("runs/build") / stage / "record.json"


def test_a_rerun_reuses_every_done_stage_and_plan_runs_nothing(work, fits, capsys):
    before = {stage.name: _record(stage.name).read_text() for stage in STAGES}
    plan = _plan(capsys)
    assert all(what.startswith("done: record ") for what in plan.values()), plan
    _run()
    assert fits == []
    assert {stage.name: _record(stage.name).read_text() for stage in STAGES} == before
    assert "it reused 3 of the 3 stages, done before it." in Path("runs/build/results.md").read_text()


def test_force_retrains_the_stage_and_what_reads_it(work, fits, capsys):
    plan = _plan(capsys, "--force=teacher")
    assert plan["teacher"] == "inputs changed: --force" and plan["mimic"] == "inputs changed: --force"
    assert plan["labels"].startswith("done")
    _run("--force=teacher")
    assert fits == ["teacher", "mimic"]


def test_a_changed_config_retrains_the_stage_and_then_what_reads_it(work, fits, capsys):
    lr = replace(STAGES[0], args=("--model.init_args.lr=0.02",))
    changed = replace(TINY, stages=(lr, *STAGES[1:]))
    plan = _plan(capsys, experiment=changed)
    assert plan["teacher"] == "inputs changed: config changed: model.init_args.lr 0.05 -> 0.02"
    assert plan["mimic"] == "inputs changed: reads teacher (inputs changed), which runs first"
    assert plan["labels"].startswith("done")
    _run(experiment=changed)
    assert fits == ["teacher", "mimic"]
    record = StageRecord.read(_record("mimic"))
    assert (
        record.inputs["checkpoint runs/build/teacher/checkpoints/best.ckpt"]
        == StageRecord.read(_record("teacher")).output
    )


def test_settings_that_change_no_result_retrain_nothing(work, fits):
    _run("--trainer.enable_progress_bar=true", "--run.checkpoint_every_n_steps=5")
    assert fits == []


def test_a_truncated_record_is_set_aside_and_its_stage_trained_again(work, fits, capsys):
    record = _record("teacher")
    record.write_text(record.read_text()[:50])
    plan = _plan(capsys)
    assert plan["teacher"].startswith(f"inputs changed: {record} is not JSON, cut short or edited")
    _run()
    assert fits[0] == "teacher" and StageRecord.read(record).state == "done"
    # the mimic is trained again unless the teacher's new checkpoint is its old one byte for byte
    reused = f"it reused {3 - len(fits)} of the 3 stages, done before it."
    assert reused in Path("runs/build/results.md").read_text()
    aside = list(Path("runs/build/.set-aside").iterdir())
    assert [p.name.split("-")[0] for p in aside] == ["teacher"] and (aside[0] / "checkpoints/best.ckpt").is_file()


def test_a_done_stage_whose_checkpoint_was_deleted_is_trained_again(work, fits, capsys):
    Path("runs/build/teacher/checkpoints/best.ckpt").unlink()
    assert _plan(capsys)["teacher"] == "inputs changed: done, but runs/build/teacher/checkpoints/best.ckpt is gone"
    _run()
    assert fits[0] == "teacher"


def test_a_folder_of_another_experiment_or_without_a_record_is_set_aside(work, fits, capsys):
    record = json.loads(_record("teacher").read_text())
    _record("teacher").write_text(json.dumps(record | {"experiment": "paper"}))
    _record("labels").unlink()  # as a hand-run `mimic fit` leaves it
    plan = _plan(capsys)
    assert plan["teacher"] == f"inputs changed: {_record('teacher')} is stage 'teacher' of experiment 'paper'"
    assert plan["labels"] == "inputs changed: runs/build/labels has no record.json (left by a hand-run fit?)"
    _run()
    assert sorted(fits[:2]) == ["labels", "teacher"]
    assert len(list(Path("runs/build/.set-aside").iterdir())) == 2


def test_a_stage_of_another_mimic_version_is_trained_again(work, fits, capsys):
    record = json.loads(_record("labels").read_text())
    _record("labels").write_text(json.dumps(record | {"version": "0.0.1"}))
    assert _plan(capsys)["labels"].startswith("inputs changed: made by mimic 0.0.1; this is mimic ")
    _run()
    assert fits == ["labels"]


def test_a_full_disk_while_a_record_is_written_is_one_line_and_the_rerun_goes_on(work, fits, monkeypatch, capsys):
    shutil.rmtree("runs/build/labels")
    write = StageRecord.write

    def full_disk(record, path):
        if record.state == "done":
            raise OSError(errno.ENOSPC, "No space left on device")
        write(record, path)

    monkeypatch.setattr(StageRecord, "write", full_disk)
    with pytest.raises(SystemExit) as stopped:
        _run()
    assert stopped.value.code == 2
    line = capsys.readouterr().err.strip().splitlines()[-1]
    assert line.startswith(f"mimic: error: {_record('labels')}: could not write the stage's record (No space left")
    assert StageRecord.read(_record("labels")).state == "fitted"  # the record before it, intact
    monkeypatch.setattr(StageRecord, "write", write)
    assert _plan(capsys)["labels"] == "score: fitted, stopped while it was scored"
    _run()
    assert fits == ["labels"]  # fitted once, then only scored
    assert StageRecord.read(_record("labels")).state == "done"


def test_a_done_stage_whose_scores_are_gone_is_scored_again_not_trained(work, fits, capsys):
    Path("runs/build/mimic/test/predictions.npz").unlink()
    assert _plan(capsys)["mimic"] == "score: done, but runs/build/mimic/test/predictions.npz is gone"
    _run()
    assert fits == [] and Path("runs/build/mimic/test/predictions.npz").is_file()


def test_force_names_only_stages_it_has(work, capsys):
    with pytest.raises(SystemExit):
        _run("--force=teachr")
    assert capsys.readouterr().err.strip() == "mimic: error: build: --force: no stage named teachr"


def test_a_full_disk_while_a_stage_writes_its_scores_is_one_line_and_the_rerun_scores_it(
    work, fits, monkeypatch, capsys
):
    from mimic.report.rows import Measured

    def full_disk(*_):
        raise OSError(errno.ENOSPC, "No space left on device", "scores.json")

    shutil.rmtree("runs/build/mimic")
    with monkeypatch.context() as patch, pytest.raises(SystemExit):
        patch.setattr(Measured, "write", full_disk)
        _run()
    assert capsys.readouterr().err.strip().splitlines()[-1] == (
        "mimic: error: stage mimic: the disk is full (scores.json); what was written before is intact: once that "
        "is fixed, the same command goes on from there"
    )
    assert _plan(capsys)["mimic"] == "score: fitted, stopped while it was scored"
    _run()
    assert fits == ["mimic"]
    Path("runs/build/mimic/checkpoints/best.ckpt").unlink()
    record = StageRecord.read(_record("mimic"))
    record.advanced("fitted").write(_record("mimic"))
    assert _plan(capsys)["mimic"] == "inputs changed: fitted, but runs/build/mimic/checkpoints/best.ckpt is gone"


def test_a_new_argument_switched_off_is_no_config_change():
    from mimic.experiments.build import only_new_switches_off

    before = {"model": {"init_args": {"lr": 0.05, "teacher": {"init_args": {"cache": True}}}}}
    gained = {"model": {"init_args": {"lr": 0.05, "centre_logits": False, "target_floor": None}}}
    gained["model"]["init_args"]["teacher"] = {"init_args": {"cache": True, "models": None}}
    assert only_new_switches_off(before, gained)
    switched_on = {"model": {"init_args": {"lr": 0.05, "centre_logits": True}}}
    switched_on["model"]["init_args"]["teacher"] = {"init_args": {"cache": True}}
    assert not only_new_switches_off(before, switched_on)
    zero = {"model": {"init_args": {"lr": 0.05, "target_floor": 0, "teacher": {"init_args": {"cache": True}}}}}
    assert not only_new_switches_off(before, zero)  # 0 is a value, not "off": it may change a result
    changed = {"model": {"init_args": {"lr": 0.02, "teacher": {"init_args": {"cache": True}}}}}
    assert not only_new_switches_off(before, changed)
    removed = {"model": {"init_args": {"teacher": {"init_args": {"cache": True}}}}}
    assert not only_new_switches_off(before, removed)
