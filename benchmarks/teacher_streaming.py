"""What streaming teacher logits costs, measured in one run on this machine.

Trains the demo's shallow mimic (256L-2048) for three epochs on Fashion-MNIST in four ways and takes the
fastest epoch after the first of each:
  (a) precomputed logits held in memory (no teacher at training time);
  (b) ``TeacherLogits`` streaming: a teacher forward per student step;
  (c) the teacher's forward alone over the same batches (no student);
  (d) ``TeacherLogits(cache=True)``: the second epoch is served from the in-memory cache.
Then reports (b) against (a) + (c) (what streaming adds beyond the teacher's own forward), (d) against
(a), and the student's training FLOP/s against a plain fp32 matmul's.

    python benchmarks/teacher_streaming.py [--samples 20000] [--members 2] [--device cpu|cuda]

The teachers are untrained nets of configs/fashion/teacher_cnn.yaml: speed does not depend on weights.
"""

import argparse
import tempfile
import time
from pathlib import Path

import lightning.pytorch as pl
import torch
from torch import nn
from torch.utils.data import DataLoader

from mimic import batch as keys
from mimic.callbacks import TeacherLogits
from mimic.data import FashionMNISTDataModule, MimicDataModule
from mimic.data.tensor_dataset import TensorDictDataset, collate_batch
from mimic.linking import net_from_config
from mimic.nets.checkpoints import save_net
from mimic.tasks import StudentModule

CONFIGS = Path(__file__).resolve().parents[1] / "configs" / "fashion"


class EpochTimer(pl.Callback):
    def __init__(self) -> None:
        self.seconds: list[float] = []

    def on_train_epoch_start(self, trainer, pl_module) -> None:
        self.started = time.perf_counter()

    def on_train_epoch_end(self, trainer, pl_module) -> None:
        self.seconds.append(time.perf_counter() - self.started)


class WithLogits(TensorDictDataset):
    """The training split plus precomputed teacher logits, gathered per batch like the other keys."""

    def __init__(self, base: TensorDictDataset, logits: torch.Tensor) -> None:
        super().__init__(base.inputs, base.labels, base.transform)
        self.logits = logits

    def __getitems__(self, indices: list[int]) -> dict[str, torch.Tensor]:
        batch = super().__getitems__(indices)
        batch[keys.TEACHER_LOGITS] = self.logits[batch[keys.INDEX]]
        return batch


class TrainOnly(MimicDataModule):
    num_classes, in_shape = 10, (1, 28, 28)

    def __init__(self, dataset, batch_size: int) -> None:
        super().__init__()
        self.dataset, self.batch_size = dataset, batch_size

    def training_batches(self) -> DataLoader:
        return DataLoader(self.dataset, batch_size=self.batch_size, shuffle=True, collate_fn=collate_batch)

    def training_size(self) -> int:
        return len(self.dataset)

    def training_inputs(self):
        yield self.dataset.inputs  # (N, 1, 28, 28) uint8

    def random_inputs(self, split: str) -> bool:
        return False


def net_of(config: str) -> nn.Module:
    return net_from_config(CONFIGS / config)  # Fashion-MNIST's shapes, as the benchmark's data has


def student_net() -> nn.Module:
    return net_of("shallow_mimic.yaml")


def teacher_checkpoints(folder: Path, members: int) -> list[str]:
    paths = []
    for seed in range(members):
        torch.manual_seed(seed)
        path = folder / f"teacher{seed}.ckpt"
        save_net(net_of("teacher_cnn.yaml"), path)
        paths.append(str(path))
    return paths


def fit_seconds(datamodule, teacher: TeacherLogits | None, device: str, epochs: int = 3) -> float:
    """Fastest epoch after the first (which warms up, and fills the cache in (d)): the least noisy figure."""
    timer = EpochTimer()
    trainer = pl.Trainer(
        accelerator=device,
        devices=1,
        max_epochs=epochs,
        logger=False,
        enable_checkpointing=False,
        enable_progress_bar=False,
        enable_model_summary=False,
        limit_val_batches=0,
        callbacks=[timer],
    )
    torch.manual_seed(0)
    trainer.fit(StudentModule(student_net(), teacher, schedule="constant"), datamodule=datamodule)
    return min(timer.seconds[1:])


