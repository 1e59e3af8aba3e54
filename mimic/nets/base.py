"""What every mimic net shares: its input shape, class count and a rebuildable spec.

A teacher checkpoint must be enough to rebuild its net (``TeacherLogits`` gets no config), so each
net remembers the plain arguments it was built with; ``spec()`` is stored in checkpoints and
``build_net(spec)`` turns it back into a module without unpickling anything.
"""

import importlib
import math
from typing import Any

import torch
from torch import nn

from mimic.nets.stochastic_pool import StochasticPool2d

# Only classes from this package may be rebuilt from a checkpoint: a spec names a class to import,
# and a checkpoint from elsewhere must not be able to import arbitrary code.
_TRUSTED_PREFIX = "mimic.nets."


class Net(nn.Module):
    """Base of the nets: ``forward(x) -> logits`` of shape (B, num_classes).

    Args:
        in_shape: shape of one input sample, without the batch dimension, e.g. ``[1, 28, 28]``.
        num_classes: number of output logits.
        arch: the remaining constructor arguments of the subclass, recorded for ``spec()``.
    """

    def __init__(self, in_shape: list[int] | tuple[int, ...], num_classes: int, **arch: Any) -> None:
        super().__init__()
        self.in_shape = tuple(int(d) for d in in_shape)
        self.num_classes = int(num_classes)
        self.init_args = {"in_shape": list(self.in_shape), "num_classes": self.num_classes, **arch}

    @property
    def in_features(self) -> int:
        return math.prod(self.in_shape)

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


# Nonlinear layers whose outputs the paper counts as hidden units; linear bottlenecks are not counted.
_HIDDEN_UNIT_LAYERS = (
    nn.ReLU,
    nn.MaxPool2d,
    nn.MaxPool1d,
    nn.AvgPool2d,
    StochasticPool2d,
)  # conv outputs count via their ReLU  # noqa: E501


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
