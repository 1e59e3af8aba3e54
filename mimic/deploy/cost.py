"""What one sample costs a net: parameters and multiply-adds (the paper's argument is accuracy per cost)."""

import torch
from torch import nn
from torch.utils.flop_counter import FlopCounterMode


def multiply_adds(net: nn.Module, in_shape: tuple[int, ...], dtype: torch.dtype) -> int:
    """Multiply-adds of one sample's forward pass through the matrix products and convolutions (what
    dominates; element-wise work is not counted). torch counts a multiply-add as two FLOPs."""
    sample = torch.zeros(1, *in_shape, dtype=dtype)
    counter = FlopCounterMode(display=False)
    with torch.inference_mode(), counter:
        net(sample)
    return counter.get_total_flops() // 2


def parameters(net: nn.Module) -> int:
    return sum(p.numel() for p in net.parameters())
