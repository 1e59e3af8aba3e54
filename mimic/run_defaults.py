"""What every ``mimic`` run gets unless its config says otherwise: the ``run`` section of the config, its
folder, checkpoints, progress bar, kept test predictions, and checkpoint files written atomically and
read without running code."""

from dataclasses import dataclass
from typing import Literal

import lightning.pytorch as pl
from lightning.fabric.plugins.io.checkpoint_io import CheckpointIO
from lightning.pytorch.callbacks import ModelCheckpoint, ProgressBar, TQDMProgressBar

from mimic.callbacks.kept_predictions import KeepTestPredictions
from mimic.callbacks.last_checkpoint import LastCheckpoint
from mimic.callbacks.random_state import RandomState
from mimic.run_folder import RunFolder
from mimic.tasks.checkpoint_io import SafeCheckpointIO

PROGRESS_REFRESH_STEPS = 20  # training steps between progress-bar refreshes


@dataclass
class RunSettings:
    """The ``run`` section of a config: where the run lands and which checkpoint is kept.

    Args:
        root: folder holding all experiments.
        experiment: experiment name (the W&B group).
        stage: stage name (the W&B run name): the run lands in ``<root>/<experiment>/<stage>/``.
        job_type: W&B job type: teacher, baseline, student, ...
        monitor: metric that picks ``checkpoints/best.ckpt`` (TIMIT: ``val/per``).
        monitor_mode: whether lower (``min``) or higher (``max``) is better.
        checkpoint_every_n_steps: also write ``checkpoints/last.ckpt`` every this many training steps, so that
            a killed run loses at most these (0: at epoch ends only). Resume with ``--ckpt_path last``.
    """

    root: str = "runs"
    experiment: str = "default"
    stage: str = "run"
    job_type: str = "train"
    monitor: str = "val/err"
    monitor_mode: Literal["min", "max"] = "min"
    checkpoint_every_n_steps: int = 1000

    def __post_init__(self) -> None:
        if self.checkpoint_every_n_steps < 0:
            raise ValueError(f"run.checkpoint_every_n_steps must be 0 or more, got {self.checkpoint_every_n_steps}")

    @property
    def folder(self) -> RunFolder:
        return RunFolder.of(self.root, self.experiment, self.stage)


def default_callbacks(
    configured: list[pl.Callback], subcommand: str | None, run: RunSettings, checkpointing: bool, progress: bool
) -> list[pl.Callback]:
    """``configured`` plus what a run of ``subcommand`` needs and the config did not give."""
    callbacks = list(configured)

    def missing(kind: type) -> bool:
        return not any(isinstance(c, kind) for c in callbacks)

    if subcommand == "fit":
        if checkpointing and missing(ModelCheckpoint):
            folder = run.folder
            callbacks.append(
                ModelCheckpoint(
                    dirpath=folder.checkpoints,
                    filename=folder.best.stem,
                    monitor=run.monitor,
                    mode=run.monitor_mode,
                    save_last=False,  # Lightning's last.ckpt follows the best one, not the run: LastCheckpoint's
                    auto_insert_metric_name=False,
                    enable_version_counter=False,
                )
            )
            callbacks.append(LastCheckpoint(folder.checkpoints, every_n_steps=run.checkpoint_every_n_steps))
        if missing(RandomState):
            callbacks.append(RandomState())  # a resumed run draws what the interrupted one would have
    if progress and missing(ProgressBar):
        # Each refresh turns the bar's figures into Python numbers, which waits for the GPU: at Lightning's
        # default (every step) that is a stall per step.
        callbacks.append(TQDMProgressBar(refresh_rate=PROGRESS_REFRESH_STEPS))
    if subcommand == "test" and missing(KeepTestPredictions):
        callbacks.append(KeepTestPredictions())  # every test run keeps its predictions
    return callbacks


def default_plugins(configured: list | object | None) -> list:
    """``configured`` plus ``SafeCheckpointIO`` unless the config gives a checkpoint writer of its own."""
    plugins = list(configured) if isinstance(configured, list) else [] if configured is None else [configured]
    if not any(isinstance(p, CheckpointIO) for p in plugins):
        plugins.append(SafeCheckpointIO())  # atomic saves, safe loads that name the file
    return plugins
