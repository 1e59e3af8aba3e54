"""torchvision's classification architectures, built by name without downloading anything, and weights
read from a local file (a state dict saved by PyTorch, or safetensors) with one-line errors."""

from pathlib import Path

import torch
import torchvision
from torch import nn


def classification_architectures() -> list[str]:
    return sorted(torchvision.models.list_models(module=torchvision.models))


def build_architecture(arch: str, num_classes: int) -> nn.Module:
    """An untrained torchvision classifier (``weights=None``: nothing is downloaded)."""
    known = classification_architectures()
    if arch not in known:
        raise ValueError(f"unknown torchvision architecture {arch!r}; expected one of {', '.join(known)}")
    return torchvision.models.get_model(arch, weights=None, num_classes=num_classes)


def read_weights(path: str | Path) -> dict[str, torch.Tensor]:
    """A state dict from ``path``: ``.safetensors``, or a PyTorch file read with ``weights_only=True`` (a
    dict of tensors, possibly under ``state_dict`` or ``model``, as training scripts often save it)."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"teacher weights {path} not found")
    try:
        if is_safetensors(path):
            from safetensors.torch import load_file

            state = load_file(str(path))
        else:
            state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as err:  # noqa: BLE001 - a damaged or foreign file, whatever the reader raised: one line
        first = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        raise ValueError(f"{path}: not a state dict (safetensors, or a PyTorch file of tensors): {first}") from err
    for key in ("state_dict", "model"):
        if isinstance(state, dict) and isinstance(state.get(key), dict):
            state = state[key]
    if not isinstance(state, dict) or not all(isinstance(v, torch.Tensor) for v in state.values()):
        raise ValueError(f"{path}: not a state dict (expected names -> tensors)")
    return state


def is_safetensors(path: Path) -> bool:
    """A safetensors file, by its content (whatever its name): an 8-byte little-endian header length, then
    the JSON header's opening brace."""
    with open(path, "rb") as f:
        head = f.read(9)
    return len(head) == 9 and head[8:9] == b"{" and int.from_bytes(head[:8], "little") < path.stat().st_size


def load_weights(model: nn.Module, state: dict[str, torch.Tensor], path: str | Path, what: str) -> None:
    """``model.load_state_dict(state)``, strictly; a state dict of another architecture is one line that
    says what does not fit."""
    own = model.state_dict()
    missing = [k for k in own if k not in state]
    unexpected = [k for k in state if k not in own]
    mismatched = [
        f"{k} {tuple(state[k].shape)} for {tuple(v.shape)}"
        for k, v in own.items()
        if k in state and state[k].shape != v.shape
    ]
    if missing or unexpected or mismatched:
        problems = [
            _listed("missing", missing),
            _listed("unexpected", unexpected),
            _listed("wrong shape", mismatched),
        ]
        raise ValueError(f"{path}: weights of another architecture than {what}: " + "; ".join(p for p in problems if p))
    model.load_state_dict(state)


def _listed(kind: str, names: list[str], shown: int = 3) -> str:
    if not names:
        return ""
    more = f" and {len(names) - shown} more" if len(names) > shown else ""
    return f"{kind} {', '.join(names[:shown])}{more}"
