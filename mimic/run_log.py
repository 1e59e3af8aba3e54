"""``RunCSVLogger``: a run's ``metrics.csv``, which a resumed run continues instead of starting again.

Lightning's CSV logger deletes an existing ``metrics.csv`` when it starts. A run resumed from a checkpoint
(``mimic fit ... --ckpt_path last``) keeps the rows of the epochs the checkpoint completed and drops those
of the epoch that was cut short (it is trained again), so the file reads as one uninterrupted run.
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
    resume_after_epoch: the last epoch the resumed checkpoint completed; ``None`` for a fresh run.
    """

    def __init__(self, *args, resume_after_epoch: int | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.resume_after_epoch = resume_after_epoch

    @property
    def experiment(self) -> _ExperimentWriter:
        if self._experiment is None and self.resume_after_epoch is not None and rank_zero_only.rank == 0:
            kept = _completed_rows(self.log_dir, self.resume_after_epoch)  # before the writer deletes the file
            writer = super().experiment
            if kept is not None:
                keys, rows = kept
                writer.metrics_keys = keys
                atomic.write_text(writer.metrics_file_path, _csv_text(keys, rows))
            return writer
        return super().experiment


def _completed_rows(log_dir: str, last_epoch: int) -> tuple[list[str], list[dict]] | None:
    path = os.path.join(log_dir, _ExperimentWriter.NAME_METRICS_FILE)
    if not os.path.isfile(path):
        return None
    with open(path, newline="") as f:
        reader = csv.DictReader(f)
        rows = [row for row in reader if row.get("epoch") not in (None, "") and int(float(row["epoch"])) <= last_epoch]
        return list(reader.fieldnames or []), rows


def _csv_text(keys: list[str], rows: list[dict]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=keys)
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()
