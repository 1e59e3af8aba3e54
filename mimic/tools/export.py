"""``mimic export SOURCE... --format onnx|torchscript|state_dict|torchvision [--out FILE]``: a trained teacher, student
or ensemble as one self-contained model file (raw inputs in, logits out, any batch size), checked against
PyTorch on test inputs, with a JSON sidecar (``FILE.json``) saying what goes in and comes out.

SOURCE: a checkpoint, several checkpoints (their ensemble), or a stage's config.yaml / run folder.
"""

import json
import os
from pathlib import Path
from typing import Any

import mimic
from mimic import atomic, errors
from mimic.content_hash import sha256_of
from mimic.deploy.check_inputs import test_inputs
from mimic.deploy.cost import multiply_adds, parameters
from mimic.deploy.exporters import (
    FORMATS,
    INPUT_NAME,
    OUTPUT_NAME,
    SUFFIXES,
    TRACE_BATCH,
    WRITERS,
    largest_difference,
    runner,
    temporary_beside,
)
from mimic.deploy.source import ModelSource, load_source

DEFAULT_TOLERANCE = 1e-4  # fp32 logits: the bound; arithmetic order alone stays far below it
CHECK_INPUTS = 64


def default_out(source: ModelSource, format: str) -> Path:
    """Beside the run: ``runs/<experiment>/<stage>/export/<stage>.<suffix>``; an ensemble given as bare
    checkpoints has no run folder: ``ensemble.<suffix>`` here."""
    if source.folder is None:
        return Path(f"ensemble{SUFFIXES[format]}")
    return source.folder / "export" / f"{source.folder.name}{SUFFIXES[format]}"


def preprocessing(source: ModelSource, format: str) -> str:
    """What a user must feed the model, in words: the inputs mimic's DataModules yield, unnormalised."""
    if format == "torchvision":
        settings = source.net.preprocess.settings()
        size = settings["size"] or "that of the images"
        return (
            f"the torchvision model's own input: float32 (batch, {settings['channels']}, height, width) of size "
            f"{size}, pixels scaled to 0..1, minus mean {settings['mean']}, over std {settings['std']} "
            "(mimic.nets.preprocess.Preprocess with these settings, from raw images)"
        )
    if source.takes_images:
        c, h, w = source.in_shape
        return (
            f"raw pixels, uint8 0..255, (batch, {c}, {h}, {w}) channels first; the model normalises them "
            "itself (its training statistics are inside it)"
        )
    data = source.data
    frames, width = source.in_shape
    parts = [f"{data.get('num_mel_bins', '?')} log mel filterbank energies"]
    if data.get("energy"):
        parts.append("log energy")
    features = " + ".join(parts) + (", with deltas and delta-deltas" if data.get("deltas") else "")
    return (
        f"float32 (batch, {frames}, {width}): windows of {frames} consecutive 10 ms frames (25 ms Hamming "
        f"windows, 16 kHz) centred on the frame to classify; per frame {features} "
        "(mimic.data.timit.features.utterance_features), unnormalised: the model standardises them itself"
    )


def sidecar(source: ModelSource, out: Path, format: str, exporter: str, check: dict[str, Any]) -> dict[str, Any]:
    classes = source.class_names()
    return {
        "file": out.name,
        "format": format,
        "sha256": sha256_of(out),
        "exporter": exporter,
        "model": {
            "name": source.name,
            "architecture": source.arch,
            "class": type(source.net).__name__,
            "parameters": parameters(source.net),
            "multiply_adds_per_sample": multiply_adds(source.net, source.in_shape, source.input_dtype),
        },
        "input": {
            "name": INPUT_NAME,
            "shape": ["batch", *source.in_shape],
            "dtype": str(source.input_dtype).removeprefix("torch."),
            "preprocessing": preprocessing(source, format),
        },
        "output": {
            "name": OUTPUT_NAME,
            "shape": ["batch", source.num_classes],
            "dtype": "float32",
            "meaning": "unnormalised logits; softmax gives class probabilities",
        },
        "classes": classes,
        "source": {
            "checkpoints": [{"path": str(p), "sha256": sha256_of(p)} for p in source.checkpoints],
            "combine": source.combine,
            "data": {k: v for k, v in source.data.items() if k != "_instantiator"},
        },
        "metrics": source.metrics,
        "check": check,
        "mimic_version": mimic.__version__,
    }


def export(names: list[str], format: str, out: Path | None, overwrite: bool, tolerance: float) -> dict[str, Any]:
    source = load_source(names)
    if not source.trained:
        raise ValueError(f"{names[0]}: no trained checkpoint beside this config; train the stage first")
    out = out or default_out(source, format)
    side = out.with_name(out.name + ".json")
    for path in (out, side):
        if path.exists() and not overwrite:
            raise FileExistsError(f"{path} exists; give --overwrite to replace it, or another --out")
    inputs, what = test_inputs(source, CHECK_INPUTS)
    with temporary_beside(out) as temporary:
        exporter = WRITERS[format](source.net, inputs[:TRACE_BATCH], temporary)
        run, runtime = runner(temporary, format, net=source.net)
        difference = largest_difference(source.net, run, inputs)
        if not difference <= tolerance:  # NaN logits fail too
            raise ValueError(
                f"export of {source.name} to {format}: the largest logit difference to PyTorch is {difference:.3g} "
                f"on {what}, above the tolerance {tolerance:g}; nothing written"
            )
        check = {"inputs": what, "runtime": runtime, "max_abs_logit_difference": difference, "tolerance": tolerance}
        record = sidecar(source, temporary, format, exporter, check) | {"file": out.name}
        atomic.write_text(side, json.dumps(record, indent=2) + "\n")  # the sidecar first: a model never lacks one
        os.replace(temporary, out)
    print(
        f"[mimic export] {source.name} ({source.arch}) -> {out} ({format}, {out.stat().st_size / 1e6:.1f} MB); "
        f"largest logit difference to PyTorch {difference:.2g} on {what} ({runtime}); sidecar {side}"
    )
    return record


def main(args: list[str]) -> dict[str, Any]:
    parser = errors.ToolParser(prog="mimic export", description=__doc__)
    parser.add_argument("source", nargs="+", help="checkpoint(s), or a stage's config.yaml or run folder")
    parser.add_argument("--format", choices=FORMATS, default="onnx")
    parser.add_argument("--out", type=Path, help="the model file (default: <stage>/export/<stage>.<suffix>)")
    parser.add_argument("--overwrite", action="store_true", help="replace an existing --out and its sidecar")
    parser.add_argument(
        "--tolerance", type=float, default=DEFAULT_TOLERANCE, help="largest logit difference to PyTorch allowed"
    )
    parsed = parser.parse_args(args)
    if not parsed.tolerance >= 0:
        parser.error(f"--tolerance must be 0 or more, got {parsed.tolerance}")
    try:
        return export(parsed.source, parsed.format, parsed.out, parsed.overwrite, parsed.tolerance)
    except errors.USER_ERRORS as err:
        if errors.debugging():
            raise
        errors.fail(f"export: {err}")
