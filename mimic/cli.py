"""The ``mimic`` command: Lightning's ``fit|validate|test|predict`` plus the tools that are not training.

Each stage of an experiment is one run; ``run.experiment`` and ``run.stage`` place it at
``runs/<experiment>/<stage>/`` with ``config.yaml``, ``metrics.csv`` and ``checkpoints/{best,last}.ckpt``,
stable paths the next stage's config points at.
"""

import os
import secrets
import sys
import warnings
from collections.abc import Callable
from importlib import import_module
from pathlib import Path
from typing import Any

import lightning.pytorch as pl
import yaml
from jsonargparse import DefaultHelpFormatter, Namespace
from lightning.fabric.plugins.io.checkpoint_io import CheckpointIO
from lightning.pytorch.callbacks import ModelCheckpoint, ProgressBar, TQDMProgressBar
from lightning.pytorch.cli import LightningArgumentParser, LightningCLI, SaveConfigCallback

from mimic import atomic, errors
from mimic.callbacks.last_checkpoint import LastCheckpoint
from mimic.callbacks.phone_error_rate import PhoneErrorRateScorer
from mimic.callbacks.random_state import RandomState
from mimic.callbacks.test_predictions import TestPredictions
from mimic.linking import link_net_to_data
from mimic.tasks.checkpoint_io import SafeCheckpointIO
from mimic.tasks.checkpoints import check_teachers

# Tools hang off the same entry point: name -> "module:function" taking the remaining arguments.
TOOLS = {
    "demo": (
        "mimic.experiments.fashion_demo:main",
        "train teacher, ensemble, shallow baseline and mimics on Fashion-MNIST; write results",
    ),
    "demo-speech": (
        "mimic.experiments.speech_demo:main",
        "synthesise a TIMIT-format corpus, train DNN teacher, shallow net and shallow mimic; write PER table",
    ),
    "paper": (
        "mimic.experiments.paper:main",
        "the paper's comparison (3 seeds) and Figures 1-3 on Fashion-MNIST; resumable with --reuse",
    ),
    "paper-speech": (
        "mimic.experiments.paper_speech:main",
        "the paper's Table 1 on a hard synthetic speech corpus, with unlabeled transfer speech; resumable",
    ),
    "nets": ("mimic.tools.nets:main", "print architecture, parameters and hidden units of the nets in configs"),
    "data": ("mimic.tools.data:main", "make datasets: `mimic data synth-timit` synthesises a TIMIT-format corpus"),
    "export": ("mimic.tools.export:main", "write a trained net or ensemble as ONNX, TorchScript or a state dict"),
    "speed": ("mimic.tools.speed:main", "inference latency and throughput of nets (PyTorch and onnxruntime)"),
}

DESCRIPTION = "mimic: train deep teachers, then shallow students that mimic their logits (Ba & Caruana 2014)."
EPILOG = "tools:\n" + "\n".join(f"  mimic {name:<11} {help_}" for name, (_, help_) in TOOLS.items())
CSV_LOGGER = "mimic.run_log.RunCSVLogger"  # Lightning's CSVLogger, continued by a resumed run
WANDB_LOGGER = "lightning.pytorch.loggers.WandbLogger"
DECODER_FILE = "decoder.json"  # in a stage's folder: the decoder setting `mimic validate` chose on dev
PROGRESS_REFRESH_STEPS = 20  # training steps between progress-bar refreshes


