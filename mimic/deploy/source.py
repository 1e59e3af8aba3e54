"""What ``mimic export`` and ``mimic speed`` take in: a trained net, or an ensemble of trained nets, with
what is known about it (its data, class names, the metrics of its run, the checkpoints it came from).

A source is named by any of:
- a checkpoint (``runs/<experiment>/<stage>/checkpoints/best.ckpt``): a teacher or student net;
- several checkpoints: their ensemble (the mean of the members' logits, as ``EnsembleModule``);
- a stage's ``config.yaml`` or its run folder: the stage's ``checkpoints/best.ckpt``, or for an
  ``EnsembleModule`` stage the members its config names;
- a stage config that was never trained (``configs/...yaml``): the net it would build, with fresh
  weights, for ``mimic speed`` (cost does not depend on the weights; ``mimic export`` refuses it).

Checkpoints are read with ``weights_only=True`` (``load_checkpoint``): a tampered file runs no code.
"""

import csv
import glob
from dataclasses import dataclass, field
from importlib import import_module
from pathlib import Path
from typing import Any

import torch
import yaml
from torch import nn

from mimic.linking import net_from_config, read_config
from mimic.nets.base import Net
from mimic.nets.checkpoints import load_checkpoint, net_from_checkpoint, resolve_checkpoints
from mimic.nets.ensemble import Ensemble

ENSEMBLE_MODULE = "mimic.tasks.EnsembleModule"
_TRUSTED_DATA = "mimic.data."  # only mimic's DataModules are imported to read their class names
CONFIG_SUFFIXES = (".yaml", ".yml")


@dataclass
class ModelSource:
    """A net ready to run on raw inputs (eval mode, CPU), and what is known about it.

    ``data`` is the DataModule's hyperparameters from the checkpoint (``_class_path`` included) or the
    config's ``data`` section; ``metrics`` holds the run's best validation score and its test metrics
    where the run folder has them.
    """

    name: str
    net: nn.Module
    checkpoints: list[Path] = field(default_factory=list)
    trained: bool = True
    data: dict[str, Any] = field(default_factory=dict)
    metrics: dict[str, float] = field(default_factory=dict)
    combine: str | None = None  # ensembles only
    folder: Path | None = None  # the stage's run folder, where known

    @property
    def in_shape(self) -> tuple[int, ...]:
        return tuple(self.net.in_shape)

    @property
    def num_classes(self) -> int:
        return int(self.net.num_classes)

    @property
    def takes_images(self) -> bool:
        """Image nets take raw uint8 pixels (C, H, W); the others float32 features (TIMIT windows)."""
        return len(self.in_shape) == 3

    @property
    def input_dtype(self) -> torch.dtype:
        return torch.uint8 if self.takes_images else torch.float32

    @property
    def arch(self) -> str:
        return self.net.describe()

    def class_names(self) -> list[str] | None:
        """Each logit's meaning, from the DataModule the net was trained on (mimic's own only)."""
        class_path = str(self.data.get("class_path") or self.data.get("_class_path") or "")
        if not class_path.startswith(_TRUSTED_DATA):
            return None
        module, _, name = class_path.rpartition(".")
        try:
            names = getattr(getattr(import_module(module), name), "class_names", None)
        except (ImportError, AttributeError):
            return None
        return list(names) if names is not None and len(names) == self.num_classes else None


def load_source(names: list[str]) -> ModelSource:
    """One model from the command line's names: a config or run folder, or one checkpoint or several; a
    stage config with overlays is its files joined by ``+`` (``stage.yaml+overlay.yaml``)."""
    if len(names) == 1 and "+" in names[0] and names[0].endswith(CONFIG_SUFFIXES):
        first, *overlays = (Path(part) for part in names[0].split("+"))
        missing = [str(p) for p in (first, *overlays) if not p.is_file()]
        if missing:
            raise FileNotFoundError(f"{', '.join(missing)} does not exist; expected stage config files")
        return _from_config(first, overlays)
    for name in names:
        if not glob.has_magic(name) and not Path(name).exists():
            raise FileNotFoundError(
                f"{name} does not exist; expected a checkpoint, a stage's config.yaml or run folder"
            )
    if len(names) == 1:
        path = Path(names[0])
        if path.is_dir():
            path = _in_run_folder(path)
        if path.suffix in CONFIG_SUFFIXES:
            return _from_config(path)
        names = [str(path)]
    paths = resolve_checkpoints(names)
    if len(paths) == 1:
        return _from_checkpoint(paths[0])
    return _ensemble([_from_checkpoint(p) for p in paths], combine="logits", name=None)


