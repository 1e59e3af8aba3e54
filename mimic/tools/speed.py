"""``mimic speed SOURCE...``: what each model costs at inference, on this machine, in one run.

Each SOURCE is a checkpoint, a stage's config.yaml or run folder (ensembles too), or an untrained stage
config (cost only). Per model: parameters, multiply-adds per sample, test error (from its run folder),
latency at batch 1 (median, p90) and throughput at batch 256 with PyTorch and with onnxruntime on the
CPU, and with PyTorch on the GPU where there is one. The first SOURCE is the reference (the teacher):
every other model's speed-up is against it, and onnxruntime's against PyTorch, as ratios of one run.
"""

import csv
import io
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch

from mimic import atomic, errors
from mimic.deploy.check_inputs import drawn_inputs
from mimic.deploy.cost import multiply_adds, parameters
from mimic.deploy.exporters import runner, write_onnx
from mimic.deploy.source import ModelSource, load_source
from mimic.deploy.timing import Timing, time_model

COLUMNS = (
    "model",
    "architecture",
    "parameters",
    "multiply_adds",
    "test_error",
    "torch_b1_ms",
    "torch_b1_p90_ms",
    "torch_samples_per_s",
    "onnx_b1_ms",
    "onnx_b1_p90_ms",
    "onnx_samples_per_s",
    "gpu_b1_ms",
    "gpu_samples_per_s",
    "speedup_b1",
    "speedup_throughput",
    "onnx_over_torch_throughput",
)


def test_error(source: ModelSource) -> str:
    """``PER 35.83%`` for speech (what the paper scores), ``err 9.12%`` otherwise; blank if never tested."""
    if "test/per" in source.metrics:
        return f"PER {100 * source.metrics['test/per']:.2f}%"
    if "test/err" in source.metrics:
        return f"err {100 * source.metrics['test/err']:.2f}%"
    return ""


def time_torch(source: ModelSource, one: torch.Tensor, batch: torch.Tensor, repeats: int, warmup: int) -> Timing:
    def run(x: torch.Tensor) -> torch.Tensor:
        with torch.inference_mode():
            return source.net(x)

    return time_model(run, one, batch, repeats, warmup)


def time_gpu(source: ModelSource, one: torch.Tensor, batch: torch.Tensor, repeats: int, warmup: int) -> Timing:
    net = source.net.to("cuda")
    one, batch = one.to("cuda"), batch.to("cuda")

    def run(x: torch.Tensor) -> torch.Tensor:
        with torch.inference_mode():
            out = net(x)
        torch.cuda.synchronize()
        return out

    try:
        return time_model(run, one, batch, repeats, warmup)
    finally:
        source.net.to("cpu")


def onnx_runner(source: ModelSource, folder: Path, example: torch.Tensor):
    """The model exported to ONNX in ``folder`` and opened in onnxruntime, with PyTorch's thread count."""
    path = folder / f"{id(source)}.onnx"
    try:
        write_onnx(source.net, example, path)
        run, _ = runner(path, "onnx", threads=torch.get_num_threads())
    except Exception as err:  # noqa: BLE001 - any exporter or runtime failure: one line, and the way round it
        raise ValueError(
            f"{source.name}: could not be exported to ONNX for onnxruntime ({errors.one_line(err)[:200]}); "
            "time PyTorch alone with --no-onnx"
        ) from err
    return run


def measure(
    source: ModelSource, batch_size: int, repeats: int, warmup: int, onnx_run: Callable | None
) -> dict[str, Any]:
    batch = drawn_inputs(source, batch_size)
    one = batch[:1]
    row: dict[str, Any] = {
        "model": source.name,
        "architecture": source.arch,
        "parameters": parameters(source.net),
        "multiply_adds": multiply_adds(source.net, source.in_shape, source.input_dtype),
        "test_error": test_error(source),
    }
    timing = time_torch(source, one, batch, repeats, warmup)
    row.update(torch_b1_ms=timing.latency_ms, torch_b1_p90_ms=timing.latency_p90_ms)
    row["torch_samples_per_s"] = timing.throughput
    if onnx_run is not None:
        timing = time_model(onnx_run, one, batch, repeats, warmup)
        row.update(onnx_b1_ms=timing.latency_ms, onnx_b1_p90_ms=timing.latency_p90_ms)
        row["onnx_samples_per_s"] = timing.throughput
        row["onnx_over_torch_throughput"] = row["onnx_samples_per_s"] / row["torch_samples_per_s"]
    if torch.cuda.is_available():
        timing = time_gpu(source, one, batch, repeats, warmup)
        row.update(gpu_b1_ms=timing.latency_ms, gpu_samples_per_s=timing.throughput)
    return row


def keep_best(best: dict[str, Any], row: dict[str, Any]) -> None:
    """Each figure's best round: the lowest latencies, the highest throughputs (noise only slows)."""
    for prefix in ("torch", "onnx", "gpu"):
        if f"{prefix}_b1_ms" in row and row[f"{prefix}_b1_ms"] < best[f"{prefix}_b1_ms"]:
            for key in (f"{prefix}_b1_ms", f"{prefix}_b1_p90_ms"):
                if key in row:
                    best[key] = row[key]
        key = f"{prefix}_samples_per_s"
        if key in row:
            best[key] = max(best[key], row[key])
    if "onnx_samples_per_s" in best:
        best["onnx_over_torch_throughput"] = best["onnx_samples_per_s"] / best["torch_samples_per_s"]


