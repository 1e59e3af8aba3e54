"""One row of a results table: what a stage's net is, its scores, and the stages it is compared with."""

import csv
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mimic.experiments.experiment import Stage
from mimic.experiments.paired import Predictions, read_predictions
from mimic.experiments.paired_per import UtteranceScores, read_utterances

LAST_TRAIN_ERR = "train/err"  # filled from the run's metrics.csv: the last training epoch's error


@dataclass
class Row:
    """One stage's results: what its net is, and its scores by metric key (``test/err``, ``val/per`` ...)."""

    stage: str
    model: str
    role: str  # teacher, baseline or student
    arch: str
    params: int
    hidden_units: int
    scores: dict[str, float]
    count: int  # test images or reference phones behind the compared metric: its standard error
    minutes: float
    run_dir: Path
    twin: str | None = None  # the stage of the same net trained on labels (students)
    teacher: str | None = None  # the stage of the teacher it mimics (students)
    against: tuple[str, ...] = ()  # further stages it is compared with

    @property
    def predictions(self) -> Path:
        """The predictions its ``mimic test`` kept."""
        return self.run_dir / "test" / "predictions.npz"

    @property
    def utterances(self) -> Path:
        """The per-utterance results its speech ``mimic test`` kept."""
        return self.run_dir / "test" / "utterances.npz"

    def kept_predictions(self) -> Predictions:
        """Its predictions; a missing file is named with the command that writes it."""
        return self._kept(read_predictions, self.predictions)

    def kept_utterances(self) -> UtteranceScores:
        """Its per-utterance results; a missing file is named with the command that writes it."""
        return self._kept(read_utterances, self.utterances)

    def _kept(self, read, path: Path):
        try:
            return read(path)
        except FileNotFoundError as err:
            checkpoint = self.run_dir / "checkpoints" / "best.ckpt"
            command = f"mimic test --config {self.run_dir / 'config.yaml'}"
            command += f" --ckpt_path {checkpoint}" if checkpoint.is_file() else ""
            raise FileNotFoundError(f"stage {self.stage}: no {path}; make it with `{command}`") from err

    @classmethod
    def of(cls, stage: Stage, summary: dict[str, Any], scores: dict[str, float], **rest: Any) -> "Row":
        """A row from a stage, its net's ``net_summary()`` and its scores (the last train/err added)."""
        scores = dict(scores)
        curve = epoch_curve(Path(rest["run_dir"]) / "metrics.csv", LAST_TRAIN_ERR)
        if curve and stage.trained:
            scores[LAST_TRAIN_ERR] = curve[-1][1]
        return cls(
            stage=stage.name,
            model=stage.model,
            role=stage.role,
            arch=summary["net/arch"],
            params=summary["net/params"],
            hidden_units=summary["net/hidden_units"],
            scores=scores,
            twin=stage.twin,
            teacher=stage.teacher,
            against=stage.against,
            **rest,
        )


def epoch_curve(metrics_csv: Path, key: str) -> list[tuple[int, float]]:
    """(epoch, value) pairs of one metric in a CSVLogger file."""
    if not metrics_csv.is_file():
        return []
    with metrics_csv.open() as f:
        return [(int(r["epoch"]), float(r[key])) for r in csv.DictReader(f) if r.get(key)]
