"""The cost side of a results table, read from the ``speed.csv`` that ``mimic speed`` wrote for the
experiment (PyTorch, fp32, this machine's CPU, the teacher first): accuracy and inference cost together,
as the paper's argument needs."""

import csv
from pathlib import Path

HEADERS = ("CPU ms, batch 1", "CPU samples/s, batch 256", "x faster than the teacher")
CSV_COLUMNS = ("cpu_ms_batch1", "cpu_samples_per_s_batch256", "speedup_vs_teacher")
SPEED_FILE = "speed.csv"  # in the experiment's folder
NOTE = (
    "Cost: `mimic speed` on this machine's CPU (fp32 PyTorch, raw inputs: the nets normalise them), median "
    "batch-1 latency and batch-256 throughput, the stages taking turns over several rounds in one run (each "
    "figure its best round); x faster: against the students' teacher. `{file}` holds every figure."
)


def read_costs(folder: Path) -> dict[str, tuple[float, float, float]]:
    """Stage -> (batch-1 ms, samples/s at batch 256, speed-up against the teacher); empty without a file."""
    path = folder / SPEED_FILE
    if not path.is_file():
        return {}
    with path.open() as f:
        return {
            row["model"]: (float(row["torch_b1_ms"]), float(row["torch_samples_per_s"]), float(row["speedup_b1"]))
            for row in csv.DictReader(f)
        }


def cells(cost: tuple[float, float, float] | None) -> list[str]:
    if cost is None:
        return ["", "", ""]
    return [f"{cost[0]:.2f}", f"{cost[1]:,.0f}", f"{cost[2]:.1f}"]


def csv_cells(cost: tuple[float, float, float] | None) -> list[object]:
    return ["", "", ""] if cost is None else list(cost)
