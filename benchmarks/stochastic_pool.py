"""StochasticPool2d (strided views) against the F.unfold formulation it replaced, in one run.

F.unfold treats the B*C feature maps as B*C single-channel images and im2col loops over them one by one
(on a GPU, a kernel launch each). Times the CIFAR teacher's first pooling (128 maps of 32x32), inference
and training mode, and checks that both give the same outputs and draws.

    python benchmarks/stochastic_pool.py [--batch 32] [--rounds 3] [--device cpu|cuda]
"""

import argparse
import time

import torch
import torch.nn.functional as F

from mimic.nets.stochastic_pool import StochasticPool2d


def unfold_pool(x: torch.Tensor, training: bool, k: int = 3, s: int = 2, pad: int = 1) -> torch.Tensor:
    """The earlier formulation, kept here as the reference."""
    b, c, h, w = x.shape
    out_h, out_w = (h + 2 * pad - k) // s + 1, (w + 2 * pad - k) // s + 1
    regions = F.unfold(x.reshape(b * c, 1, h, w), k, padding=pad, stride=s)  # (B*C, k*k, L)
    totals = regions.sum(1, keepdim=True)
    if training:
        threshold = torch.rand_like(totals) * totals
        chosen = (regions.cumsum(1) <= threshold).sum(1, keepdim=True).clamp_max(k * k - 1)
        pooled = regions.gather(1, chosen) * (totals > 0)
    else:
        pooled = (regions * regions).sum(1, keepdim=True) / totals.clamp_min(torch.finfo(x.dtype).tiny)
    return pooled.reshape(b, c, out_h, out_w)


def seconds(call, device: str) -> float:
    call()  # warm-up
    if device == "cuda":
        torch.cuda.synchronize()
    start = time.perf_counter()
    call()
    if device == "cuda":
        torch.cuda.synchronize()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--rounds", type=int, default=3, help="alternations; each keeps its best")
    parser.add_argument("--device", default="cpu")
    args = parser.parse_args()
    x = torch.relu(torch.randn(args.batch, 128, 32, 32, device=args.device))
    pool = StochasticPool2d(3, stride=2, padding=1)
    for training in (False, True):
        pool.train(training)
        torch.manual_seed(0)
        ours = pool(x)
        torch.manual_seed(0)
        theirs = unfold_pool(x, training)
        difference = float((ours - theirs).abs().max())
        best_ours = best_theirs = float("inf")
        for _ in range(args.rounds):
            best_ours = min(best_ours, seconds(lambda: pool(x), args.device))
            best_theirs = min(best_theirs, seconds(lambda t=training: unfold_pool(x, t), args.device))
        mode = "training" if training else "inference"
        print(
            f"{mode:<9} batch {args.batch} on {args.device}: strided views {1e3 * best_ours:8.2f} ms, "
            f"F.unfold {1e3 * best_theirs:9.2f} ms, {best_theirs / best_ours:6.1f}x; "
            f"largest difference {difference:.1e}"
        )


if __name__ == "__main__":
    main()
