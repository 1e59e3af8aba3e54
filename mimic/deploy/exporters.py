"""Writing a net as a self-contained model file, and checking the file against the net.

Every format takes raw inputs (the net's input normalisation is inside it) with any batch size and
returns logits (batch, classes):
- ``onnx``: ``torch.onnx.export``, the dynamo exporter where it succeeds (TorchScript-based otherwise);
  one file, weights inside. Checked with onnxruntime.
- ``torchscript``: ``torch.jit.trace``; ``torch.jit.load(file)`` runs it without mimic.
- ``state_dict``: mimic's net file (spec + weights, ``mimic.nets.checkpoints.load_model``), for Python
  with mimic installed.
- ``torchvision``: a ``TorchvisionNet``'s torchvision model weights alone, as safetensors: what
  ``torchvision.models.get_model(arch, num_classes=...).load_state_dict`` takes, and what an outside
  teacher (``mimic.nets.TorchvisionTeacher``) reads. This file expects the net's preprocessed input; the
  sidecar gives the preprocessing, and the check runs it through that preprocessing.

Each exporter writes into a temporary file in the destination folder; ``check`` then runs the file on
inputs of another batch size than the one it was traced with, and only a file within tolerance is
renamed into place.
"""

import io
import os
import tempfile
import warnings
from collections.abc import Callable
from contextlib import contextmanager, redirect_stdout
from pathlib import Path

import numpy as np
import torch
from torch import Tensor, nn

from mimic.nets.checkpoints import save_model

FORMATS = ("onnx", "torchscript", "state_dict", "torchvision")
SUFFIXES = {"onnx": ".onnx", "torchscript": ".pt", "state_dict": ".ckpt", "torchvision": ".safetensors"}
INPUT_NAME, OUTPUT_NAME = "inputs", "logits"
TRACE_BATCH = 2  # traced with this many inputs; checked with others, so a fixed batch size would show


@contextmanager
def temporary_beside(path: Path):
    """A temporary path in ``path``'s folder (so the final rename is atomic); removed unless renamed."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(handle)
    try:
        yield Path(name)
    finally:
        Path(name).unlink(missing_ok=True)


def write_onnx(net: nn.Module, example: Tensor, path: Path) -> str:
    """Export to ONNX at ``path``; returns which exporter did it."""
    quiet = io.StringIO()  # the exporters print progress lines of their own
    names = {"input_names": [INPUT_NAME], "output_names": [OUTPUT_NAME]}
    with warnings.catch_warnings(), redirect_stdout(quiet):
        warnings.simplefilter("ignore")
        try:
            batch = {0: torch.export.Dim("batch")}
            torch.onnx.export(
                net, (example,), str(path), **names, dynamic_shapes=(batch,), dynamo=True, external_data=False
            )
            return f"torch.onnx.export (dynamo), torch {torch.__version__}"
        except Exception as err:  # noqa: BLE001 - any failure of the newer exporter: use the older one
            dynamo_error = " ".join(str(err).split())[:200]
        axes = {INPUT_NAME: {0: "batch"}, OUTPUT_NAME: {0: "batch"}}
        torch.onnx.export(net, (example,), str(path), **names, dynamic_axes=axes, dynamo=False)
    return f"torch.onnx.export (TorchScript-based; the dynamo exporter failed: {dynamo_error})"


def write_torchscript(net: nn.Module, example: Tensor, path: Path) -> str:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch.jit's deprecation notice
        traced = torch.jit.trace(net, (example,), check_trace=False)
        traced.save(str(path))
    return f"torch.jit.trace, torch {torch.__version__}"


def write_state_dict(net: nn.Module, example: Tensor, path: Path) -> str:
    save_model(net, path)
    return "mimic.nets.checkpoints.save_model (load with load_model)"


def write_torchvision(net: nn.Module, example: Tensor, path: Path) -> str:
    from safetensors.torch import save_file

    from mimic.nets.torchvision_net import TorchvisionNet

    if not isinstance(net, TorchvisionNet):
        raise ValueError(f"--format torchvision writes a TorchvisionNet's weights; this net is a {type(net).__name__}")
    save_file({k: v.contiguous() for k, v in net.model.state_dict().items()}, str(path))
    return "safetensors.torch.save_file of the torchvision model's state_dict"


WRITERS: dict[str, Callable[[nn.Module, Tensor, Path], str]] = {
    "onnx": write_onnx,
    "torchscript": write_torchscript,
    "state_dict": write_state_dict,
    "torchvision": write_torchvision,
}


def runner(
    path: Path, format: str, threads: int | None = None, net: nn.Module | None = None
) -> tuple[Callable[[Tensor], np.ndarray], str]:
    """A function running the exported file on raw inputs -> logits as numpy, and what runs it;
    ``threads``: onnxruntime's intra-op threads (default: its own choice); ``net``: what was exported
    (the ``torchvision`` format's file holds weights only: the net says its architecture and preprocessing)."""
    if format == "onnx":
        import onnxruntime

        options = onnxruntime.SessionOptions()
        if threads is not None:
            options.intra_op_num_threads = threads
        session = onnxruntime.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        return (
            lambda x: session.run([OUTPUT_NAME], {INPUT_NAME: x.numpy()})[0],
            f"onnxruntime {onnxruntime.__version__}",
        )
    if format == "torchscript":
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            module = torch.jit.load(str(path), map_location="cpu")
        return lambda x: module(x).detach().numpy(), f"torch.jit.load, torch {torch.__version__}"
    if format == "torchvision":
        from mimic.nets.outside import TorchvisionTeacher

        settings = {k: v for k, v in net.init_args.items() if k not in ("in_shape",)}
        teacher = TorchvisionTeacher(weights=str(path), **settings)
        return lambda x: teacher(x).detach().numpy(), f"mimic TorchvisionTeacher, torch {torch.__version__}"
    from mimic.nets.checkpoints import load_model

    model = load_model(path)
    return lambda x: model(x).detach().numpy(), f"mimic load_model, torch {torch.__version__}"


def largest_difference(net: nn.Module, run: Callable[[Tensor], np.ndarray], inputs: Tensor) -> float:
    """max |exported - PyTorch| over the logits of ``inputs``, run whole and as a batch of one."""
    with torch.inference_mode():
        expected = net(inputs).float().numpy()  # (N, C)
    largest = 0.0
    for part, want in ((inputs, expected), (inputs[:1], expected[:1])):
        got = run(part)
        if got.shape != want.shape:
            raise ValueError(f"the exported model returned logits of shape {got.shape} for {tuple(want.shape)}")
        largest = max(largest, float(np.abs(got.astype(np.float64) - want).max()))
    return largest
