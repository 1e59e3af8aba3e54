"""The app's student training step against a bare PyTorch loop of the same net, batches and optimiser.

Both loops take their batches from the same DataLoader over the same in-memory data (random inputs of
the real shapes, the teacher's logits already in each batch, as the logit cache gives them), run the
same net (a copy with the same initial weights), the same L2 loss on logits, the same optimiser and
one-cycle schedule, on the same device, in this process. The bare loop is what a user would write by
hand; the app's is ``StudentModule`` under a Lightning ``Trainer`` (no validation, no checkpoints, no
logger: what differs is the per-step bookkeeping: metrics, logging, the finite-loss check). The figure
is the ratio of samples per second (target: at least 0.95), measured after warm-up steps; with
``--rounds R`` the two loops alternate R times and each keeps its best round (on a shared machine the
slow rounds are the other tenants', not the loop's).

    python benchmarks/student_step.py [--device cpu|cuda] [--steps 100] [--rounds 1] [--nets fashion,timit]
        [--finite-check-every 50] [--compile] [--csv FILE]

``--compile`` also times the app with ``model.compile: true`` (``torch.compile``; the warm-up steps
take the compilation), against the app without it.

``--finite-check-every 1`` gives the app the host sync at every step it used to have.
"""

import argparse
import copy
import csv
import time
from dataclasses import dataclass

import lightning.pytorch as pl
import torch
from torch.utils.data import DataLoader, Dataset

from mimic import batch as keys
from mimic.data.tensor_dataset import collate_batch
from mimic.nets import ShallowNet
from mimic.tasks import StudentModule
from mimic.tasks.base import fused_supported
from mimic.tasks.losses import mimic_l2_loss

WARMUP = 10  # steps before timing starts (allocator, kernel selection, lazy initialisation)


@dataclass(frozen=True)
class Student:
    name: str
    in_shape: tuple[int, ...]
    classes: int
    hidden: int
    bottleneck: int
    batch_size: int
    optimizer: str
    lr: float


STUDENTS = {  # the configs' students: configs/fashion/shallow_mimic.yaml, configs/timit_student.yaml
    "fashion": Student("Fashion 256L-2048", (1, 28, 28), 10, 2048, 256, 128, "sgd", 0.05),
    "timit": Student("TIMIT 250L-8k", (15, 123), 183, 8000, 250, 256, "sgd", 0.005),
    "timit-4096-adamw": Student("TIMIT 250L-4096 (AdamW)", (15, 123), 183, 4096, 250, 256, "adamw", 0.001),
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


def bare_loop(net: torch.nn.Module, batches: DataLoader, student: Student, steps: int, device: torch.device) -> float:
    """Samples/s of a hand-written loop."""
    net = net.to(device).train()
    optimiser, schedule = optimiser_and_schedule(net, student, WARMUP + steps)
    started = None
    for step, batch in enumerate(_forever(batches)):
        if step == WARMUP:
            sync(device)
            started = time.perf_counter()
        if step == WARMUP + steps:
            break
        x = batch[keys.X].to(device, non_blocking=True)
        teacher = batch[keys.TEACHER_LOGITS].to(device, non_blocking=True)
        loss = mimic_l2_loss(net(x), teacher)
        optimiser.zero_grad(set_to_none=True)
        loss.backward()
        optimiser.step()
        schedule.step()
    sync(device)
    return steps * student.batch_size / (time.perf_counter() - started)


class _Timer(pl.Callback):
    def __init__(self, device: torch.device) -> None:
        self.device, self.started, self.ended = device, None, None

    def on_train_batch_start(self, trainer, pl_module, batch, batch_idx) -> None:
        if trainer.global_step == WARMUP:
            sync(self.device)
            self.started = time.perf_counter()

    def on_train_end(self, trainer, pl_module) -> None:
        sync(self.device)
        self.ended = time.perf_counter()


def app_loop(
    net: torch.nn.Module,
    batches: DataLoader,
    student: Student,
    steps: int,
    device: torch.device,
    check_every: int,
    compile: bool = False,
) -> float:
    """Samples/s of ``StudentModule`` under Lightning, on the same batches (compiled: after compiling)."""
    module = StudentModule(
        net, loss="mimic", optimizer=student.optimizer, lr=student.lr, finite_check_every=check_every, compile=compile
    )
    timer = _Timer(device)
    trainer = pl.Trainer(
        accelerator=device.type,
        devices=1,
        max_steps=WARMUP + steps,
        limit_val_batches=0,
        logger=False,
        enable_checkpointing=False,
        enable_progress_bar=False,
        enable_model_summary=False,
        num_sanity_val_steps=0,
        callbacks=[timer],
    )
    trainer.fit(module, batches)
    return steps * student.batch_size / (timer.ended - timer.started)


def _forever(batches: DataLoader):
    while True:
        yield from batches


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--steps", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--nets", default="fashion,timit", help=f"comma-separated, of {', '.join(STUDENTS)}")
    parser.add_argument("--finite-check-every", type=int, default=50)
    parser.add_argument("--compile", action="store_true", help="also time the app with model.compile: true")
    parser.add_argument("--csv", default=None)
    args = parser.parse_args()
    device = torch.device(args.device)
    rows = []
    for name in args.nets.split(","):
        student = STUDENTS[name]
        torch.manual_seed(0)
        net = ShallowNet(list(student.in_shape), student.classes, student.hidden, student.bottleneck, input_norm="none")
        batches = loader(LogitBatches(student, (WARMUP + args.steps + 1) * student.batch_size), student, device)
        bare = app = 0.0
        for _ in range(args.rounds):
            bare = max(bare, bare_loop(copy.deepcopy(net), batches, student, args.steps, device))
            app = max(app, app_loop(copy.deepcopy(net), batches, student, args.steps, device, args.finite_check_every))
        row = {
            "student": student.name,
            "device": str(device),
            "bare samples/s": round(bare),
            "app samples/s": round(app),
            "ratio": round(app / bare, 3),
            "target": 0.95,
            "pass": app / bare >= 0.95,
        }
        if args.compile:
            compiled = max(
                app_loop(copy.deepcopy(net), batches, student, args.steps, device, args.finite_check_every, True)
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