class HelpFormatter(DefaultHelpFormatter):
    """jsonargparse's help, but the description and the list of tools keep their line breaks."""

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
            parser_kwargs={"description": DESCRIPTION, "epilog": EPILOG, "formatter_class": HelpFormatter},
            parser_class=MimicArgumentParser,
            auto_configure_optimizers=False,
            args=args,
            run=run,
        )

    def parse_arguments(self, parser: LightningArgumentParser, args: Any) -> None:
        # jsonargparse reports a YAML syntax error without the file's name: read each --config first
        argv = list(sys.argv[1:] if args is None else args) if not isinstance(args, dict | Namespace) else []
        for path in _config_files(argv):
            _check_yaml(path)
        super().parse_arguments(parser, args)

    def _parse_ckpt_path(self) -> None:
        # Lightning reads --ckpt_path here (for its hyperparameters) with a bare torch.load, whose errors
        # name no file and advise weights_only=False; read it our way first, so a bad file is one clear error.
        subcommand = self.config.get("subcommand")
        path = self.config[subcommand].get("ckpt_path") if subcommand else None
        if path and Path(path).is_file():
            SafeCheckpointIO().load_checkpoint(path)
        super()._parse_ckpt_path()

    def _resumed_step(self, config: Namespace) -> int | None:
        """The training steps a ``fit --ckpt_path`` checkpoint had taken (the metrics rows before them are kept)."""
        path = config.get("ckpt_path") if self.subcommand == "fit" else None
        if path == "last":
            path = self.run_dir / "checkpoints" / "last.ckpt"
        if not path or not Path(path).is_file():
            return None
        return int(SafeCheckpointIO().load_checkpoint(path).get("global_step", 0))

    def add_arguments_to_parser(self, parser: LightningArgumentParser) -> None:
        parser.add_argument("--run.root", type=str, default="runs", help="Folder holding all experiments.")
        parser.add_argument("--run.experiment", type=str, default="default", help="Experiment name (W&B group).")
        parser.add_argument("--run.stage", type=str, default="run", help="Stage name (W&B run name).")
        parser.add_argument(
            "--run.job_type", type=str, default="train", help="W&B job type: teacher, baseline, student, ..."
        )
        parser.add_argument(
            "--run.monitor",
            type=str,
            default="val/err",
            help="Metric that picks checkpoints/best.ckpt (TIMIT: val/per).",
        )
        parser.add_argument(
            "--run.checkpoint_every_n_steps",
            type=int,
            default=1000,
            help="Also write checkpoints/last.ckpt every this many training steps, so that a killed run loses at "
            "most these (0: at epoch ends only). Resume with --ckpt_path last.",
        )
        parser.add_argument(
            "--run.monitor_mode",
            type=str,
            default="min",
            choices=["min", "max"],
            help="Whether lower or higher is better.",
        )

    @property
    def run_config(self) -> Namespace:
        return self.config[self.subcommand].run if self.subcommand else self.config.run

    @property
    def run_dir(self) -> Path:
        run = self.run_config
        folder = Path(run.root) / run.experiment / run.stage
        # Evaluation runs get their own folder so that they never overwrite the training logs.
        return folder if self.subcommand in (None, "fit") else folder / self.subcommand

    def before_instantiate_classes(self) -> None:
        config = self.config[self.subcommand] if self.subcommand else self.config
        if "weights_only" in config and config.weights_only is None:
            # --ckpt_path files are read without unpickling code unless the user says otherwise.
            config.weights_only = True
        error = link_net_to_data(config.model, config.data)
        if error:
            self._parser(self.subcommand).error(error)
        for teachers in _teacher_checkpoints(config):
            try:
                check_teachers(teachers)
            except errors.USER_ERRORS as err:
                if errors.debugging():
                    raise
                errors.fail(err)
        trainer = config.trainer
        run, run_dir = self.run_config, str(self.run_dir)
        if trainer.logger is None or trainer.logger is True:
            trainer.logger = Namespace(
                class_path=CSV_LOGGER,
                init_args=Namespace(save_dir=run_dir, name="", version="", resume_at_step=self._resumed_step(config)),
            )
        resuming = self.subcommand == "fit" and bool(config.get("ckpt_path"))
        for logger in trainer.logger if isinstance(trainer.logger, list) else [trainer.logger]:
            if isinstance(logger, Namespace) and logger.class_path == WANDB_LOGGER:
                _name_wandb_run(logger, run, run_dir)
                if self.subcommand == "fit":
                    _keep_wandb_run_id(logger, Path(run_dir), resuming)

    def instantiate_trainer(self, **kwargs: Any) -> pl.Trainer:
        kwargs.setdefault("default_root_dir", str(self.run_dir))
        trainer_config = self._get(self.config_init, "trainer")
        callbacks = list(trainer_config.get("callbacks") or [])
        wants_checkpoints = trainer_config.get("enable_checkpointing") is not False
        has_checkpointing = any(isinstance(c, ModelCheckpoint) for c in callbacks)
        if self.subcommand == "fit" and wants_checkpoints and not has_checkpointing:
            callbacks += default_checkpointing(self.run_dir, self.run_config)
        if self.subcommand == "fit" and not any(isinstance(c, RandomState) for c in callbacks):
            callbacks.append(RandomState())  # a resumed run draws what the interrupted one would have
        if trainer_config.get("enable_progress_bar") is not False and not any(
            isinstance(c, ProgressBar) for c in callbacks
        ):
            # Each refresh turns the bar's figures into Python numbers, which waits for the GPU: at
            # Lightning's default (every step) that is a stall per step.
            callbacks.append(TQDMProgressBar(refresh_rate=PROGRESS_REFRESH_STEPS))
        if self.subcommand == "test":
            if not any(isinstance(c, TestPredictions) for c in callbacks):
                callbacks.append(TestPredictions(self.run_dir))  # every test run keeps its predictions
            for scorer in (c for c in callbacks if isinstance(c, PhoneErrorRateScorer) and c.keep_in is None):
                scorer.keep_in = self.run_dir  # ... and a speech run each utterance's result
        stage_dir = self.run_dir if self.subcommand in (None, "fit") else self.run_dir.parent
        for scorer in (c for c in callbacks if isinstance(c, PhoneErrorRateScorer) and c.decoder_file is None):
            scorer.decoder_file = stage_dir / DECODER_FILE  # validate writes the dev-chosen setting, test reads it
        kwargs.setdefault("callbacks", callbacks)
        plugins = trainer_config.get("plugins")
        plugins = list(plugins) if isinstance(plugins, list) else [] if plugins is None else [plugins]
        if not any(isinstance(p, CheckpointIO) for p in plugins):
            plugins.append(SafeCheckpointIO())  # atomic saves, safe loads that name the file
        kwargs.setdefault("plugins", plugins)
        return super().instantiate_trainer(**kwargs)


