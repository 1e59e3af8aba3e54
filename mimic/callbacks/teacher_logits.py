"""``TeacherLogits``: stream a frozen teacher's logits into every student batch; no logit files.

The teacher (or ensemble) is rebuilt from its checkpoint(s) alone and held by this callback, not by the
student, so it never enters the student's checkpoint, optimiser or DDP wrapper. Each rank keeps its own
copy on its own device. The logits are computed from ``batch["x"]`` after it reached the device, i.e.
from exactly the raw tensor the student sees, augmentation included; the teacher normalises it with the
statistics saved in its own checkpoint, the student with its own.
"""

from pathlib import Path
from typing import Any

import lightning.pytorch as pl
import torch
from torch import Tensor, nn

import mimic.callbacks.logit_cache_file as cache_file
from mimic import batch as keys
from mimic.callbacks.logit_cache import LogitCache
from mimic.data.base import MimicDataModule
from mimic.nets.checkpoints import load_checkpoint, net_from_checkpoint, resolve_checkpoints
from mimic.nets.compile import compile_in_place
from mimic.nets.ensemble import Combine, Ensemble
from mimic.nets.outside import OutsideTeacher


class TeacherLogits(pl.Callback):
    """Writes ``batch["teacher_logits"]`` (B, C) float32 for train, validation and test batches.

    Args:
        checkpoints: mimic teacher checkpoint path(s) or glob pattern(s); several make an ensemble.
        models: teachers made elsewhere (``mimic.nets.TorchvisionTeacher``, ``TorchScriptTeacher``), each
            behind its own preprocessing; with ``checkpoints`` or without, all of them one ensemble.
        combine: how an ensemble combines: ``"logits"`` (mean of logits, the paper) or ``"log_probs"``.
        cache: keep each sample's logits in memory (per rank, keyed by ``batch["index"]``) and reuse them in
            later epochs instead of running the teacher again. Only for deterministic inputs: refused when
            the ``MimicDataModule``'s ``random_inputs(split)`` says a split is random (augmentation, made-up
            transfer data).
        cache_dir: also save the cache there at the end of a run (one file per split and rank) and reload
            it when the same teachers and data come back. Nothing is written unless this is set. A file
            is reused only if its identity matches (the teachers' weights by content hash, the combine
            rule, the precision, the data settings, the sharding) and its checksum still holds; anything
            else is rebuilt, with one line saying why.
        compile: ``torch.compile`` the frozen teacher (the first batches pay the compilation).
    """

    def __init__(
        self,
        checkpoints: str | list[str] | None = None,
        models: list[OutsideTeacher] | None = None,
        combine: Combine = "logits",
        cache: bool = False,
        cache_dir: str | None = None,
        compile: bool = False,
    ) -> None:
        super().__init__()
        self.checkpoints = checkpoints
        self.combine = combine
        self.cache_enabled = cache or cache_dir is not None
        self.cache_dir = Path(cache_dir) if cache_dir else None
        self.compile = compile
        self.caches: dict[str, LogitCache] = {}
        self.teacher_forwards = 0  # samples the teacher ran on, for benchmarks and tests
        self._checked_shapes = False
        self._identities: dict[str, str] = {}  # split -> what its cache file must have been made for
        # Read here, once: a missing or foreign checkpoint stops the run before anything starts (the CLI
        # reports a constructor's error as one line), and the student checks its net against it.
        self.outside = list(models or [])
        if not checkpoints and not self.outside:
            raise ValueError("TeacherLogits needs a teacher: checkpoints (mimic's) or models (made elsewhere)")
        self.paths = resolve_checkpoints(checkpoints) if checkpoints else []
        members = [net_from_checkpoint(load_checkpoint(path), path) for path in self.paths] + self.outside
        teacher = Ensemble(members, combine) if len(members) > 1 else members[0]
        self.teacher: nn.Module = teacher.requires_grad_(False).eval()  # (B, *in_shape) -> (B, C)
        self.num_classes: int = teacher.num_classes

    # --- setup: compatibility checks before the first step ----------------------------------------

    def setup(self, trainer: pl.Trainer, pl_module: pl.LightningModule, stage: str) -> None:
        # bf16-true/16-true convert the student's weights and inputs; the teacher must follow suit.
        self.teacher = trainer.precision_plugin.convert_module(self.teacher)
        if self.compile:
            compile_in_place(self.teacher, pl_module.device, "TeacherLogits(compile=True)")
        if self.cache_enabled:
            for split in _splits_of(stage):
                self.check_cacheable(trainer, split)
                self.caches[split] = LogitCache(self.num_classes)
                if self.cache_dir is not None:
                    made_for = self._identity(trainer, split)
                    cache_file.load_into(self.caches[split], self._cache_file(trainer, split), made_for, split)

    def check_student_net(self, student: nn.Module) -> None:
        """Refuse a student net that reads other inputs or predicts other classes than the teacher
        (``StudentModule`` asks when it is built, before anything runs)."""
        teachers = ", ".join([*(str(p) for p in self.paths), *(m.describe() for m in self.outside)])
        if student.num_classes != self.num_classes:
            raise ValueError(
                f"teacher ({teachers}) has {self.num_classes} classes but the student has "
                f"{student.num_classes}: they must be trained on the same label set"
            )
        if self.teacher.in_shape is not None and tuple(student.in_shape) != tuple(self.teacher.in_shape):
            raise ValueError(
                f"teacher ({teachers}) takes inputs of shape {tuple(self.teacher.in_shape)} but the student "
                f"takes {tuple(student.in_shape)}: both must read the same data"
            )

    def check_cacheable(self, trainer: pl.Trainer, split: str) -> None:
        datamodule = trainer.datamodule
        if not isinstance(datamodule, MimicDataModule):
            raise ValueError(
                "TeacherLogits(cache=True) needs a mimic.data.base.MimicDataModule, which says whether its inputs "
                f"are random; {type(datamodule).__name__} is not one"
            )
        if datamodule.random_inputs(split):
            raise ValueError(
                f"TeacherLogits(cache=True) refused: {type(datamodule).__name__} says its '{split}' inputs are "
                "random (augmentation or random transfer data), so cached logits would not match what the "
                "student sees. Turn the cache off or the randomness off."
            )

    # --- the hooks that label batches -------------------------------------------------------------

    def on_train_start(self, trainer, pl_module) -> None:
        self._seal_training_cache(trainer)  # complete already when read from cache_dir

    def on_train_epoch_end(self, trainer, pl_module) -> None:
        self._seal_training_cache(trainer)

    def _seal_training_cache(self, trainer: pl.Trainer) -> None:
        """Once the training cache holds every sample, batches are served without checking (no read back
        from the device at each step)."""
        cache = self.caches.get("train")
        size = trainer.datamodule.training_size() if cache is not None else None
        if size is not None:
            cache.seal_if_complete(size)

    def on_train_batch_start(self, trainer, pl_module, batch: dict, batch_idx: int) -> None:
        self.label(trainer, pl_module, batch, "train")

    def on_validation_batch_start(self, trainer, pl_module, batch: dict, batch_idx: int, dataloader_idx=0):
        self.label(trainer, pl_module, batch, "val")

    def on_test_batch_start(self, trainer, pl_module, batch: dict, batch_idx: int, dataloader_idx=0) -> None:
        self.label(trainer, pl_module, batch, "test")

    def label(self, trainer: pl.Trainer, pl_module: pl.LightningModule, batch: dict, split: str) -> None:
        cache = self.caches.get(split)
        if cache is not None:
            cached = cache.get(batch[keys.INDEX])
            if cached is not None:
                batch[keys.TEACHER_LOGITS] = cached
                return
        logits = self.teacher_forward(trainer, pl_module, batch[keys.X])
        if cache is not None:
            cache.put(batch[keys.INDEX], logits)
        batch[keys.TEACHER_LOGITS] = logits

    def teacher_forward(self, trainer: pl.Trainer, pl_module: pl.LightningModule, x: Tensor) -> Tensor:
        if next(self.teacher.parameters()).device != pl_module.device:
            self.teacher.to(pl_module.device)
        with torch.no_grad(), trainer.precision_plugin.forward_context():
            logits = self.teacher(x).float()  # (B, C); fp32 so the loss is computed in full precision
        if not self._checked_shapes:
            if logits.shape != (x.shape[0], self.num_classes):
                raise ValueError(f"teacher returned logits of shape {tuple(logits.shape)} for input {tuple(x.shape)}")
            self._checked_shapes = True
        self.teacher_forwards += x.shape[0]
        return logits

    # --- keeping the teacher out of the student's checkpoint, and the optional cache files ---------

    def state_dict(self) -> dict[str, Any]:
        models = [m.identity() for m in self.outside]
        return {"checkpoints": [str(p) for p in self.paths], "models": models, "combine": self.combine}

    def teardown(self, trainer: pl.Trainer, pl_module: pl.LightningModule, stage: str) -> None:
        if self.cache_dir is None:
            return
        for split, cache in self.caches.items():
            if len(cache):
                cache_file.save(cache, self._cache_file(trainer, split), self._identity(trainer, split))

    def _cache_file(self, trainer: pl.Trainer, split: str) -> Path:
        return self.cache_dir / f"teacher-logits-{split}-rank{trainer.global_rank}.pt"

    def _identity(self, trainer: pl.Trainer, split: str) -> str:
        if split not in self._identities:  # hashing the teachers' files once a run
            parts = [self.combine, split, str(trainer.precision), str(trainer.world_size), str(trainer.global_rank)]
            parts += [m.identity() for m in self.outside]
            files = [*self.paths, *(f for m in self.outside for f in m.files)]
            # a MimicDataModule: check_cacheable made sure
            self._identities[split] = cache_file.identity(parts, files, trainer.datamodule.cache_key())
        return self._identities[split]


def _splits_of(stage: str) -> tuple[str, ...]:
    return {"fit": ("train", "val"), "validate": ("val",), "test": ("test",)}.get(stage, ())