def add_speedups(rows: list[dict[str, Any]]) -> None:
    """Each model's speed against the first (the reference): >1 is faster."""
    first = rows[0]
    for row in rows:
        row["speedup_b1"] = first["torch_b1_ms"] / row["torch_b1_ms"]
        row["speedup_throughput"] = row["torch_samples_per_s"] / first["torch_samples_per_s"]


def markdown(rows: list[dict[str, Any]], batch_size: int, rounds: int) -> str:
    threads = torch.get_num_threads()
    gpu = torch.cuda.get_device_name() if torch.cuda.is_available() else None
    head = [
        "Model",
        "Architecture",
        "# Param.",
        "Mult-adds / sample",
        "Test error",
        "PyTorch b=1 ms (p90)",
        f"PyTorch b={batch_size} samples/s",
    ]
    onnx = "onnx_b1_ms" in rows[0]
    if onnx:
        head += ["onnxruntime b=1 ms (p90)", f"onnxruntime b={batch_size} samples/s", "onnxruntime / PyTorch"]
    if gpu:
        head += ["GPU b=1 ms", f"GPU b={batch_size} samples/s"]
    head += [f"x faster than {rows[0]['model']} (b=1 / b={batch_size})"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * 4 + "---:|" * (len(head) - 4)]
    for r in rows:
        cells = [
            r["model"],
            r["architecture"],
            f"{r['parameters']:,}",
            f"{r['multiply_adds']:,}",
            r["test_error"],
            f"{r['torch_b1_ms']:.3f} ({r['torch_b1_p90_ms']:.3f})",
            f"{r['torch_samples_per_s']:,.0f}",
        ]
        if onnx:
            cells += [
                f"{r['onnx_b1_ms']:.3f} ({r['onnx_b1_p90_ms']:.3f})",
                f"{r['onnx_samples_per_s']:,.0f}",
                f"{r['onnx_over_torch_throughput']:.2f}",
            ]
        if gpu:
            cells += [f"{r['gpu_b1_ms']:.3f}", f"{r['gpu_samples_per_s']:,.0f}"]
        cells += [f"{r['speedup_b1']:.1f} / {r['speedup_throughput']:.1f}"]
        lines.append("| " + " | ".join(cells) + " |")
    where = f"CPU, {threads} PyTorch threads (onnxruntime given the same)" + (f"; GPU: {gpu}" if gpu else "")
    return (
        "\n".join(lines)
        + f"\n\nMeasured in one run on {where}, the models taking turns over {rounds} rounds (each figure "
        + "its best round); fp32; raw inputs (normalisation inside).\n"
    )


def write_csv(path: Path, rows: list[dict[str, Any]]) -> None:
    text = io.StringIO()
    writer = csv.DictWriter(text, fieldnames=COLUMNS, extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    atomic.write_text(path, text.getvalue())


def main(args: list[str]) -> list[dict[str, Any]]:
    parser = errors.ToolParser(prog="mimic speed", description=__doc__)
    parser.add_argument(
        "sources", nargs="+", help="checkpoints, stage configs or run folders; the first is the reference"
    )
    parser.add_argument("--batch-size", type=int, default=256, help="batch of the throughput figure")
    parser.add_argument("--repeats", type=int, default=200, help="timed batch-1 calls per model")
    parser.add_argument("--warmup", type=int, default=20, help="untimed calls first")
    parser.add_argument("--rounds", type=int, default=3, help="rounds over all models; each figure's best is kept")
    parser.add_argument("--no-onnx", action="store_true", help="PyTorch only")
    parser.add_argument("--csv", type=Path, help="write the figures as CSV")
    parser.add_argument("--md", type=Path, help="write the table as Markdown")
    parsed = parser.parse_args(args)
    if parsed.batch_size < 1 or parsed.repeats < 1 or parsed.rounds < 1 or parsed.warmup < 0:
        parser.error("--batch-size, --repeats and --rounds must be at least 1, --warmup at least 0")
    try:
        sources = [load_source([name]) for name in parsed.sources]
    except errors.USER_ERRORS as err:
        if errors.debugging():
            raise
        errors.fail(f"speed: {err}")
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as folder:
        try:
            onnx_runs = [
                None if parsed.no_onnx else onnx_runner(source, Path(folder), drawn_inputs(source, 2))
                for source in sources
            ]
        except ValueError as err:
            if errors.debugging():
                raise
            errors.fail(f"speed: {err}")
        for round_ in range(parsed.rounds):  # the models take turns: a busy spell slows them all alike
            for i, source in enumerate(sources):
                print(f"[mimic speed] round {round_ + 1}/{parsed.rounds}: {source.name} ({source.arch})", flush=True)
                row = measure(source, parsed.batch_size, parsed.repeats, parsed.warmup, onnx_runs[i])
                if round_ == 0:
                    rows.append(row)
                else:
                    keep_best(rows[i], row)
    add_speedups(rows)
    table = markdown(rows, parsed.batch_size, parsed.rounds)
    print(table)
    if parsed.csv:
        write_csv(parsed.csv, rows)
    if parsed.md:
        atomic.write_text(parsed.md, table)
    return rows
