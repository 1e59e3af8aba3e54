"""``RunCSVLogger``: a run's ``metrics.csv``, which a resumed run continues instead of starting again.

Lightning's CSV logger deletes an existing ``metrics.csv`` when it starts. A run resumed from a checkpoint
(``mimic fit ... --ckpt_path last``) keeps the rows logged before the checkpoint's step and drops the later
ones (those steps are trained again and logged anew), so the file reads as one uninterrupted run. Rows
carry the step count less one (Lightning logs a step's metrics, and an epoch's, under the step just taken
minus one), so the rows before a checkpoint taken after ``n`` steps are those with ``step < n``.
"""

import csv
import io
import os

from lightning.fabric.loggers.csv_logs import _ExperimentWriter
from lightning.fabric.utilities.rank_zero import rank_zero_only
from lightning.pytorch.loggers import CSVLogger

from mimic import atomic


class RunCSVLogger(CSVLogger):
    """Args (beyond ``CSVLogger``'s):
    resume_at_step: the training steps the resumed checkpoint had taken; ``None`` for a fresh run.
    """

    def __init__(self, *args, resume_at_step: int | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.resume_at_step = resume_at_step

    @property
    def experiment(self) -> _ExperimentWriter:
        if self._experiment is None and self.resume_at_step is not None and rank_zero_only.rank == 0:
            kept = _rows_before(self.log_dir, self.resume_at_step)  # before the writer deletes the file
            writer = super().experiment
            if kept is not None:
                keys, rows = kept
                writer.metrics_keys = keys
                atomic.write_text(writer.metrics_file_path, _csv_text(keys, rows))
            return writer
        return super().experiment


def _rows_before(log_dir: str, step: int) -> tuple[list[str], list[dict]] | None:
    path = os.path.join(log_dir, _ExperimentWriter.NAME_METRICS_FILE)
    if not os.path.isfile(path):
        return None
    with open(path, newline="") as f:
        reader = csv.DictReader(f)
        rows = [row for row in reader if row.get("step") not in (None, "") and int(float(row["step"])) < step]
        return list(reader.fieldnames or []), rows


def _csv_text(keys: list[str], rows: list[dict]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=keys)
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()
