"""The app's student training step against a bare PyTorch loop of the same net, batches and optimiser.

Both loops take their batches from the same DataLoader over the same in-memory data (random inputs of
the real shapes, the teacher's logits already in each batch, as the logit cache gives them), run the
same net (a copy with the same initial weights), the same L2 loss on logits, the same optimiser and
one-cycle schedule, on the same device, in this process. The bare loop is what a user would write by
hand; the app's is ``StudentModule`` under a Lightning ``Trainer`` (no validation, no checkpoints, no
logger: what differs is the per-step bookkeeping: metrics, logging, the finite-loss check). A third
loop, a minimal LightningModule (the loss and the optimiser, nothing else), shows how much of the gap
is Lightning's own loop. The fourth is the app with ``model.steps_per_chunk: K`` (``--chunk K``, default 8:
K optimiser steps per Lightning step over K batches handed over as one, ``mimic.data.chunks``), the path
for small students. The figure is the ratio of samples per second (target: the chunked app at least 0.95
of the bare loop on a CPU, 0.9 on a GPU), measured after warm-up steps; with ``--rounds R`` the loops
alternate R times and each keeps its best round (on a shared machine the slow rounds are the other
tenants', not the loop's).
Each row also gives the app's training FLOP/s (6 x the forward's multiply-adds per sample) against a
plain matmul's in the precision of the run, measured in the same run.

    python benchmarks/student_step.py [--device cpu|cuda] [--precision 32-true|bf16-mixed] [--steps 100]
        [--warmup 10] [--rounds 1] [--nets fashion,timit] [--chunk 8] [--finite-check-every 50] [--compile]
        [--csv FILE]

``--compile`` also times the app with ``model.compile: true`` (``torch.compile``; the warm-up steps
take the compilation), against the app without it.

``--finite-check-every 1`` gives the app the host sync at every step it used to have.
"""

import argparse
import copy
import csv
import time
from collections.abc import Callable
from dataclasses import dataclass

import lightning.pytorch as pl
import torch
from torch import nn
from torch.utils.data import DataLoader, Dataset

from mimic import batch as keys
from mimic.data.chunks import ChunkedBatches
from mimic.data.tensor_dataset import collate_batch
from mimic.deploy.cost import multiply_adds
from mimic.nets import ConvShallowNet, ShallowNet
from mimic.tasks import StudentModule
from mimic.tasks.losses import mimic_l2_loss
from mimic.tasks.optimisation import fused_supported


@dataclass(frozen=True)
class Student:
    name: str
    in_shape: tuple[int, ...]
    classes: int
    make: Callable[[], nn.Module]
    batch_size: int
    optimizer: str
    lr: float


def _shallow(in_shape: tuple[int, ...], classes: int, hidden: int, bottleneck: int) -> Callable[[], nn.Module]:
    return lambda: ShallowNet(list(in_shape), classes, hidden, bottleneck, input_norm="none")


def _conv_shallow() -> nn.Module:  # configs/cifar/snn_cnn_mimic_30k_128.yaml
    return ConvShallowNet(
        [3, 32, 32], 10, channels=128, kernel_size=5, pool=3, pool_stride=2, bottleneck=1200, hidden=30000,
        input_norm="none",
    )  # fmt: skip


# the configs' students: configs/fashion/shallow_mimic.yaml, configs/timit_student.yaml (+ timit/snn_mimic_400k.yaml),
# configs/speech/shallow_mimic.yaml (4096, AdamW), configs/cifar/snn_cnn_mimic_30k_128.yaml
STUDENTS = {
    "fashion": Student("Fashion 256L-2048", (1, 28, 28), 10, _shallow((1, 28, 28), 10, 2048, 256), 128, "sgd", 0.05),
    "timit": Student("TIMIT 250L-8k", (15, 123), 183, _shallow((15, 123), 183, 8000, 250), 256, "sgd", 0.005),
    "timit-4096-adamw": Student(
        "TIMIT 250L-4096 (AdamW)", (15, 123), 183, _shallow((15, 123), 183, 4096, 250), 256, "adamw", 0.001
    ),
    "timit-400k": Student("TIMIT 250L-400k", (15, 123), 183, _shallow((15, 123), 183, 400_000, 250), 256, "sgd", 0.005),
    "cifar-30k": Student("CIFAR 128c-p-1200L-30k", (3, 32, 32), 10, _conv_shallow, 128, "sgd", 0.005),
}


class LogitBatches(Dataset):
    """Random inputs with labels and teacher logits; ``__getitems__`` gathers a whole batch, as the app's."""

    def __init__(self, student: Student, size: int) -> None:
        generator = torch.Generator().manual_seed(0)
        self.x = torch.randn(size, *student.in_shape, generator=generator) * 0.1  # small: no run diverges
        self.y = torch.randint(0, student.classes, (size,), generator=generator)
        self.logits = torch.randn(size, student.classes, generator=generator)

    def __len__(self) -> int:
        return len(self.y)

    def __getitems__(self, indices: list[int]) -> dict[str, torch.Tensor]:
        i = torch.as_tensor(indices)
        return {keys.X: self.x[i], keys.Y: self.y[i], keys.INDEX: i, keys.TEACHER_LOGITS: self.logits[i]}


