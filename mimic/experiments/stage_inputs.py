"""What a stage is made of, known before it runs: its resolved config, and what it reads (the checkpoints
named in its config, its data's files), each by content. A stage's record keeps them; a rerun compares.

The config is the one ``mimic fit`` (``mimic test`` for stages only scored) resolves from the stage's files,
overlays and overrides, defaults included, less the settings that say where and how a run is shown or
logged, which change no result (``NOT_RESULTS``).
"""

import hashlib
import os
from dataclasses import dataclass
from functools import cached_property
from importlib import import_module
from pathlib import Path
from typing import Any

from mimic.config_reader import resolved_config
from mimic.content_hash import content_hash, files_hash
from mimic.stage_record import CHECKPOINT_INPUT, DATA_INPUT, config_hash

# Dotted keys of the resolved config that change no result: the YAML files' paths (their content is the
# config), where the run is logged and named, how it is shown, how often last.ckpt is written.
NOT_RESULTS = (
    "config",
    "ckpt_path",
    "weights_only",
    "trainer.logger",
    "trainer.default_root_dir",
    "trainer.enable_progress_bar",
    "trainer.enable_model_summary",
    "run.root",
    "run.experiment",
    "run.stage",
    "run.job_type",
    "run.checkpoint_every_n_steps",
)
CHECKPOINT_KEYS = ("checkpoints", "checkpoint")  # in the model's section: a teacher's or an ensemble's


@dataclass(frozen=True)
class StageInputs:
    """Args:
    config: the resolved config, less ``NOT_RESULTS`` and the parts' ``__path__`` notes.
    checkpoints: the checkpoint files the model section names (a student's teachers, an ensemble's members).
    data_class: the DataModule's ``class_path``.
    data_settings: its ``init_args``.
    """

    config: dict[str, Any]
    checkpoints: tuple[str, ...]
    data_class: str
    data_settings: dict[str, Any]

    @classmethod
    def of(cls, subcommand: str, args: list[str]) -> "StageInputs":
        """From the stage's command line, as the runner hands it to ``mimic SUBCOMMAND``."""
        config = resolved_config([subcommand, *args])
        data = config.get("data") or {}
        kept = _without_notes(config)
        for dotted in NOT_RESULTS:
            _drop(kept, dotted.split("."))
        return cls(
            kept,
            tuple(_checkpoints(config.get("model") or {})),
            data.get("class_path", ""),
            data.get("init_args") or {},
        )

    @cached_property
    def config_hash(self) -> str:
        return config_hash(self.config)

    def hashes(self) -> dict[str, str]:
        """What the stage reads, now: ``checkpoint <path>`` and ``data <folder>``, each by content."""
        inputs = {CHECKPOINT_INPUT + path: content_hash(path) for path in self.checkpoints}
        data = self.data_identity()
        if data is not None:
            inputs[data[0]] = data[1]
        return inputs

    def data_identity(self) -> tuple[str, str] | None:
        """(``data <folder> [<n> files <hash of their names>]``, hash of their contents) for a DataModule that
        declares its ``input_files``: stages that read the same files have the same name for them."""
        try:
            module, _, name = self.data_class.rpartition(".")
            files = getattr(import_module(module), name).input_files(self.data_settings)
        except (ImportError, AttributeError, OSError, ValueError) as err:
            # the stage's own run reports it properly; here it only means "not what was read before"
            return DATA_INPUT.strip(), f"unreadable ({type(err).__name__}: {err})"
        if files is None:
            return None  # the DataModule does not say: its settings (in the config) are all there is
        names = hashlib.sha256("\n".join(str(Path(f).resolve()) for f in files).encode()).hexdigest()[:12]
        return f"{DATA_INPUT}{_common_folder(files)} [{len(files)} files {names}]", files_hash(files)

    def upstream(self, produced: dict[Path, str]) -> list[str]:
        """The stages (of ``produced``: checkpoint path -> stage) whose checkpoints this stage reads."""
        read = {Path(p).resolve() for p in self.checkpoints}
        return [stage for path, stage in produced.items() if path.resolve() in read]


def _without_notes(value: Any) -> Any:
    """A copy without jsonargparse's ``__path__`` notes (where a part's file is, not what it says)."""
    if isinstance(value, dict):
        return {k: _without_notes(v) for k, v in value.items() if k != "__path__"}
    if isinstance(value, list):
        return [_without_notes(v) for v in value]
    return value


def _drop(config: dict[str, Any], keys: list[str]) -> None:
    head, *rest = keys
    if rest and isinstance(config.get(head), dict):
        _drop(config[head], rest)
    elif not rest:
        config.pop(head, None)


def _checkpoints(section: Any) -> list[str]:
    """Every checkpoint path named below a model section, in order."""
    found: list[str] = []
    if isinstance(section, dict):
        for key, value in section.items():
            if key in CHECKPOINT_KEYS and isinstance(value, str):
                found.append(value)
            elif key in CHECKPOINT_KEYS and isinstance(value, list):
                found += [str(v) for v in value]
            else:
                found += _checkpoints(value)
    elif isinstance(section, list):
        for value in section:
            found += _checkpoints(value)
    return found


def _common_folder(files: list[Path]) -> str:
    if not files:
        return "(no files)"
    return os.path.commonpath([str(Path(f).resolve().parent) for f in files])