def _config_files(argv: list[str]) -> list[str]:
    """The files given as ``--config FILE`` or ``--config=FILE``."""
    files = [arg.split("=", 1)[1] for arg in argv if arg.startswith("--config=")]
    files += [after for before, after in zip(argv, argv[1:], strict=False) if before == "--config"]
    return files


def _check_yaml(path: str) -> None:
    """A config file that is not valid YAML, named with the line and what was wrong there."""
    if not Path(path).is_file():
        return  # the parser says so itself, naming it
    try:
        yaml.safe_load(Path(path).read_text())
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark is not None else ""
        problem = getattr(err, "problem", None) or str(err)
        errors.fail(f"{path}: not valid YAML{where}: {problem}")


def _teacher_checkpoints(config: Namespace) -> list[Any]:
    """The ``checkpoints`` of every ``TeacherLogits`` callback and of an ``EnsembleModule`` model."""
    callbacks = config.trainer.get("callbacks") or []
    candidates = [config.model, *(callbacks if isinstance(callbacks, list) else [callbacks])]
    readers = ("TeacherLogits", "EnsembleModule")
    return [
        c.init_args.checkpoints
        for c in candidates
        if isinstance(c, Namespace) and str(c.get("class_path", "")).rsplit(".", 1)[-1] in readers
    ]


def default_checkpointing(run_dir: Path, run: Namespace) -> list[pl.Callback]:
    """``checkpoints/best.ckpt`` (best ``run.monitor``) and ``checkpoints/last.ckpt`` (the run as it last
    stood: every epoch end and every ``run.checkpoint_every_n_steps`` steps), overwritten on a rerun."""
    best = ModelCheckpoint(
        dirpath=run_dir / "checkpoints",
        filename="best",
        monitor=run.monitor,
        mode=run.monitor_mode,
        save_last=False,  # Lightning's last.ckpt follows the best one, not the run: LastCheckpoint writes it
        auto_insert_metric_name=False,
        enable_version_counter=False,
    )
    return [best, LastCheckpoint(run_dir / "checkpoints", every_n_steps=run.checkpoint_every_n_steps)]


def _name_wandb_run(logger: Namespace, run: Namespace, run_dir: str) -> None:
    """Group W&B runs by experiment, one job type per stage, unless the config says otherwise."""
    init = logger.init_args
    init.name = init.name or run.stage
    if init.save_dir in (None, "."):
        init.save_dir = run_dir
    extra = logger.get("dict_kwargs") or {}
    extra.setdefault("group", run.experiment)
    extra.setdefault("job_type", run.job_type)
    logger.dict_kwargs = extra


WANDB_RUN_ID = "wandb-run-id"  # in the run folder: the W&B run a resumed fit continues


def _keep_wandb_run_id(logger: Namespace, run_dir: Path, resuming: bool) -> None:
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


def _tool(name: str) -> Callable[[list[str]], Any]:
    module, _, function = TOOLS[name][0].partition(":")
    return getattr(import_module(module), function)


def main(args: list[str] | None = None) -> Any:
    """Run ``mimic ARGS``; returns the CLI (or the tool's result) so tests can inspect it."""
    argv = sys.argv[1:] if args is None else list(args)
    if argv and argv[0] in TOOLS:
        return _tool(argv[0])(argv[1:])
    if args is not None and sys.argv[1:]:
        # Called from Python (tests, the demo) in a process with its own argv: Lightning warns about the
        # two, but only ``args`` is used, which is what we want.
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
