"""``num_classes`` and ``in_shape`` come from the DataModule, so that no config repeats them.

The ``mimic`` command asks the configured DataModule class for both from its settings alone
(``MimicDataModule.shapes``: no instance is built, no data read) and writes them into
``model.init_args.net.init_args`` before the model is built. A config that states either anyway must
agree with the data, or the run stops before its first step with one line naming the key. (LightningCLI's
own ``link_arguments`` cannot do this here: an ``EnsembleModule`` has no ``net`` to link to.)
"""

import inspect
from importlib import import_module
from pathlib import Path
from typing import Any

import yaml
from jsonargparse import Namespace

from mimic.data.base import MimicDataModule
from mimic.nets.base import Net, build_net

NET_KEY = "model.init_args.net.init_args"


def data_shapes(data_config: Namespace | dict[str, Any]) -> tuple[list[int], int] | None:
    """(in_shape, num_classes) of the DataModule a ``data`` config section describes (``class_path`` and
    ``init_args``, missing ones at their defaults); ``None`` for a DataModule that is no ``MimicDataModule``."""
    as_dict = data_config.as_dict() if isinstance(data_config, Namespace) else dict(data_config)
    module, _, name = str(as_dict.get("class_path", "")).rpartition(".")
    try:
        datamodule_class = getattr(import_module(module), name)
    except (ImportError, AttributeError, ValueError):
        return None  # the CLI's own parse names an unknown class
    if not (isinstance(datamodule_class, type) and issubclass(datamodule_class, MimicDataModule)):
        return None
    defaults = {
        key: parameter.default
        for key, parameter in inspect.signature(datamodule_class.__init__).parameters.items()
        if parameter.default is not inspect.Parameter.empty
    }
    in_shape, num_classes = datamodule_class.shapes({**defaults, **(as_dict.get("init_args") or {})})
    return [int(d) for d in in_shape], int(num_classes)


def link_net_to_data(model_config: Namespace, data_config: Namespace) -> str | None:
    """Fill the net's ``in_shape`` and ``num_classes`` from the data; returns an error line on a mismatch."""
    net = model_config.get("init_args", Namespace()).get("net")
    if not isinstance(net, Namespace) or "init_args" not in net:
        return None  # no net to link (an EnsembleModule checks its members against the data itself)
    shapes = data_shapes(data_config)
    if shapes is None:
        return None
    data_name = data_config.class_path.rpartition(".")[2]
    for key, value in zip(("in_shape", "num_classes"), shapes, strict=True):
        given = net.init_args.get(key)
        if given is not None and (list(given) if key == "in_shape" else given) != value:
            return (
                f"{NET_KEY}.{key} is {given} but {data_name} gives {value}: leave it out of the config, "
                "mimic takes it from the DataModule"
            )
        net.init_args[key] = value
    return None


def net_from_config(paths: str | Path | list[str | Path]) -> Net | None:
    """Build ``model.init_args.net`` of a stage's configs (``None`` for configs without one), with
    ``in_shape`` and ``num_classes`` from the ``data`` section, as ``mimic fit`` would: later configs
    overlay earlier ones (as repeated ``--config`` do), and a section given as a file
    (``net: parts/nets/shallow.yaml``) is read from beside its config, as jsonargparse reads it."""
    config = read_config(paths)
    net = ((config.get("model") or {}).get("init_args") or {}).get("net")
    if net is None:
        return None
    init_args = dict(net.get("init_args") or {})
    shapes = data_shapes(config["data"]) if config.get("data") else None
    if shapes is not None:
        init_args.setdefault("in_shape", shapes[0])
        init_args.setdefault("num_classes", shapes[1])
    source = " + ".join(map(str, [paths] if isinstance(paths, str | Path) else paths))
    return build_net({"class_path": net["class_path"], "init_args": init_args}, source=source)


def read_config(paths: str | Path | list[str | Path]) -> dict[str, Any]:
    """A stage's configs as one mapping, as ``mimic fit --config A --config B`` would resolve them:
    later files overlay earlier ones, and sections given as files are read from beside their config."""
    config: dict[str, Any] = {}
    for path in [paths] if isinstance(paths, str | Path) else paths:
        config = _overlay(config, _read_sections(Path(path)))
    return config


def _read_sections(path: Path) -> dict[str, Any]:
    """A config file with the sections it names as files (``data: parts/data.yaml``) read in."""

    def resolve(value: Any) -> Any:
        if isinstance(value, str) and value.endswith((".yaml", ".yml")):
            return resolve(yaml.safe_load((path.parent / value).read_text()))
        if isinstance(value, dict):
            return {k: v if k == "callbacks" else resolve(v) for k, v in value.items()}
        return value

    try:
        return resolve(yaml.safe_load(path.read_text()) or {})
    except yaml.YAMLError as err:  # a user's file: one line naming it, not a parser traceback
        raise ValueError(f"{path}: not valid YAML ({str(err).splitlines()[0]})") from err


def _overlay(base: Any, over: Any) -> Any:
    """``over`` on top of ``base``: mappings merge key by key, except that another ``class_path`` starts
    the component afresh (as jsonargparse does); anything else is replaced."""
    if not (isinstance(base, dict) and isinstance(over, dict)):
        return over
    if "class_path" in over and over["class_path"] != base.get("class_path"):
        return over
    return {**base, **{key: _overlay(base.get(key), value) for key, value in over.items()}}
