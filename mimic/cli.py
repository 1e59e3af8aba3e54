"""The ``mimic`` command: Lightning's ``fit|validate|test|predict``, plus the experiments and tools
(``mimic.commands``).

Each stage is one run; the config's ``run`` section (``mimic.run_defaults.RunSettings``) places it at
``runs/<experiment>/<stage>/`` (``mimic.run_folder``). Everything a config gets wrong is reported as one
``mimic: error:`` line before the trainer starts: the parser's own errors, and those the model's, the
data's and the callbacks' constructors raise when they check their arguments.
"""

import logging
import sys
import warnings
from pathlib import Path
from typing import Any

import lightning.pytorch as pl
from jsonargparse import DefaultHelpFormatter, Namespace
from lightning.pytorch.cli import LightningArgumentParser, LightningCLI, SaveConfigCallback

from mimic import commands, errors
from mimic.config_files import check_yaml, config_files
from mimic.linking import link_net_to_data
from mimic.run_defaults import RunSettings, default_callbacks, default_plugins
from mimic.run_loggers import configure_loggers
from mimic.tasks.checkpoint_io import SafeCheckpointIO

DESCRIPTION = "mimic: train deep teachers, then shallow students that mimic their logits (Ba & Caruana 2014)."


class HelpFormatter(DefaultHelpFormatter):
    """jsonargparse's help, but the description and the list of commands keep their line breaks."""

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        return "".join(indent + line for line in text.splitlines(keepends=True))


class ConfigToLoggers(SaveConfigCallback):
    """Saves ``config.yaml`` next to the run and hands the resolved config to every logger (W&B config)."""

    def save_config(self, trainer: pl.Trainer, pl_module: pl.LightningModule, stage: str) -> None:
        config = self.config.as_dict()
        config.pop("config", None)  # the paths of the YAML files, not settings
        for logger in trainer.loggers:
            logger.log_hyperparams({"config": config})


class MimicArgumentParser(LightningArgumentParser):
    """Configuration errors as one ``mimic: error:`` line instead of the usage text and a long message."""

    def error(self, message: str, ex: Exception | None = None):
        if errors.debugging():
            super().error(message, ex)
        errors.fail(message)


class MimicCLI(LightningCLI):
    """LightningCLI with models and datamodules given by ``class_path`` and run folders under ``runs/``."""

    def __init__(self, args: list[str] | None = None, run: bool = True) -> None:
        super().__init__(
            model_class=pl.LightningModule,
            datamodule_class=pl.LightningDataModule,
            subclass_mode_model=True,
            subclass_mode_data=True,
            save_config_callback=ConfigToLoggers,
            save_config_kwargs={"overwrite": True},
            trainer_defaults={"precision": "32-true"},
            parser_kwargs={"description": DESCRIPTION, "epilog": commands.epilog(), "formatter_class": HelpFormatter},
            parser_class=MimicArgumentParser,
            auto_configure_optimizers=False,
            args=args,
            run=run,
        )

    def add_arguments_to_parser(self, parser: LightningArgumentParser) -> None:
        parser.add_class_arguments(RunSettings, "run")

    def parse_arguments(self, parser: LightningArgumentParser, args: Any) -> None:
        argv = list(sys.argv[1:] if args is None else args) if not isinstance(args, dict | Namespace) else []
        for path in config_files(argv):
            errors.reported(check_yaml, path)  # jsonargparse names neither the file nor the line
        super().parse_arguments(parser, args)
        # Lightning reads --ckpt_path next (for its hyperparameters) with a bare torch.load, whose errors name
        # no file and advise weights_only=False: read it our way first, so a bad file is one clear line.
        path = self.config[self.config.subcommand].get("ckpt_path") if self.config.get("subcommand") else None
        if path and Path(path).is_file():
            checkpoint = errors.reported(SafeCheckpointIO().load_checkpoint, path)
            self._read_steps = (str(path), logged_steps(checkpoint))  # a resumed fit's, once

    @property
    def run_settings(self) -> RunSettings:
        section = (self.config[self.subcommand] if self.subcommand else self.config).run
        return RunSettings(**section.as_dict())

    @property
    def run_dir(self) -> Path:
        return self.run_settings.folder.run_dir(self.subcommand)

    def before_instantiate_classes(self) -> None:
        config = self.config[self.subcommand] if self.subcommand else self.config
        if "weights_only" in config and config.weights_only is None:
            config.weights_only = True  # --ckpt_path files are read without unpickling code unless asked
        error = link_net_to_data(config.model, config.data)
        if error:
            errors.fail(error)
        fitting = self.subcommand == "fit"
        resuming, resumed_step = fitting and bool(config.get("ckpt_path")), self._resumed_step(config)
        configure_loggers(config.trainer, self.run_settings, self.run_dir, fitting, resuming, resumed_step)

    def _resumed_step(self, config: Namespace) -> int | None:
        """The logged steps a ``fit --ckpt_path`` checkpoint had taken (the metrics rows before them are kept)."""
        path = config.get("ckpt_path") if self.subcommand == "fit" else None
        path = self.run_settings.folder.last if path == "last" else path
        if not path or not Path(path).is_file():
            return None
        read = getattr(self, "_read_steps", None)  # parse_arguments read this file already
        if read is not None and read[0] == str(path):
            return read[1]
        return logged_steps(SafeCheckpointIO().load_checkpoint(path))

    def instantiate_classes(self) -> None:
        # jsonargparse wraps a constructor's error in its own text about union types: report the original.
        try:
            super().instantiate_classes()
        except Exception as err:  # noqa: BLE001 - re-raised unless it is a user's mistake
            cause = errors.user_error_behind(err)
            if cause is None:
                raise
            if errors.debugging():
                raise cause from None  # its own traceback, without jsonargparse's around it
            errors.fail(cause)

    def instantiate_trainer(self, **kwargs: Any) -> pl.Trainer:
        kwargs.setdefault("default_root_dir", str(self.run_dir))
        trainer_config = (self.config_init[self.subcommand] if self.subcommand else self.config_init).trainer
        checkpointing = trainer_config.get("enable_checkpointing") is not False
        progress = trainer_config.get("enable_progress_bar") is not False
        configured = list(trainer_config.get("callbacks") or [])
        run = self.run_settings
        kwargs.setdefault("callbacks", default_callbacks(configured, self.subcommand, run, checkpointing, progress))
        kwargs.setdefault("plugins", default_plugins(trainer_config.get("plugins")))
        return super().instantiate_trainer(**kwargs)


