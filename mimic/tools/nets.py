"""``mimic nets CONFIG...``: architecture, parameter count and hidden units of each config's net.

A CONFIG may be a stage config with its overlays joined by ``+``, in the order ``--config`` takes them:
``mimic nets configs/timit/snn_8k.yaml+configs/timit/snn_50k.yaml``."""

from typing import Any

import torch

from mimic import errors
from mimic.linking import net_from_config
from mimic.nets.base import Net, count_hidden_units, count_parameters


def describe_net(net: Net) -> dict[str, Any]:
    return {
        "class": type(net).__name__,
        "arch": net.describe(),
        "params": count_parameters(net),
        "hidden_units": count_hidden_units(net),
    }


def main(args: list[str]) -> list[dict[str, Any]]:
    parser = errors.ToolParser(prog="mimic nets", description=__doc__)
    parser.add_argument(
        "configs", nargs="+", help="stage YAML files with model.init_args.net (overlays: A.yaml+B.yaml)"
    )
    rows = []
    for path in parser.parse_args(args).configs:
        with torch.device("meta"):  # shapes only: a 180M-parameter net costs no memory
            net = net_from_config(path.split("+"))
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
