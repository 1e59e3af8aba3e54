"""W&B through the logger overlay, offline: a run is written, grouped by experiment, typed by stage."""

import pytest

from mimic.cli import main
from tests.fixtures.configs import CONFIGS, teacher_config, write_config

wandb = pytest.importorskip("wandb")


def test_wandb_offline_run(in_tmp, fashion_root, monkeypatch):
    monkeypatch.setenv("WANDB_MODE", "offline")
    monkeypatch.setenv("WANDB_SILENT", "true")
    config = write_config(in_tmp / "teacher.yaml", teacher_config(fashion_root, stage="wandb_teacher"))
    cli = main(
        ["fit", "--config", config, "--config", str(CONFIGS / "logger/wandb.yaml")]
        + ["--trainer.max_steps=2", "--trainer.limit_val_batches=1"]
    )
    run = cli.trainer.logger.experiment
    try:
        assert run.group == "test" and run.job_type == "teacher" and run.name == "wandb_teacher"
        assert (
            run.config["net/params"] > 0 and run.config["config"]["model"]["class_path"] == "mimic.tasks.TeacherModule"
        )
    finally:
        run.finish()
    offline_runs = list((in_tmp / "runs/test/wandb_teacher/wandb").glob("offline-run-*"))
    assert len(offline_runs) == 1 and any(offline_runs[0].glob("*.wandb"))


def test_a_resumed_fit_continues_its_wandb_run(in_tmp, fashion_root, monkeypatch):
    monkeypatch.setenv("WANDB_MODE", "offline")
    monkeypatch.setenv("WANDB_SILENT", "true")
    config = write_config(in_tmp / "teacher.yaml", teacher_config(fashion_root, stage="resumed"))
    overlay = ["--config", config, "--config", str(CONFIGS / "logger/wandb.yaml"), "--trainer.limit_val_batches=1"]
    overlay.append("--model.init_args.schedule=constant")  # a one-cycle schedule is fixed to its first length
    ids = []
    for extra in (["--trainer.max_epochs=1"], ["--trainer.max_epochs=2", "--ckpt_path=last"]):
        run = main(["fit", *overlay, *extra]).trainer.logger.experiment
        ids.append(run.id)
        run.finish()
    assert ids[0] == ids[1] == (in_tmp / "runs/test/resumed/wandb-run-id").read_text().strip()
    fresh = main(["fit", *overlay, "--trainer.max_epochs=1"]).trainer.logger.experiment  # a rerun: a new run
    fresh.finish()
    assert fresh.id != ids[0]


def test_results_table_goes_to_wandb(in_tmp, monkeypatch):
    """`mimic demo --wandb` logs the comparison as a W&B table in a `report` run of the demo's group."""
    from dataclasses import replace

    from mimic.experiments.fashion_demo import DEMO
    from mimic.report.page import write_report
    from mimic.report.rows import Row

    monkeypatch.setenv("WANDB_MODE", "offline")
    monkeypatch.setenv("WANDB_SILENT", "true")
    import torch

    from mimic.callbacks.kept_predictions import write_predictions

    net = {"arch": "256L-2048", "params": 10, "hidden_units": 5, "count": 100, "minutes": 1.0}
    for stage, wrong in (("labels", 3), ("mimic", 1)):
        label = torch.arange(10) % 3
        write_predictions(
            in_tmp / stage / "test/predictions.npz", torch.arange(10), label, torch.eye(3)[label.roll(wrong)]
        )
    rows = [
        Row("labels", "Shallow net on labels", "baseline", scores={"test/err": 0.1}, run_dir=in_tmp / "labels", **net),
        Row(
            "mimic",
            "Shallow mimic",
            "student",
            scores={"test/err": 0.09, "test/agreement": 0.9},
            run_dir=in_tmp / "mimic",
            twin="labels",
            **net,
        ),
    ]
    write_report(replace(DEMO, runs=in_tmp / "out", published=None).report, rows, minutes=2.0, wandb=True)
    offline_runs = list((in_tmp / "out/wandb").glob("offline-run-*"))
    assert len(offline_runs) == 1
    media = list(offline_runs[0].glob("files/media/table/results_*.table.json"))
    assert media and "Shallow mimic" in media[0].read_text()
    paired = list(offline_runs[0].glob("files/media/table/comparisons_*.table.json"))
    assert paired and "twin on labels" in paired[0].read_text()
