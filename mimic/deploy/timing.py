"""Timing inference: latency at batch 1 (median and 90th percentile of single calls) and throughput at a
large batch (samples per second of the median call), after warm-up calls that are not counted."""

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass

from torch import Tensor


@dataclass
class Timing:
    latency_ms: float  # median of batch-1 calls
    latency_p90_ms: float
    throughput: float  # samples/s at the large batch


def _call_seconds(call: Callable[[], object], count: int) -> list[float]:
    seconds = []
    for _ in range(count):
        start = time.perf_counter()
        call()
        seconds.append(time.perf_counter() - start)
    return seconds


def time_model(
    run: Callable[[Tensor], object],
    one: Tensor,
    batch: Tensor,
    repeats: int,
    warmup: int,
    min_seconds: float = 0.5,
) -> Timing:
    """``run`` must return only once its result is ready (GPU runners synchronise)."""
    _call_seconds(lambda: run(one), warmup)
    single = sorted(_call_seconds(lambda: run(one), repeats))
    _call_seconds(lambda: run(batch), max(1, warmup // 10))
    batched: list[float] = []
    started = time.perf_counter()
    # at least 5 calls and about min_seconds of them: a large net's batch can take a second by itself
    while len(batched) < 5 or (time.perf_counter() - started < min_seconds and len(batched) < repeats):
        batched += _call_seconds(lambda: run(batch), 1)
    p90 = single[min(len(single) - 1, int(0.9 * len(single)))]
    return Timing(1e3 * statistics.median(single), 1e3 * p90, len(batch) / statistics.median(batched))