def teacher_alone_seconds(
    teacher: nn.Module, dataset: TensorDictDataset, batch_size: int, device: str, passes: int = 3
) -> float:
    """Fastest of several passes of the teacher over the loader's batches (the first pass warms up)."""
    loader = DataLoader(dataset, batch_size=batch_size, shuffle=True, collate_fn=collate_batch)
    teacher = teacher.to(device)
    seconds = []
    with torch.no_grad():
        for _ in range(passes):
            started = time.perf_counter()
            for batch in loader:
                teacher(batch[keys.X].to(device))
            if device == "cuda":
                torch.cuda.synchronize()
            seconds.append(time.perf_counter() - started)
    return min(seconds[1:])


def matmul_flops_per_second(device: str, n: int = 2048, repeats: int = 10) -> float:
    a, b = torch.randn(n, n, device=device), torch.randn(n, n, device=device)
    a @ b
    if device == "cuda":
        torch.cuda.synchronize()
    started = time.perf_counter()
    for _ in range(repeats):
        a @ b
    if device == "cuda":
        torch.cuda.synchronize()
    return 2 * n**3 * repeats / (time.perf_counter() - started)


def student_training_flops_per_sample(net: nn.Module) -> float:
    """Forward multiply-adds of the linear layers x 2 FLOPs, x 3 for forward + backward."""
    macs = sum(m.in_features * m.out_features for m in net.modules() if isinstance(m, nn.Linear))
    return 3 * 2 * macs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--samples", type=int, default=20000, help="training images per epoch")
    parser.add_argument("--members", type=int, default=2, help="teachers in the ensemble")
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--device", default="cpu", choices=["cpu", "cuda"])
    opts = parser.parse_args()
    torch.set_float32_matmul_precision("high")

    dm = FashionMNISTDataModule(train_size=opts.samples, batch_size=opts.batch_size)
    dm.setup("fit")
    train = dm.datasets["train"]
    n = len(train)
    with tempfile.TemporaryDirectory() as folder:
        checkpoints = teacher_checkpoints(Path(folder), opts.members)
        streaming = TeacherLogits(checkpoints)
        teacher: nn.Module = streaming.teacher

        seconds_c = teacher_alone_seconds(teacher, train, opts.batch_size, opts.device)
        with torch.no_grad():
            inputs = train.__getitems__(list(range(n)))[keys.X]
            logits = torch.cat([teacher(x.to(opts.device)).cpu() for x in inputs.split(1024)])  # (N, C)
        seconds_a = fit_seconds(TrainOnly(WithLogits(train, logits), opts.batch_size), None, opts.device)
        seconds_b = fit_seconds(TrainOnly(train, opts.batch_size), streaming, opts.device)
        cached = TeacherLogits(checkpoints, cache=True)
        seconds_d = fit_seconds(TrainOnly(train, opts.batch_size), cached, opts.device)

    student_flops = student_training_flops_per_sample(student_net()) * n / seconds_a
    matmul = matmul_flops_per_second(opts.device)
    rows = [
        ("(a) student on precomputed logits", seconds_a),
        ("(b) student + TeacherLogits streaming", seconds_b),
        ("(c) teacher forward alone", seconds_c),
        ("(d) student + TeacherLogits cache, after epoch 1", seconds_d),
    ]
    print(
        f"\n{n} samples per epoch, batch {opts.batch_size}, teacher: ensemble of {opts.members} CNNs, "
        f"device {opts.device}, {torch.get_num_threads()} threads"
    )
    print("| run | s/epoch | samples/s | us/sample |\n|---|---:|---:|---:|")
    for name, seconds in rows:
        print(f"| {name} | {seconds:.2f} | {n / seconds:,.0f} | {1e6 * seconds / n:.1f} |")
    overhead = seconds_b / (seconds_a + seconds_c)
    print(f"\n(b) / ((a) + (c)) = {overhead:.3f}  (1.0: streaming adds nothing beyond the teacher's forward)")
    print(f"(d) / (a)         = {seconds_d / seconds_a:.3f}  (1.0: the cache is as fast as precomputed logits)")
    print(f"student training  = {student_flops / 1e9:.1f} GFLOP/s; plain 2048^2 fp32 matmul = {matmul / 1e9:.1f}")
    print(f"                    GFLOP/s; ratio {student_flops / matmul:.3f}")


if __name__ == "__main__":
    main()
