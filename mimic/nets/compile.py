"""``torch.compile`` where it can work, and one line saying why not where it cannot."""

import os
import shutil

import torch
from lightning.pytorch.utilities import rank_zero_warn
from torch import nn


def why_not_compiled(device: torch.device) -> str | None:
    """``None`` if ``torch.compile`` can compile for ``device`` here, else the reason it cannot."""
    if not torch._dynamo.is_dynamo_supported():
        return "torch.compile does not support this Python"
    if device.type == "cpu":  # inductor writes C++ for CPUs and needs a compiler to build it
        compiler = os.environ.get("CXX", "g++")
        if shutil.which(compiler) is None:
            return f"no C++ compiler ({compiler}) to build CPU kernels"
    return None


def compile_in_place(module: nn.Module, device: torch.device, what: str) -> bool:
    """Compile ``module`` in place (its weights keep their names); returns whether it was compiled."""
    reason = why_not_compiled(device)
    if reason is not None:
        rank_zero_warn(f"{what}: not compiled, running as is: {reason}")
        return False
    module.compile()
    return True