def _in_run_folder(folder: Path) -> Path:
    """A trained stage's config.yaml (its best.ckpt beside it), else its best.ckpt; a scored-only stage
    (an ensemble) keeps its config in test/ or validate/."""
    for name in ("config.yaml", "checkpoints/best.ckpt", "test/config.yaml", "validate/config.yaml"):
        if (folder / name).is_file():
            return folder / name
    raise FileNotFoundError(f"{folder}: no config.yaml or checkpoints/best.ckpt in it; expected a stage's run folder")


def _from_checkpoint(path: Path) -> ModelSource:
    checkpoint = load_checkpoint(path)
    net = net_from_checkpoint(checkpoint, path).eval()
    metrics: dict[str, float] = {}
    for key, state in (checkpoint.get("callbacks") or {}).items():
        if str(key).startswith("ModelCheckpoint") and state.get("best_model_score") is not None:
            metrics[f"best {state.get('monitor')}"] = float(state["best_model_score"])
    stage_dir = path.parent.parent if path.parent.name == "checkpoints" else path.parent
    metrics.update(_test_metrics(stage_dir))
    name = stage_dir.name if path.parent.name == "checkpoints" else path.stem
    data = dict(checkpoint.get("datamodule_hyper_parameters") or {})
    return ModelSource(name, net, [path], True, data, metrics, folder=stage_dir)


def _ensemble(members: list[ModelSource], combine: str, name: str | None) -> ModelSource:
    net = Ensemble([m.net for m in members], combine=combine).eval()  # checks shapes and classes agree
    name = name or "ensemble of " + ", ".join(m.name for m in members)
    checkpoints = [p for m in members for p in m.checkpoints]
    return ModelSource(name, net, checkpoints, True, members[0].data, {}, combine)


def _from_config(path: Path, overlays: list[Path] = ()) -> ModelSource:
    """A stage config (with its ``overlays``, as later ``--config`` files): its trained net beside it, an
    ensemble of the members it names, or the net it would build, untrained."""
    try:
        config = read_config([path, *overlays])
    except (yaml.YAMLError, OSError) as err:
        raise ValueError(f"{path}: not a readable stage config ({str(err).splitlines()[0]})") from err
    if not isinstance(config, dict) or not isinstance(config.get("model"), dict):
        raise ValueError(f"{path}: no 'model' section; expected a stage config (mimic fit --config FILE)")
    model = config["model"]
    data = config.get("data") if isinstance(config.get("data"), dict) else {}
    stage_dir = path.parent.parent if path.parent.name in ("test", "validate") else path.parent
    name = str((config.get("run") or {}).get("stage") or path.stem)
    if model.get("class_path") == ENSEMBLE_MODULE:
        init_args = model.get("init_args") or {}
        members = [_from_checkpoint(p) for p in resolve_checkpoints(init_args.get("checkpoints") or [])]
        source = _ensemble(members, str(init_args.get("combine", "logits")), name)
        source.metrics, source.folder = _test_metrics(stage_dir), stage_dir
        return source
    best = stage_dir / "checkpoints" / "best.ckpt"
    if best.is_file():
        return _from_checkpoint(best)
    net = net_from_config([path, *overlays])
    if net is None:
        raise ValueError(f"{path}: no model.init_args.net and no checkpoints/best.ckpt beside it")
    net.eval()
    _fit_to_raw_range(net)
    flat_data = {"_class_path": data.get("class_path"), **(data.get("init_args") or {})}
    return ModelSource(name, net, [], False, flat_data, {})  # no run folder: nothing was trained


def _fit_to_raw_range(net: Net) -> None:
    """An untrained net's input statistics, set for raw inputs so that its arithmetic is ordinary (pixels
    0..255: mean 128, std 64): timing is the same for any weights, overflowing values are not."""
    inputs = net.inputs
    if hasattr(inputs, "mean") and hasattr(inputs, "std") and len(net.in_shape) == 3:
        inputs.mean.fill_(128.0)
        inputs.std.fill_(64.0)


def _test_metrics(stage_dir: Path) -> dict[str, float]:
    """The last row of ``<stage>/test/metrics.csv`` (``mimic test``'s figures), numbers only."""
    path = stage_dir / "test" / "metrics.csv"
    if not path.is_file():
        return {}
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    metrics = {}
    for key, value in (rows[-1] if rows else {}).items():
        if key and key.startswith("test/") and value not in (None, ""):
            try:
                metrics[key] = float(value)
            except ValueError:
                continue
    return metrics
