"""What every mimic net shares: its input shape, class count, input normalisation and a rebuildable spec.

A teacher checkpoint must be enough to rebuild its net (``TeacherLogits`` gets no config), so each net
records the arguments it was built with, automatically: ``spec()`` is stored in checkpoints and
``build_net(spec)`` turns it back into a module without unpickling anything. Every net starts with its
own input normaliser (``mimic.nets.inputs``), so it takes the DataModule's raw inputs.
"""

import functools
import importlib
import inspect
import math
from typing import Any

import torch
from torch import Tensor, nn

from mimic.nets.inputs import InputNorm, make_input_normaliser
from mimic.nets.stochastic_pool import StochasticPool2d

# Only classes from this package may be rebuilt from a checkpoint: a spec names a class to import,
# and a checkpoint from elsewhere must not be able to import arbitrary code.
_TRUSTED_PREFIX = "mimic.nets."


def _plain(value: Any) -> Any:
    """Tuples become lists, so that specs survive YAML and ``weights_only`` loading unchanged."""
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    return value


class Net(nn.Module):
    """Base of the nets: ``forward(x) -> logits`` (B, num_classes) from raw inputs (B, *in_shape).

    Subclasses build their layers in ``__init__`` and implement ``classify`` on normalised inputs; the
    arguments of the most derived ``__init__`` are recorded in ``init_args`` for ``spec()``.

    Args:
        in_shape: shape of one input sample, without the batch dimension, e.g. ``[1, 28, 28]``. The
            ``mimic`` command takes it from the DataModule.
        num_classes: number of output logits; the ``mimic`` command takes it from the DataModule.
        input_norm: how raw inputs are normalised: ``"standardise"`` (mean and std per channel or
            feature), ``"gcn_zca"`` (global contrast normalisation + ZCA whitening) or ``"none"``;
            fitted on the training split before the first step.
    """

    init_args: dict[str, Any]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        init, signature = cls.__init__, inspect.signature(cls.__init__)

        @functools.wraps(init)
        def recording_init(self: Net, *args: Any, **kw: Any) -> None:
            init(self, *args, **kw)
            if type(self) is cls:  # only the most derived class records: its arguments rebuild the net
                bound = signature.bind(self, *args, **kw)
                bound.apply_defaults()
                self.init_args = {k: _plain(v) for k, v in bound.arguments.items() if k != "self"}

        cls.__init__ = recording_init

    def __init__(
        self, in_shape: list[int] | None, num_classes: int | None, input_norm: InputNorm = "standardise"
    ) -> None:
        super().__init__()
        if in_shape is None or num_classes is None:
            raise ValueError(
                f"{type(self).__name__} needs in_shape and num_classes; the `mimic` command takes them from "
                "the DataModule, in Python give them"
            )
        self.in_shape = tuple(int(d) for d in in_shape)
        self.num_classes = int(num_classes)
        self.inputs = make_input_normaliser(input_norm, self.in_shape)

    @property
    def in_features(self) -> int:
        return math.prod(self.in_shape)

    def forward(self, x: Tensor) -> Tensor:
        return self.classify(self.inputs(x))  # (B, *in_shape) raw -> normalised float32 -> (B, C)

    def classify(self, x: Tensor) -> Tensor:
        """(B, *in_shape) normalised inputs -> (B, num_classes) logits."""
        raise NotImplementedError

    def spec(self) -> dict[str, Any]:
        cls = type(self)
        return {"class_path": f"{cls.__module__}.{cls.__qualname__}", "init_args": dict(self.init_args)}

    def describe(self) -> str:
        """Short architecture string in the paper's notation, e.g. ``250L-8k``."""
        return type(self).__name__


def build_net(spec: dict[str, Any], source: str = "spec") -> Net:
    """Rebuild a net from ``Net.spec()`` output; ``source`` names the file in error messages."""
    try:
        class_path, init_args = spec["class_path"], spec["init_args"]
    except (KeyError, TypeError) as err:
        raise ValueError(f"{source}: a net spec needs 'class_path' and 'init_args', got {spec!r}") from err
    if not class_path.startswith(_TRUSTED_PREFIX):
        raise ValueError(
            f"{source}: refusing to build net {class_path!r}: only classes under {_TRUSTED_PREFIX}* are trusted"
        )
    module_name, _, class_name = class_path.rpartition(".")
    cls = getattr(importlib.import_module(module_name), class_name, None)
    if not (isinstance(cls, type) and issubclass(cls, Net)):
        raise ValueError(f"{source}: {class_path!r} is not a mimic net")
    return cls(**init_args)


def count_parameters(net: nn.Module) -> int:
    return sum(p.numel() for p in net.parameters())


# Nonlinear layers whose outputs the paper counts as hidden units (conv outputs count through their
# ReLU); linear bottlenecks are not counted.
_HIDDEN_UNIT_LAYERS = (nn.ReLU, nn.MaxPool2d, nn.MaxPool1d, nn.AvgPool2d, StochasticPool2d)


def count_hidden_units(net: Net) -> int:
    """Units produced by nonlinear layers (activations and pooling) for one sample, as in the paper's tables."""
    total = 0

    def count(_module: nn.Module, _inputs: Any, output: torch.Tensor) -> None:
        nonlocal total
        total += output[0].numel()

    hooks = [m.register_forward_hook(count) for m in net.modules() if isinstance(m, _HIDDEN_UNIT_LAYERS)]
    was_training = net.training
    try:
        net.eval()
        with torch.no_grad():
            param = next(net.parameters())
            net(torch.zeros(1, *net.in_shape, device=param.device, dtype=param.dtype))
    finally:
        for hook in hooks:
            hook.remove()
        net.train(was_training)
    return total
