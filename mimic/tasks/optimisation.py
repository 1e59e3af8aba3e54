"""The optimiser and learning-rate schedule of a trained net, from a task's plain settings."""

from dataclasses import dataclass
from typing import Any, Literal

import torch
from torch import nn

Optimizer = Literal["sgd", "adamw", "adam"]
Schedule = Literal["onecycle", "cosine", "constant"]


@dataclass(frozen=True)
class OptimiserSettings:
    """What ``TrainedClassifier`` takes as ``optimizer``, ``lr``, ``momentum``, ``weight_decay``, ``schedule``
    and ``warmup_fraction``; checked when the task is built, before anything runs."""

    optimizer: Optimizer = "sgd"
    lr: float = 0.02
    momentum: float = 0.9
    weight_decay: float = 0.0
    schedule: Schedule = "onecycle"
    warmup_fraction: float = 0.2

    def __post_init__(self) -> None:
        if self.optimizer not in ("sgd", "adamw", "adam"):
            raise ValueError(f"model.optimizer must be 'sgd', 'adamw' or 'adam', got {self.optimizer!r}")
        if self.schedule not in ("onecycle", "cosine", "constant"):
            raise ValueError(f"model.schedule must be 'onecycle', 'cosine' or 'constant', got {self.schedule!r}")
        if not self.lr > 0:
            raise ValueError(f"model.lr must be positive, got {self.lr}")
        if not 0 <= self.momentum < 1:
            raise ValueError(f"model.momentum must lie in [0, 1), got {self.momentum}")
        if self.weight_decay < 0:
            raise ValueError(f"model.weight_decay must be 0 or more, got {self.weight_decay}")
        if not 0 < self.warmup_fraction < 1:
            raise ValueError(f"model.warmup_fraction must lie in (0, 1), got {self.warmup_fraction}")


def make_optimizer(net: nn.Module, settings: OptimiserSettings) -> torch.optim.Optimizer:
    """SGD (Nesterov momentum, the paper's choice), AdamW or Adam over ``net``'s parameters. Weight decay,
    where set, applies to matrices and kernels only (biases and norms are exempt); at weight decay 0 there
    is one parameter group (each group costs a fused kernel call per step)."""
    params = list(net.parameters())
    groups: list[dict[str, Any]] = [{"params": params, "weight_decay": 0.0}]  # (AdamW's default is 0.01)
    if settings.weight_decay:
        groups = [
            {"params": [p for p in params if p.ndim > 1], "weight_decay": settings.weight_decay},
            {"params": [p for p in params if p.ndim <= 1], "weight_decay": 0.0},
        ]
    # One fused kernel per step where torch has one for the device (CUDA, CPU), not a loop over tensors:
    # the multi-tensor path launches several kernels per parameter group and step.
    fused = fused_supported(params)
    if settings.optimizer == "sgd":
        momentum = settings.momentum
        return torch.optim.SGD(groups, lr=settings.lr, momentum=momentum, nesterov=momentum > 0, fused=fused)
    optimizer = torch.optim.AdamW if settings.optimizer == "adamw" else torch.optim.Adam
    return optimizer(groups, lr=settings.lr, fused=fused)


def make_schedule(
    optimizer: torch.optim.Optimizer, settings: OptimiserSettings, total_steps: int
) -> torch.optim.lr_scheduler.LRScheduler | None:
    """The per-step schedule over ``total_steps``; ``None`` for ``constant`` and for smoke runs too short
    to shape (OneCycleLR divides by its phases' lengths)."""
    if settings.schedule == "constant" or total_steps < 4:
        return None
    if settings.schedule == "cosine":
        return torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=total_steps)
    return torch.optim.lr_scheduler.OneCycleLR(
        optimizer,
        max_lr=settings.lr,
        total_steps=total_steps,
        # each phase needs at least two steps, or OneCycleLR divides by zero
        pct_start=min(max(settings.warmup_fraction, 2 / total_steps), 1 - 2 / total_steps),
        cycle_momentum=settings.optimizer == "sgd",
        base_momentum=min(0.85, settings.momentum),
        max_momentum=settings.momentum,
    )


def fused_supported(parameters) -> bool | None:
    """``True`` where every parameter is a floating tensor on a device with fused optimiser kernels, else
    ``None`` (torch's default)."""
    from torch.utils._foreach_utils import _get_fused_kernels_supported_devices

    supported = set(_get_fused_kernels_supported_devices())
    params = list(parameters)
    return True if params and all(p.device.type in supported and p.is_floating_point() for p in params) else None
