"""``mimic nets CONFIG...``: architecture, parameter count and hidden units of each config's net."""

from pathlib import Path
from typing import Any

import torch
import yaml

from mimic import errors
from mimic.linking import data_shapes
from mimic.nets.base import Net, build_net, count_hidden_units, count_parameters


def net_from_config(path: str | Path) -> Net | None:
    """Build ``model.init_args.net`` of a stage config (``None`` for configs without one), with
    ``in_shape`` and ``num_classes`` from its ``data`` section, as ``mimic fit`` would."""
    config = yaml.safe_load(Path(path).read_text()) or {}
    net = ((config.get("model") or {}).get("init_args") or {}).get("net")
    if net is None:
        return None
    init_args = dict(net.get("init_args") or {})
    shapes = data_shapes(config["data"]) if config.get("data") else None
    if shapes is not None:
        init_args.setdefault("in_shape", shapes[0])
        init_args.setdefault("num_classes", shapes[1])
    return build_net({"class_path": net["class_path"], "init_args": init_args}, source=str(path))


def describe_net(net: Net) -> dict[str, Any]:
    return {
        "class": type(net).__name__,
        "arch": net.describe(),
        "params": count_parameters(net),
        "hidden_units": count_hidden_units(net),
    }


def main(args: list[str]) -> list[dict[str, Any]]:
    parser = errors.ToolParser(prog="mimic nets", description=__doc__)
    parser.add_argument("configs", nargs="+", help="stage YAML files with model.init_args.net")
    rows = []
    for path in parser.parse_args(args).configs:
        with torch.device("meta"):  # shapes only: a 180M-parameter net costs no memory
            net = net_from_config(path)
        if net is None:
            print(f"{path}: no model.init_args.net")
            continue
        row = {"config": str(path), **describe_net(net)}
        rows.append(row)
        print(
            f"{row['config']:<48} {row['class']:<15} {row['arch']:<28} {row['params']:>12,d} params "
            f"{row['hidden_units']:>10,d} hidden units"
        )
    return rows