def loader(dataset: Dataset, student: Student, device: torch.device) -> DataLoader:
    return DataLoader(
        dataset, batch_size=student.batch_size, shuffle=True, collate_fn=collate_batch, pin_memory=device.type == "cuda"
    )


def optimiser_and_schedule(net: torch.nn.Module, student: Student, total_steps: int):
    fused = fused_supported(net.parameters())
    if student.optimizer == "sgd":
        optimiser = torch.optim.SGD(net.parameters(), lr=student.lr, momentum=0.9, nesterov=True, fused=fused)
    else:
        optimiser = torch.optim.AdamW(net.parameters(), lr=student.lr, fused=fused)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimiser, max_lr=student.lr, total_steps=total_steps)
    return optimiser, schedule


def sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


@dataclass(frozen=True)
class Timing:
    """What every loop shares: the device, precision, and how many steps to warm up and to time."""

    device: torch.device
    precision: str
    warmup: int
    steps: int

    @property
    def bf16(self) -> bool:
        return self.precision == "bf16-mixed"


def bare_loop(net: nn.Module, batches: DataLoader, student: Student, timing: Timing) -> float:
    """Samples/s of a hand-written loop."""
    device = timing.device
    net = net.to(device).train()
    optimiser, schedule = optimiser_and_schedule(net, student, timing.warmup + timing.steps)
    started = None
    for step, batch in enumerate(_forever(batches)):
        if step == timing.warmup:
            sync(device)
            started = time.perf_counter()
        if step == timing.warmup + timing.steps:
            break
        x = batch[keys.X].to(device, non_blocking=True)
        teacher = batch[keys.TEACHER_LOGITS].to(device, non_blocking=True)
        with torch.autocast(device.type, dtype=torch.bfloat16, enabled=timing.bf16):
            logits = net(x)
        loss = mimic_l2_loss(logits.float(), teacher)
        optimiser.zero_grad(set_to_none=True)
        loss.backward()
        optimiser.step()
        schedule.step()
    sync(device)
    return timing.steps * student.batch_size / (time.perf_counter() - started)


class _Timer(pl.Callback):
    """Times the steps after the first batch that ends at or past the warm-up, to the end: each timed step
    includes its batch's loading (a chunk takes several steps, and loads all their batches first)."""

    def __init__(self, timing: Timing) -> None:
        self.timing, self.started, self.ended = timing, None, None
        self.first_step = self.last_step = 0

    def on_train_batch_end(self, trainer, pl_module, outputs, batch, batch_idx) -> None:
        if self.started is None and trainer.global_step >= self.timing.warmup:
            sync(self.timing.device)
            self.started, self.first_step = time.perf_counter(), trainer.global_step

    def on_train_end(self, trainer, pl_module) -> None:
        sync(self.timing.device)
        self.ended, self.last_step = time.perf_counter(), trainer.global_step

    def samples_per_second(self, batch_size: int) -> float:
        return (self.last_step - self.first_step) * batch_size / (self.ended - self.started)


class _LossOnly(pl.LightningModule):
    """The least a LightningModule can be: the loss and the optimiser, no metrics, no logging."""

    def __init__(self, net: nn.Module, student: Student, total_steps: int) -> None:
        super().__init__()
        self.net, self.student, self.total_steps = net, student, total_steps

    def training_step(self, batch, batch_idx):
        return mimic_l2_loss(self.net(batch[keys.X]).float(), batch[keys.TEACHER_LOGITS])

    def configure_optimizers(self):
        optimiser, schedule = optimiser_and_schedule(self.net, self.student, self.total_steps)
        return {"optimizer": optimiser, "lr_scheduler": {"scheduler": schedule, "interval": "step"}}


def lightning_fit(module: pl.LightningModule, batches, student: Student, timing: Timing) -> float:
    """Samples/s of ``module`` under a Trainer that does nothing but train (compiled: after compiling)."""
    timer = _Timer(timing)
    trainer = pl.Trainer(
        accelerator=timing.device.type,
        devices=1,
        precision=timing.precision,
        max_steps=timing.warmup + timing.steps,
        limit_val_batches=0,
        logger=False,
        enable_checkpointing=False,
        enable_progress_bar=False,
        enable_model_summary=False,
        num_sanity_val_steps=0,
        callbacks=[timer],
    )
    trainer.fit(module, batches)
    return timer.samples_per_second(student.batch_size)


