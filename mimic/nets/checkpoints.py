"""Reading and writing the part of a checkpoint that rebuilds a net, without running pickled code.

A task writes its net's spec (class path and plain arguments) next to the weights; anything holding a
checkpoint can then rebuild the net from the file alone. Files are read with ``weights_only=True``:
tensors and plain containers only, so a tampered checkpoint cannot execute code on load.
"""

import glob
import pickle
import zipfile
from pathlib import Path
from typing import Any

import torch

from mimic.atomic import atomic_file
from mimic.errors import one_line
from mimic.nets.base import Net, build_net
from mimic.nets.ensemble import Ensemble

NET_SPEC_KEY = "mimic_net"
ENSEMBLE_KEY = "mimic_ensemble"  # files of save_model(Ensemble): members' specs and weights
# Format 2: nets hold their input statistics (``net.inputs.*``); format 1 kept them in the DataModule's
# state, which nothing reads any more, so format-1 weights would be fed unnormalised inputs.
FORMAT_KEY, FORMAT = "mimic_format", 2
_NET_PREFIX = "net."  # tasks hold their net as ``self.net``


def check_format(checkpoint: dict[str, Any], path: str | Path) -> None:
    """Refuse checkpoints written before nets carried their input statistics, saying how to retrain."""
    if checkpoint.get(FORMAT_KEY) == FORMAT:
        return
    found = checkpoint.get(FORMAT_KEY, 1)
    raise ValueError(
        f"{path}: written by an older mimic (checkpoint format {found}, this mimic reads format {FORMAT}): its "
        "input statistics were kept by the DataModule, now each net holds its own. Retrain the stage: "
        "`mimic fit --config <its config.yaml>` (the run folder holds the config it was trained with)"
    )


def resolve_checkpoints(patterns: str | list[str]) -> list[Path]:
    """Expand paths and glob patterns, in order; a pattern that matches nothing is an error."""
    patterns = [patterns] if isinstance(patterns, str) else list(patterns)
    if not patterns:
        raise ValueError("no teacher checkpoint given")
    paths: list[Path] = []
    for pattern in patterns:
        matches = sorted(glob.glob(str(pattern))) if glob.has_magic(str(pattern)) else [str(pattern)]
        if not matches or not Path(matches[0]).is_file():
            raise FileNotFoundError(
                f"teacher checkpoint {pattern!r} not found (cwd: {Path.cwd()}); train the teacher stage first "
                "or point the path at its checkpoints/best.ckpt"
            )
        paths += [Path(m) for m in matches]
    return paths


def load_checkpoint(path: str | Path, map_location: Any = "cpu") -> dict[str, Any]:
    """``torch.load`` with ``weights_only=True``; a file that needs arbitrary unpickling is refused, and
    every failure names the file and what is wrong with it."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"checkpoint {path} does not exist")
    if not zipfile.is_zipfile(path):  # torch.save writes a zip archive; a cut-off one loses its directory
        size = path.stat().st_size
        raise ValueError(
            f"{path}: not a PyTorch checkpoint ({size} bytes, not the zip archive torch.save writes): empty, "
            "truncated by a crash or a full disk, or another kind of file"
        )
    try:
        return torch.load(path, map_location=map_location, weights_only=True)
    except pickle.UnpicklingError as err:
        raise ValueError(
            f"{path}: refused to load: it holds Python objects beyond tensors and plain containers, and "
            "unpickling them could run code. mimic reads tensors and plain containers only; re-save the "
            "weights (the state_dict) from a trusted environment"
        ) from err
    except (RuntimeError, EOFError, OSError) as err:
        raise ValueError(f"{path}: a damaged PyTorch checkpoint ({one_line(err).split('. ')[0]})") from err


def save_net(net: Net, path: str | Path) -> None:
    """Write a bare net in the checkpoint format ``load_net`` reads (tasks write the same keys, and more)."""
    state = {f"{_NET_PREFIX}{k}": v for k, v in net.state_dict().items()}
    with atomic_file(path) as f:
        torch.save({"state_dict": state, NET_SPEC_KEY: net.spec(), FORMAT_KEY: FORMAT}, f)


def save_model(model: Net | Ensemble, path: str | Path) -> None:
    """A net as ``save_net`` writes it; an ensemble as its members' specs and weights in one file."""
    if not isinstance(model, Ensemble):
        save_net(model, path)
        return
    members = [{"spec": m.spec(), "state_dict": m.state_dict()} for m in model.members]
    with atomic_file(path) as f:
        torch.save({ENSEMBLE_KEY: {"combine": model.combine, "members": members}, FORMAT_KEY: FORMAT}, f)


def load_model(path: str | Path) -> Net | Ensemble:
    """What ``save_model`` wrote (or any mimic checkpoint of a net), rebuilt in eval mode."""
    checkpoint = load_checkpoint(path)
    ensemble = checkpoint.get(ENSEMBLE_KEY)
    if ensemble is None:
        return net_from_checkpoint(checkpoint, path)
    check_format(checkpoint, path)
    members = []
    for member in ensemble["members"]:
        net = build_net(member["spec"], source=str(path))
        net.load_state_dict(member["state_dict"])
        members.append(net)
    return Ensemble(members, combine=ensemble["combine"]).eval()


def load_net(path: str | Path) -> Net:
    """Rebuild the net stored in a mimic checkpoint and load its weights (in eval mode)."""
    return net_from_checkpoint(load_checkpoint(path), path)


def net_from_checkpoint(checkpoint: dict[str, Any], path: str | Path) -> Net:
    """``load_net`` on a checkpoint already loaded from ``path`` (named in errors)."""
    spec = checkpoint.get(NET_SPEC_KEY)
    if spec is None:
        raise ValueError(
            f"{path}: no '{NET_SPEC_KEY}' entry, so the net cannot be rebuilt; expected a checkpoint written "
            "by a mimic TeacherModule or StudentModule"
        )
    check_format(checkpoint, path)
    net = build_net(spec, source=str(path))
    state = {k[len(_NET_PREFIX) :]: v for k, v in checkpoint["state_dict"].items() if k.startswith(_NET_PREFIX)}
    try:
        net.load_state_dict(state)
    except RuntimeError as err:
        raise ValueError(f"{path}: weights do not fit the net its spec describes: {err}") from err
    return net.eval()
