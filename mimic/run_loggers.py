"""A run's loggers: by default a CSV file in its folder that a resumed fit continues; W&B runs named after
the stage, grouped by experiment, one job type per stage, and a resumed fit logging into the run it
started (its id kept in the run folder)."""

import os
import secrets
from pathlib import Path

from jsonargparse import Namespace

from mimic import atomic
from mimic.run_defaults import RunSettings

CSV_LOGGER = "mimic.run_log.RunCSVLogger"  # Lightning's CSVLogger, continued by a resumed run
WANDB_LOGGER = "lightning.pytorch.loggers.WandbLogger"
WANDB_RUN_ID = "wandb-run-id"  # in the run folder: the W&B run a resumed fit continues


def configure_loggers(
    trainer: Namespace, run: RunSettings, run_dir: Path, fitting: bool, resuming: bool, resumed_step: int | None
) -> None:
    """Fill the ``trainer`` config section's loggers in place, before they are built."""
    if trainer.logger is None or trainer.logger is True:
        trainer.logger = Namespace(
            class_path=CSV_LOGGER,
            init_args=Namespace(save_dir=str(run_dir), name="", version="", resume_at_step=resumed_step),
        )
    for logger in trainer.logger if isinstance(trainer.logger, list) else [trainer.logger]:
        if isinstance(logger, Namespace) and logger.class_path == WANDB_LOGGER:
            name_wandb_run(logger, run, run_dir)
            if fitting:
                keep_wandb_run_id(logger, run_dir, resuming)


def name_wandb_run(logger: Namespace, run: RunSettings | Namespace, run_dir: Path) -> None:
    """Group W&B runs by experiment, one job type per stage, unless the config says otherwise."""
    init = logger.init_args
    init.name = init.name or run.stage
    if init.save_dir in (None, "."):
        init.save_dir = str(run_dir)
    extra = logger.get("dict_kwargs") or {}
    extra.setdefault("group", run.experiment)
    extra.setdefault("job_type", run.job_type)
    logger.dict_kwargs = extra


def keep_wandb_run_id(logger: Namespace, run_dir: Path, resuming: bool) -> None:
    """A fit records its W&B run id in its folder; the same fit resumed (``--ckpt_path``) logs into that
    run again (``resume="allow"``) instead of starting another. A config that sets ``id`` keeps it."""
    init = logger.init_args
    if init.get("id") or init.get("version"):
        return
    recorded = run_dir / WANDB_RUN_ID
    # DDP's other ranks parse the config again after rank 0 wrote the id: they read it, never write one
    launched_rank = os.environ.get("LOCAL_RANK", "0") != "0"
    if (resuming or launched_rank) and recorded.is_file():
        init.id = recorded.read_text().strip()
        logger.dict_kwargs = {**(logger.get("dict_kwargs") or {}), "resume": "allow"}
        return
    init.id = secrets.token_hex(4)  # W&B run ids: short, lower case letters and digits
    atomic.write_text(recorded, init.id + "\n")
