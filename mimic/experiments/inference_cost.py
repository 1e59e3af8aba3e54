"""The cost side of a results table: each stage's net timed on this CPU (PyTorch, fp32), so that every
report shows accuracy and inference cost together, as the paper's argument needs.

Latency is the median batch-1 call, throughput the samples per second of the median batch-256 call
(``mimic speed``'s measurements, PyTorch only here); the speed-up is against the teacher the students
mimic, in the same run.
"""

from dataclasses import dataclass

import torch

from mimic import errors
from mimic.deploy.check_inputs import drawn_inputs
from mimic.deploy.source import load_source
from mimic.deploy.timing import Timing
from mimic.experiments.rows import Row
from mimic.tools.speed import time_torch

HEADERS = ("CPU ms, batch 1", "CPU samples/s, batch 256", "x faster than the teacher")
CSV_COLUMNS = ("cpu_ms_batch1", "cpu_samples_per_s_batch256", "speedup_vs_teacher")
BATCH, REPEATS, WARMUP, ROUNDS = 256, 100, 10, 3


@dataclass
class Cost:
    timing: Timing
    speedup: float | None = None  # the teacher's batch-1 latency over this one's


def measure_costs(rows: list[Row]) -> dict[str, Cost]:
    """Stage -> its cost; a stage whose net cannot be rebuilt is left out with one line saying why."""
    sources = {}
    for row in rows:
        try:
            sources[row.stage] = load_source([str(row.run_dir)])
        except errors.USER_ERRORS as err:
            print(f"[mimic report] {row.stage}: not timed ({errors.one_line(err)})", flush=True)
    costs: dict[str, Cost] = {}
    for _ in range(ROUNDS):  # the stages take turns; each keeps its best round (noise only slows)
        for stage, source in sources.items():
            batch = drawn_inputs(source, BATCH)
            timing = time_torch(source, batch[:1], batch, REPEATS, WARMUP)
            best = costs.setdefault(stage, Cost(timing)).timing
            best.latency_ms = min(best.latency_ms, timing.latency_ms)
            best.throughput = max(best.throughput, timing.throughput)
    teacher = next((r.teacher for r in rows if r.role == "student" and r.teacher in costs), None)
    if teacher is not None:
        for cost in costs.values():
            cost.speedup = costs[teacher].timing.latency_ms / cost.timing.latency_ms
    return costs


def cells(cost: Cost | None) -> list[str]:
    if cost is None:
        return ["", "", ""]
    speedup = "" if cost.speedup is None else f"{cost.speedup:.1f}"
    return [f"{cost.timing.latency_ms:.2f}", f"{cost.timing.throughput:,.0f}", speedup]


def csv_cells(cost: Cost | None) -> list[object]:
    if cost is None:
        return ["", "", ""]
    return [cost.timing.latency_ms, cost.timing.throughput, "" if cost.speedup is None else cost.speedup]


NOTE = (
    "Cost: fp32 PyTorch on this machine's CPU ({threads} threads), raw inputs (the nets normalise them), "
    "median of {repeats} batch-1 calls and of batch-{batch} calls, the stages taking turns over {rounds} "
    "rounds in one run (each figure its best round); "
    "`mimic speed` adds onnxruntime and the 90th percentile."
)


def note() -> str:
    return NOTE.format(threads=torch.get_num_threads(), repeats=REPEATS, batch=BATCH, rounds=ROUNDS)
