"""Can the CIFAR-10 + Tiny Images loader feed the 128c-p-1200L-30k student? Measured in one run.

Writes a ``tiny_images.bin`` of ``--images`` records (default 1M: 3 GB, Tiny Images' own format) and an
``80mn_cifar_idxs.txt``, then times, on this machine:
  (a) the student's training stream: ``MixedBatches`` over 50k CIFAR-sized labeled images + the Tiny
      Images file (95% of each batch, as 50k + 1M in the paper), raw uint8 pixels, batch 128;
  (b) one training step of the ``128c-p-1200L-30k`` student (GCN + ZCA inside the net, forward,
      backward, SGD) on batches of 128;
and reports images/s of each, their ratio (target: loader >= 5x the student) and the process's memory:
private (anonymous) memory, which would hold the 3 GB if the file were loaded, against file-backed
pages, which are the kernel's reclaimable page cache of the memory map.

    python benchmarks/cifar_loader.py [--images 1000000] [--batches 100] [--workers 0] [--dir /tmp/mimic-bench]
"""

import argparse
import time
from pathlib import Path

import numpy as np
import torch

from mimic.data.images import TinyImages
from mimic.data.images.mixed import MixedBatches, MixedOrder
from mimic.formats.tiny_images import RECORD_BYTES
from mimic.nets import ConvShallowNet


def write_tiny_images(folder: Path, count: int) -> Path:
    path = folder / "tiny_images.bin"
    if path.is_file() and path.stat().st_size == count * RECORD_BYTES:
        return path
    folder.mkdir(parents=True, exist_ok=True)
    chunk = 50_000
    rng = np.random.default_rng(0)
    with open(path, "wb") as f:
        for start in range(0, count, chunk):
            f.write(rng.integers(0, 256, (min(chunk, count - start), RECORD_BYTES), dtype=np.uint8).tobytes())
            print(f"\rwriting {path}: {min(start + chunk, count):,}/{count:,} images", end="", flush=True)
    print()
    # the real list has ~60k CIFAR images; every 1000th image stands in for them here
    (folder / "80mn_cifar_idxs.txt").write_text("\n".join(str(i) for i in range(1, count + 1, 1000)) + "\n")
    return path


def memory() -> dict[str, float]:
    """MiB of this process's private memory and of file pages mapped into it (Linux /proc)."""
    fields = dict(line.split(":", 1) for line in Path("/proc/self/status").read_text().splitlines())
    mib = {k: int(fields[k].split()[0]) / 1024 for k in ("RssAnon", "RssFile", "VmHWM")}
    return {"private": mib["RssAnon"], "file": mib["RssFile"], "peak": mib["VmHWM"]}


def loader_rate(path: Path, images: int, batches: int, workers: int) -> float:
    labeled = torch.randint(0, 256, (50_000, 3, 32, 32), dtype=torch.uint8)
    source = TinyImages(str(path), num_images=images - images // 1000 - 1)
    # raw uint8 batches, as the DataModule yields them: GCN + ZCA belong to the net, timed with its step
    stream = MixedBatches(labeled, torch.zeros(50_000, dtype=torch.long), source, 128, None)
    # the app's loader: the sampler hands out epoch 0's batches in order (MixedOrder, as the DataModule's)
    loader = torch.utils.data.DataLoader(stream, batch_size=None, sampler=MixedOrder(stream), num_workers=workers)
    iterator = iter(loader)
    next(iterator)  # start-up (plan, workers) not counted
    started = time.perf_counter()
    for _ in range(batches):
        next(iterator)
    return batches * 128 / (time.perf_counter() - started)


def student_rate(steps: int) -> float:
    # GCN + ZCA inside the net, as the configs have it; an identity ZCA costs what a fitted one costs
    net = ConvShallowNet([3, 32, 32], 10, channels=128, kernel_size=5, pool=3, pool_stride=2, input_norm="gcn_zca")
    optimiser = torch.optim.SGD(net.parameters(), lr=0.001, momentum=0.9)
    x, z = torch.randint(0, 256, (128, 3, 32, 32), dtype=torch.uint8), torch.randn(128, 10)

    def step() -> None:
        loss = 0.5 * (net(x) - z).pow(2).sum(1).mean()
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()

    step()  # warm-up
    started = time.perf_counter()
    for _ in range(steps):
        step()
    return steps * 128 / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--images", type=int, default=1_000_000, help="records in the generated tiny_images.bin")
    parser.add_argument("--batches", type=int, default=100, help="loader batches timed")
    parser.add_argument("--steps", type=int, default=5, help="student steps timed")
    parser.add_argument("--workers", type=int, default=0, help="DataLoader worker processes")
    parser.add_argument("--dir", type=Path, default=Path("/tmp/mimic-bench"), help="where the file is written")
    opts = parser.parse_args()
    path = write_tiny_images(opts.dir, opts.images)
    print(f"torch threads: {torch.get_num_threads()}; file: {path.stat().st_size / 2**30:.2f} GiB")
    before = memory()
    loader = loader_rate(path, opts.images, opts.batches, opts.workers)
    after_loader = memory()
    student = student_rate(opts.steps)
    print(f"loader (MixedBatches + TinyImages, raw uint8, {opts.workers} workers): {loader:,.0f} images/s")
    print(f"student 128c-p-1200L-30k training step (GCN/ZCA in the net), batch 128: {student:,.0f} images/s")
    print(f"ratio loader / student: {loader / student:.1f}x (target >= 5x)")
    print(
        f"memory before the loader: private {before['private']:,.0f} MiB, file-backed {before['file']:,.0f} MiB; "
        f"after {opts.batches} batches: private {after_loader['private']:,.0f} MiB, "
        f"file-backed {after_loader['file']:,.0f} MiB; peak RSS {memory()['peak']:,.0f} MiB (incl. the student)"
    )


if __name__ == "__main__":
    main()
