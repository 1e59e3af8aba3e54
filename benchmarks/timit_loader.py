"""TIMIT loader against the student it feeds, on TIMIT-sized random data, in one run on this machine.

Builds a training split the size of TIMIT's (3696 utterances, about 1.1M frames of 123 features), then
measures (a) frames/s that the training DataLoader delivers (context windows of 15 frames assembled per
batch, raw: the net normalises them), (b) frames/s at which a ``250L-8k`` student trains (fp32, SGD, L2 on logits), and
(c) the memory the split holds, against the 8 GB that materialised 1845-wide windows would take.

    python benchmarks/timit_loader.py [--frames 1100000] [--batch-size 256] [--device cpu|cuda]

On a GPU, (a) is the split kept on the device with its batches made there (``DeviceBatches``).
"""

import argparse
import resource
import time

import torch
from torch.utils.data import DataLoader

from mimic import batch as keys
from mimic.data.epoch_order import EpochShuffle
from mimic.data.on_device import DeviceBatches
from mimic.data.tensor_dataset import collate_batch
from mimic.data.timit.datasets import FrameDataset
from mimic.data.timit.prepare import SplitFeatures
from mimic.nets import ShallowNet
from mimic.tasks.losses import mimic_l2_loss


def timit_sized_split(frames: int, utterances: int = 3696, dim: int = 123) -> SplitFeatures:
    lengths = torch.full((utterances,), frames // utterances)
    lengths[: frames % utterances] += 1
    offsets = torch.cat([torch.zeros(1, dtype=torch.long), lengths.cumsum(0)])
    return SplitFeatures(
        features=torch.randn(frames, dim),
        offsets=offsets,
        targets=torch.randint(0, 183, (frames,)),
        phones=torch.zeros(utterances, dtype=torch.long),
        phone_offsets=torch.arange(utterances + 1),
        names=[f"s/u{i}" for i in range(utterances)],
    )


def loader_frames_per_second(split: SplitFeatures, batch_size: int, batches: int, device: torch.device) -> float:
    """Frames/s of the app's training batches: a DataLoader on the host (a CPU run), or, on a GPU, the
    split on the device and ``DeviceBatches`` (the app's default there, ``mimic.data.on_device``)."""
    dataset = FrameDataset(split, context=7)  # raw windows: the net standardises them in its step
    sampler = EpochShuffle(len(dataset), seed=0)
    if device.type == "cuda":
        loader = DeviceBatches(dataset.to(device), sampler, batch_size, device)
    else:
        loader = DataLoader(dataset, batch_size=batch_size, sampler=sampler, collate_fn=collate_batch)
    iterator = iter(loader)
    next(iterator)  # warm up
    sync(device)
    started = time.perf_counter()
    for _ in range(batches):
        batch = next(iterator)
    sync(device)
    assert batch[keys.X].shape == (batch_size, 15, 123)
    return batches * batch_size / (time.perf_counter() - started)


def student_frames_per_second(batch_size: int, steps: int, device: torch.device) -> float:
    net = ShallowNet([15, 123], 183, hidden=8000, bottleneck=250).to(device)
    optimiser = torch.optim.SGD(net.parameters(), lr=0.001, momentum=0.9)
    x, z = torch.randn(batch_size, 15, 123, device=device), torch.randn(batch_size, 183, device=device)
    for step in range(steps + 2):  # two warm-up steps
        if step == 2:
            sync(device)
            started = time.perf_counter()
        loss = mimic_l2_loss(net(x), z)
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
    sync(device)
    return steps * batch_size / (time.perf_counter() - started)


def sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--frames", type=int, default=1_100_000)
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--batches", type=int, default=200)
    parser.add_argument("--device", default="cpu", help="cuda: the split on the GPU, batches made there")
    opts = parser.parse_args()
    device = torch.device(opts.device)
    split = timit_sized_split(opts.frames)
    held = sum(t.numel() * t.element_size() for t in (split.features, split.offsets, split.targets))
    loader = loader_frames_per_second(split, opts.batch_size, opts.batches, device)
    student = student_frames_per_second(opts.batch_size, 20 if device.type == "cpu" else 200, device)
    peak_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB -> MiB on Linux
    windows = opts.frames * 15 * 123 * 4 / 2**30
    print(f"\n{opts.frames:,} frames, batch {opts.batch_size}, device {device}, {torch.get_num_threads()} threads")
    print(f"(a) loader:            {loader:12,.0f} frames/s")
    print(f"(b) 250L-8k training:  {student:12,.0f} frames/s")
    print(f"(a) / (b) = {loader / student:.1f}  (target: at least 10)")
    print(
        f"(c) split held in memory: {held / 2**20:,.0f} MiB (materialised 1845-wide windows: {windows:.1f} GiB); "
        f"peak RSS of this process {peak_rss:,.0f} MiB"
    )


if __name__ == "__main__":
    main()
