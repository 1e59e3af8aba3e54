"""``num_classes`` and ``in_shape`` come from the DataModule, so that no config repeats them.

The ``mimic`` command builds the configured DataModule first (its constructor reads no data), asks it
for both, and writes them into ``model.init_args.net.init_args`` before the model is built. A config
that states either anyway must agree with the data, or the run stops before its first step with one
line naming the key. (LightningCLI's own ``link_arguments`` cannot do this here: an ``EnsembleModule``
has no ``net`` to link to.)
"""

from typing import Any

from jsonargparse import ArgumentParser, Namespace

from mimic.data.base import MimicDataModule

NET_KEY = "model.init_args.net.init_args"


def data_shapes(data_config: Namespace | dict[str, Any]) -> tuple[list[int], int] | None:
    """(in_shape, num_classes) of the DataModule a ``data`` config section describes; ``None`` for a
    DataModule that is no ``MimicDataModule`` (nothing declared to link)."""
    parser = ArgumentParser(exit_on_error=False)
    parser.add_subclass_arguments(MimicDataModule, "data", required=True, fail_untyped=False)
    as_dict = data_config.as_dict() if isinstance(data_config, Namespace) else dict(data_config)
    # Nested components (a transfer source) do not change the shapes and may open files: left out here.
    init_args = {k: v for k, v in (as_dict.get("init_args") or {}).items() if not _is_component(v)}
    try:
        config = parser.parse_object({"data": {**as_dict, "init_args": init_args}})
    except Exception:  # noqa: BLE001 - not a MimicDataModule (or invalid: the CLI's own parse reports that)
        return None
    datamodule = parser.instantiate_classes(config).data
    return [int(d) for d in datamodule.in_shape], int(datamodule.num_classes)


def _is_component(value: Any) -> bool:
    return isinstance(value, dict) and "class_path" in value


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
