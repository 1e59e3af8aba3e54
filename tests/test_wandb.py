"""W&B through the logger overlay, offline: a run is written, grouped by experiment, typed by stage."""

import pytest

from mimic.cli import main
from tests.conftest import CONFIGS, teacher_config, write_config

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