class _NoAdverts(logging.Filter):
    """Lightning's tips for its cloud products, printed at every run."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith("💡 Tip:")


logging.getLogger("lightning.pytorch.utilities.rank_zero").addFilter(_NoAdverts())


def main(args: list[str] | None = None) -> Any:
    """Run ``mimic ARGS``; returns the CLI (or the command's result) so tests can inspect it."""
    argv = sys.argv[1:] if args is None else list(args)
    if argv and argv[0] in commands.COMMANDS:
        return commands.command(argv[0])(argv[1:])
    if args is not None and sys.argv[1:]:
        # Called from Python (tests, the experiments) in a process with its own argv: Lightning warns about
        # the two, but only ``args`` is used, which is what we want.
        warnings.filterwarnings("ignore", message="LightningCLI's args parameter is intended")
    return MimicCLI(args=argv if args is not None else None)


def console_main() -> None:
    """The ``mimic`` console script: like ``main``, but a user's mistake ends as one ``mimic: error:`` line
    and exit status 2 (the traceback with ``--debug`` or ``MIMIC_DEBUG=1``), and success as status 0."""
    sys.argv = [sys.argv[0], *errors.take_debug_flag(sys.argv[1:])]
    try:
        main()
    except errors.USER_ERRORS as err:
        if errors.debugging():
            raise
        errors.fail(err)


def logged_steps(checkpoint: dict[str, Any]) -> int:
    """The steps of Lightning's loggers (rows ``step`` 0 .. n - 1) that ``checkpoint`` had logged: its
    training batches that stepped, the one being finished included when it was saved at a batch's end.
    That is its optimiser steps unless a batch takes several (``model.steps_per_chunk``)."""
    fit_loop = checkpoint.get("loops", {}).get("fit_loop", {})
    stepped = fit_loop.get("epoch_loop.state_dict", {}).get("_batches_that_stepped")
    if stepped is None:
        return int(checkpoint.get("global_step", 0))
    progress = fit_loop.get("epoch_loop.batch_progress", {}).get("current", {})
    mid_batch = progress.get("processed", 0) > progress.get("completed", 0)  # saved from on_train_batch_end
    return int(stepped) + int(mid_batch)
