"""One row of a results table: what a stage's net is, its scores, and the stages it is compared with, read
from the files its runs wrote (``scores.json``, ``record.json``, ``metrics.csv``, the kept test results)."""

import csv
import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from mimic import atomic
from mimic.report.paired import Predictions, read_predictions
from mimic.report.paired_per import UtteranceScores, read_utterances
from mimic.run_folder import RunFolder
from mimic.stage_record import StageRecord

LAST_TRAIN_ERR = "train/err"  # filled from the run's metrics.csv: the last training epoch's error


@dataclass(frozen=True)
class Measured:
    """What a stage's runs measured, as ``scores.json`` keeps it."""

    arch: str
    params: int
    hidden_units: int
    scores: dict[str, float]  # by metric key: test/err, val/per ...
    count: int  # test images or reference phones behind the compared metric: its standard error
    minutes: float  # what the run that finished the stage spent on it (its fit, or what was left of it, and scoring)

    def write(self, folder: RunFolder) -> None:
        atomic.write_text(folder.scores, json.dumps(asdict(self), indent=2) + "\n")

    @classmethod
    def read(cls, folder: RunFolder) -> "Measured":
        path = folder.scores
        try:
            return cls(**json.loads(path.read_text()))
        except FileNotFoundError as err:
            raise FileNotFoundError(f"{path} is missing: the stage has not been scored (run its experiment)") from err
        except (ValueError, TypeError) as err:
            raise ValueError(f"{path}: not a stage's scores as the experiment runner writes them ({err})") from err


@dataclass
class Row:
    """One stage's results and its place in the comparisons."""

    stage: str
    model: str
    role: str  # teacher, baseline or student
    arch: str
    params: int
    hidden_units: int
    scores: dict[str, float]
    count: int
    minutes: float
    run_dir: Path
    twin: str | None = None  # the stage of the same net trained on labels (students)
    teacher: str | None = None  # the stage of the teacher it mimics (students)
    against: tuple[str, ...] = ()  # further stages it is compared with
    members: tuple[str, ...] = ()  # an ensemble's member stages
    record: StageRecord | None = None  # its record.json: what it read and made (rows the runner reads)

    @classmethod
    def read(cls, folder: RunFolder, trained: bool, **declared: Any) -> "Row":
        """The row of the stage in ``folder``: its ``scores.json``, its record and, if ``trained``, its last
        training error from ``metrics.csv``; ``declared`` holds what the experiment says of it (stage, model, role,
        twin, teacher, against)."""
        measured = Measured.read(folder)
        scores = dict(measured.scores)
        curve = epoch_curve(folder.metrics, LAST_TRAIN_ERR)
        if curve and trained:
            scores[LAST_TRAIN_ERR] = curve[-1][1]
        fields = asdict(measured) | {"scores": scores, "run_dir": folder.stage_dir}
        return cls(**fields, **declared, record=StageRecord.read(folder.record))

    @property
    def folder(self) -> RunFolder:
        return RunFolder(self.run_dir)

    def kept_predictions(self) -> Predictions:
        """Its test predictions; a missing file is named with the command that writes it."""
        return self._kept(read_predictions, self.folder.predictions)

    def kept_utterances(self) -> UtteranceScores:
        """Its per-utterance test results; a missing file is named with the command that writes it."""
        return self._kept(read_utterances, self.folder.utterances)

    def _kept(self, read, path: Path):
        try:
            return read(path)
        except FileNotFoundError as err:
            command = f"mimic test --config {self.folder.config}"
            command += f" --ckpt_path {self.folder.best}" if self.folder.best.is_file() else ""
            raise FileNotFoundError(f"stage {self.stage}: no {path}; make it with `{command}`") from err


def epoch_curve(metrics_csv: Path, key: str, x: str = "epoch") -> list[tuple[int, float]]:
    """(epoch, value) pairs of one metric in a CSVLogger file; ``x="step"``: (training step, value)."""
    if not metrics_csv.is_file():
        return []
    with metrics_csv.open() as f:
        return [(int(r[x]), float(r[key])) for r in csv.DictReader(f) if r.get(key)]
