"""A stage's record (``<stage>/record.json``): how far the stage got, and exactly what it was made from.

The experiment runner writes it, atomically, as a stage goes: ``started`` before its fit, ``fitted`` when the
fit has ended, ``done`` once it is scored (its ``scores.json`` and kept test results written). It holds the
stage's resolved config and its hash, the mimic version, the content hash of everything the stage read
(teachers' or members' checkpoints, the data's files) and of the checkpoint it made. On a rerun the runner
compares all of that with what the stage would read now: a done stage whose inputs are unchanged is
reused, a started one resumes, any other is trained again (``mimic.experiments.build``). The report names
each row's record and refuses to put in one table stages whose records disagree about what they read.
"""

import hashlib
import json
from dataclasses import asdict, dataclass, field, fields, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from mimic import __version__, atomic

State = Literal["started", "fitted", "done"]
STATES: tuple[State, ...] = ("started", "fitted", "done")
CHECKPOINT_INPUT = "checkpoint "  # an input's name: "checkpoint <path as the config gives it>"
DATA_INPUT = "data "  # "data <the folder holding the files the DataModule reads>"


class BadRecord(ValueError):
    """A record that cannot be read (truncated, edited, or written by something else)."""


@dataclass(frozen=True)
class StageRecord:
    """Args:
    experiment: the experiment that ran the stage (``mimic demo``: ``demo``).
    stage: the stage's name.
    state: ``started``, ``fitted`` or ``done``.
    config: the stage's resolved config, less what does not change its results (where runs are logged,
        progress bars): ``mimic.experiments.stage_inputs``.
    config_hash: SHA-256 of ``config``.
    inputs: what the stage read, by name (``checkpoint <path>``, ``data <folder>``): its content hash.
    output: the content hash of the stage's ``best.ckpt`` once done (``None`` for stages only scored).
    version: the mimic that ran it.
    written: when this record was written (UTC, ISO 8601).
    """

    experiment: str
    stage: str
    state: State
    config: dict[str, Any]
    config_hash: str
    inputs: dict[str, str]
    output: str | None = None
    version: str = __version__
    written: str = field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds"))

    @property
    def id(self) -> str:
        """Names what the stage is made of and what it made: equal ids, equal stages (12 hex digits)."""
        made = [self.experiment, self.stage, self.state, self.version, self.config_hash, self.inputs, self.output]
        return hashlib.sha256(json.dumps(made, sort_keys=True).encode()).hexdigest()[:12]

    def advanced(self, state: State, output: str | None = None) -> "StageRecord":
        """The same record, further on (written now)."""
        return replace(self, state=state, output=output, written=datetime.now(UTC).isoformat(timespec="seconds"))

    def write(self, path: Path) -> None:
        atomic.write_text(path, json.dumps(asdict(self), indent=2, sort_keys=True) + "\n")

    @classmethod
    def read(cls, path: Path) -> "StageRecord | None":
        """The record in ``path``; ``None`` if there is none; ``BadRecord`` if it cannot be read."""
        try:
            text = path.read_text()
        except FileNotFoundError:
            return None
        except (OSError, UnicodeDecodeError) as err:
            raise BadRecord(f"{path} cannot be read ({err})") from err
        try:
            content = json.loads(text)
        except ValueError as err:
            raise BadRecord(f"{path} is not JSON, cut short or edited ({err})") from err
        names = {f.name for f in fields(cls)}
        if not isinstance(content, dict) or set(content) != names:
            found = sorted(content) if isinstance(content, dict) else type(content).__name__
            raise BadRecord(f"{path} is not a stage record: expected the keys {sorted(names)}, found {found}")
        record = cls(**content)
        if record.state not in STATES or not isinstance(record.inputs, dict) or not isinstance(record.config, dict):
            raise BadRecord(f"{path} is not a stage record: state {record.state!r} is not one of {STATES}")
        if config_hash(record.config) != record.config_hash:
            raise BadRecord(f"{path}: its config does not match its config_hash (edited by hand?)")
        return record


def config_hash(config: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(config, sort_keys=True, default=str).encode()).hexdigest()
