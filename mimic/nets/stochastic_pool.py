"""Stochastic pooling (Zeiler & Fergus, ICLR 2013), the pooling of the paper's CIFAR-10 teacher CNN.

Within each pooling region of non-negative activations ``a_i`` (after a ReLU), ``p_i = a_i / sum_j a_j``.
Training: the region's output is one activation, drawn with probability ``p_i`` (a region of zeros gives
0). Inference: the probability-weighted average ``sum_i p_i a_i``. The draw regularises like dropout; the
average is its expectation over the choice, used as an ensemble of the sampled networks.
"""

import torch
import torch.nn.functional as F
from torch import Tensor, nn


class StochasticPool2d(nn.Module):
    """(B, C, H, W) non-negative -> (B, C, H', W'), ``H' = (H + 2 * padding - kernel_size) // stride + 1``.

    Zero padding is neutral: a zero is never drawn from a region holding anything else and adds nothing
    to the average, so ``kernel_size=3, stride=2, padding=1`` halves even sizes as 2x2 max pooling does.
    """

    def __init__(self, kernel_size: int = 3, stride: int = 2, padding: int = 0) -> None:
        super().__init__()
        self.kernel_size, self.stride, self.padding = int(kernel_size), int(stride), int(padding)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"

    def forward(self, x: Tensor) -> Tensor:
        b, c, h, w = x.shape
        k, s, pad = self.kernel_size, self.stride, self.padding
        out_h, out_w = (h + 2 * pad - k) // s + 1, (w + 2 * pad - k) // s + 1
        # Regions as strided views of the padded input, then one copy. F.unfold on (B*C, 1, H, W) loops
        # over the B*C maps one by one (a kernel launch each on a GPU): with it the CIFAR teacher took
        # 0.7 s a batch of 256 on an H100 (benchmarks/stochastic_pool.py compares the two).
        padded = F.pad(x, (pad, pad, pad, pad))  # (B, C, H+2p, W+2p)
        regions = padded.unfold(2, k, s).unfold(3, k, s).reshape(b, c, out_h, out_w, k * k)
        totals = regions.sum(-1, keepdim=True)  # (B, C, H', W', 1)
        safe = totals.clamp_min(torch.finfo(x.dtype).tiny)
        if self.training:
            # draw i with probability a_i / sum: the first i whose running sum passes u * sum, u ~ U[0, 1)
            threshold = torch.rand_like(totals) * totals
            chosen = (regions.cumsum(-1) <= threshold).sum(-1, keepdim=True).clamp_max(k * k - 1)
            pooled = regions.gather(-1, chosen) * (totals > 0)  # a region of zeros: 0, and no gradient
        else:
            pooled = (regions * regions).sum(-1, keepdim=True) / safe  # sum_i p_i a_i
        return pooled.squeeze(-1)  # (B, C, H', W')