def app_loop(
    net: nn.Module,
    batches: DataLoader,
    student: Student,
    timing: Timing,
    check_every: int,
    compile: bool = False,
    chunk: int = 1,
) -> float:
    """Samples/s of ``StudentModule`` on the same batches (``chunk`` of them per Lightning step)."""
    module = StudentModule(
        net,
        loss="mimic",
        optimizer=student.optimizer,
        lr=student.lr,
        finite_check_every=check_every,
        compile=compile,
        steps_per_chunk=chunk,
    )
    return lightning_fit(module, batches if chunk == 1 else ChunkedBatches(batches, chunk), student, timing)


def lightning_alone(net: nn.Module, batches: DataLoader, student: Student, timing: Timing) -> float:
    # one step more in the schedule: Lightning steps it once more than the bare loop does
    return lightning_fit(_LossOnly(net, student, timing.warmup + timing.steps + 1), batches, student, timing)


def matmul_flops_per_second(device: torch.device, bf16: bool, n: int = 4096, repeats: int = 20) -> float:
    """A plain n x n matmul's FLOP/s in the run's precision: the rate a dense layer can hope for."""
    dtype = torch.bfloat16 if bf16 else torch.float32
    if device.type == "cpu":
        n, repeats = 2048, 5
    a, b = torch.randn(n, n, device=device, dtype=dtype), torch.randn(n, n, device=device, dtype=dtype)
    a @ b
    sync(device)
    started = time.perf_counter()
    for _ in range(repeats):
        a @ b
    sync(device)
    return 2 * n**3 * repeats / (time.perf_counter() - started)


def _forever(batches: DataLoader):
    while True:
        yield from batches


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--precision", default="32-true", choices=["32-true", "bf16-mixed"])
    parser.add_argument("--steps", type=int, default=100)
    parser.add_argument("--warmup", type=int, default=10, help="steps before timing (allocator, kernels, compiling)")
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--nets", default="fashion,timit", help=f"comma-separated, of {', '.join(STUDENTS)}")
    parser.add_argument("--chunk", type=int, default=8, help="the chunked app's optimiser steps per Lightning step")
    parser.add_argument("--finite-check-every", type=int, default=50)
    parser.add_argument("--compile", action="store_true", help="also time the app with model.compile: true")
    parser.add_argument("--csv", default=None)
    args = parser.parse_args()
    timing = Timing(torch.device(args.device), args.precision, args.warmup, args.steps)
    target = 0.9 if timing.device.type == "cuda" else 0.95
    matmul = matmul_flops_per_second(timing.device, timing.bf16)
    rows = []
    for name in args.nets.split(","):
        student = STUDENTS[name]
        torch.manual_seed(0)
        net = student.make()
        flops_per_sample = 6 * multiply_adds(net, student.in_shape, torch.float32)  # forward 2, backward 4
        samples = (args.warmup + args.steps + args.chunk) * student.batch_size
        batches = loader(LogitBatches(student, samples), student, timing.device)
        bare = app = alone = chunked = 0.0
        for _ in range(args.rounds):
            bare = max(bare, bare_loop(copy.deepcopy(net), batches, student, timing))
            alone = max(alone, lightning_alone(copy.deepcopy(net), batches, student, timing))
            app = max(app, app_loop(copy.deepcopy(net), batches, student, timing, args.finite_check_every))
            chunked = max(
                chunked,
                app_loop(copy.deepcopy(net), batches, student, timing, args.finite_check_every, chunk=args.chunk),
            )
        row = {
            "student": student.name,
            "device": str(timing.device),
            "precision": timing.precision,
            "bare samples/s": round(bare),
            "Lightning alone samples/s": round(alone),
            "app samples/s": round(app),
            f"app chunked (K={args.chunk}) samples/s": round(chunked),
            "Lightning alone / bare": round(alone / bare, 3),
            "app / bare": round(app / bare, 3),
            "app / Lightning alone": round(app / alone, 3),
            "ratio": round(chunked / bare, 3),  # the chunked app against the bare loop
            "chunked / Lightning alone": round(chunked / alone, 3),
            "target": target,
            "pass": chunked / bare >= target,
            "app TFLOP/s": round(chunked * flops_per_sample / 1e12, 3),
            "matmul TFLOP/s": round(matmul / 1e12, 3),
            "app / matmul": round(chunked * flops_per_sample / matmul, 3),
        }
        if args.compile:
            compiled = max(
                app_loop(copy.deepcopy(net), batches, student, timing, args.finite_check_every, True)
                for _ in range(args.rounds)
            )
            row |= {"app compiled samples/s": round(compiled), "compiled / app": round(compiled / app, 3)}
        rows.append(row)
        print(" | ".join(f"{k}: {v}" for k, v in rows[-1].items()), flush=True)
    if args.csv:
        with open(args.csv, "w", newline="") as f:
            writer = csv.DictWriter(f, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)


if __name__ == "__main__":
    main()
