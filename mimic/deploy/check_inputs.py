"""Inputs to check an exported model on and to time it with: real test inputs where the data is at hand,
otherwise inputs drawn to look like them (raw pixels; features with the net's own input statistics)."""

import inspect
from importlib import import_module

import torch
from torch import Tensor

from mimic import batch as keys
from mimic.deploy.source import ModelSource
from mimic.nets.ensemble import Ensemble

_TRUSTED_DATA = "mimic.data."


def test_inputs(source: ModelSource, count: int) -> tuple[Tensor, str]:
    """(count, *in_shape) raw inputs of the net's dtype, and a phrase saying what they are."""
    real, why_not = _from_test_split(source, count)
    if real is not None:
        return real, f"{len(real)} test inputs of {source.data.get('_class_path', '').rpartition('.')[2]}"
    return drawn_inputs(source, count), f"{count} drawn inputs ({why_not})"


def drawn_inputs(source: ModelSource, count: int, seed: int = 0) -> Tensor:
    generator = torch.Generator().manual_seed(seed)
    shape = (count, *source.in_shape)
    if source.takes_images:
        return torch.randint(0, 256, shape, generator=generator, dtype=torch.uint8)
    values = torch.randn(shape, generator=generator)
    net = source.net.members[0] if isinstance(source.net, Ensemble) else source.net  # members share a shape
    normaliser = net.inputs
    mean, std = getattr(normaliser, "mean", None), getattr(normaliser, "std", None)
    if mean is not None and std is not None and mean.shape[-1] == shape[-1]:
        values = mean + std * values  # (count, ..., F): the training features' scale
    return values.float()


def _from_test_split(source: ModelSource, count: int) -> tuple[Tensor | None, str]:
    data = dict(source.data)
    class_path = str(data.pop("_class_path", None) or data.pop("class_path", None) or "")
    if not class_path.startswith(_TRUSTED_DATA):
        return None, "the checkpoint names no mimic DataModule"
    module, _, name = class_path.rpartition(".")
    try:
        cls = getattr(import_module(module), name)
        # what this version's DataModule takes (older checkpoints may name more); no transfer data: test only
        accepted = set(inspect.signature(cls.__init__).parameters) - {"self", "transfer", "transfer_root"}
        datamodule = cls(**{k: v for k, v in data.items() if k in accepted and not isinstance(v, dict)})
        datamodule.setup("test")
        batch = next(iter(datamodule.test_dataloader()))
    except (ImportError, AttributeError, OSError, ValueError, TypeError, StopIteration) as err:
        first = str(err).splitlines()[0] if str(err) else type(err).__name__
        return None, f"its test split could not be read: {first}"
    inputs = batch[keys.X][:count]
    if tuple(inputs.shape[1:]) != source.in_shape:
        return None, f"its test inputs are {tuple(inputs.shape[1:])}, the net takes {source.in_shape}"
    return inputs.to(source.input_dtype), ""
