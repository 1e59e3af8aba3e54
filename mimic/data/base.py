"""What the rest of mimic may ask of a DataModule: one base class, no probed attributes.

A ``MimicDataModule`` yields dict batches of *raw* inputs (``mimic.batch``: uint8 images, unnormalised
features); the nets normalise them. Beyond Lightning's hooks it declares:

- ``num_classes`` and ``in_shape``, and ``shapes(settings)``, the same from its settings alone (no
  instance, no data read): the ``mimic`` command passes them to the net, so configs never repeat them;
- ``input_files(settings)``: the files its samples and labels come from, from its settings alone (what a
  stage's record hashes as its data: a changed corpus retrains the stages that read it);
- ``check_settings()``: called by the constructor, so that a bad setting or a missing corpus stops a run
  before the trainer starts;
- ``training_inputs()``: the raw labeled training inputs, for fitting a net's input statistics;
- ``random_inputs(split)``: whether a sample's input may change from one epoch to the next
  (augmentation, made-up transfer images), which rules out caching a teacher's logits;
- ``cache_key()``: what identifies the samples behind ``batch["index"]``, for on-disk logit caches;
- ``epoch_progress``: the training batches of the current epoch taken so far, counted here and kept in
  checkpoints (``state_dict``), from which a resumed run's sampler continues the epoch;
- ``training_batches()``: the training loader, which ``train_dataloader`` hands Lightning as it is, or
  ``steps_per_chunk`` batches at a time (``mimic.data.chunks``) when the task asks for chunks;
- ``on_device`` and ``device_memory_share`` hyperparameters: whether splits are kept on the training
  device (``mimic.data.on_device``), through ``device_placement()``.

DataModules whose evaluation batches are whole utterances scored by phone error rate (TIMIT) also
implement ``PhoneScoringData``, which ``mimic.callbacks.PhoneErrorRateScorer`` requires.
"""

from abc import ABC, abstractmethod
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import lightning.pytorch as pl
from torch import Tensor

from mimic.data.chunks import ChunkedBatches, steps_in
from mimic.data.epoch_order import EpochProgress
from mimic.data.on_device import DevicePlacement

# Hyperparameters that say where batches are assembled, not which samples they hold: a logit cache stays
# valid when they change.
_WHERE_BATCHES_ARE_MADE = ("on_device", "device_memory_share")


class MimicDataModule(pl.LightningDataModule, ABC):
    """Base of mimic's DataModules; see the module docstring for the contract."""

    num_classes: int
    class_names: tuple[str, ...]  # what each logit means, in order (recorded with exported models)
    in_shape: tuple[int, ...]
    # Set by a task that takes several optimiser steps per Lightning step (TrainedClassifier.setup), before
    # Lightning asks for the training loader.
    steps_per_chunk: int = 1

    @classmethod
    def shapes(cls, settings: dict[str, Any]) -> tuple[tuple[int, ...], int]:
        """(in_shape, num_classes) of a DataModule built with ``settings`` (its constructor's arguments,
        defaults filled in). This default serves DataModules whose shapes are class attributes."""
        return tuple(cls.in_shape), cls.num_classes

    @classmethod
    def input_files(cls, settings: dict[str, Any]) -> list[Path] | None:
        """The files a DataModule built with ``settings`` reads its samples and labels from, in a stable
        order; files not there yet (``download``) are named where they will be. ``None``: not declared (a
        stage's record then knows its data by its settings only)."""
        return None

    def training_batches(self) -> Any:
        """The training loader: dict batches of ``batch_size`` samples, in the order a resumed run continues.
        (A subclass that defines ``train_dataloader`` itself instead trains one step per batch.)"""
        raise NotImplementedError(f"{type(self).__name__} defines neither training_batches() nor train_dataloader()")

    def train_dataloader(self) -> Any:
        batches = self.training_batches()
        return batches if self.steps_per_chunk == 1 else ChunkedBatches(batches, self.steps_per_chunk)

    @abstractmethod
    def training_inputs(self) -> Iterator[Tensor]:
        """The labeled training split's raw inputs, in chunks (n, ...), unaugmented, without transfer data."""

    @abstractmethod
    def random_inputs(self, split: str) -> bool:
        """Whether the input of a sample of ``split`` ("train", "val", "test") may differ between epochs."""

    def training_size(self) -> int | None:
        """How many samples the training batches' ``index`` ranges over (``0 .. n - 1``), labeled and
        transfer; ``None`` where unknown. A complete logit cache then stops checking each batch."""
        return None

    @property
    def unlabeled_training(self) -> bool:
        """Whether training batches mix in unlabeled transfer samples (``y`` = -1): only a student with
        ``TeacherLogits`` can learn from those."""
        return False

    @property
    def epoch_progress(self) -> EpochProgress:
        if getattr(self, "_epoch_progress", None) is None:
            self._epoch_progress = EpochProgress()
        return self._epoch_progress

    def on_after_batch_transfer(self, batch: Any, dataloader_idx: int) -> Any:
        trainer = self.trainer
        if trainer is not None and trainer.training:
            # a chunk counts as the batches it holds: the samplers continue from batches of batch_size
            self.epoch_progress.count(trainer.current_epoch, steps_in(batch))
        return batch

    def state_dict(self) -> dict[str, Any]:
        return {"epoch_progress": self.epoch_progress.state()}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        # (checkpoints from before it was kept: TrainedClassifier.on_load_checkpoint read Lightning's loops)
        if "epoch_progress" in state_dict:
            self.epoch_progress.load(state_dict["epoch_progress"])

    def check_settings(self) -> None:
        """Refuse settings no run could use, when the DataModule is built: before the trainer starts. Every
        mimic DataModule has ``batch_size``, ``num_workers``, ``on_device`` and ``device_memory_share``."""
        hp = self.hparams
        if hp.batch_size < 1:
            raise ValueError(f"data.batch_size must be at least 1, got {hp.batch_size}")
        if hp.num_workers < 0:
            raise ValueError(f"data.num_workers must be 0 or more, got {hp.num_workers}")
        self.device_placement()  # checks device_memory_share

    def device_placement(self) -> DevicePlacement:
        """Which splits go to the training device (``data.on_device``, ``data.device_memory_share``)."""
        if getattr(self, "_placement", None) is None:
            self._placement = DevicePlacement(self.hparams.on_device, self.hparams.device_memory_share)
        return self._placement

    def cache_key(self) -> str:
        """Changes whenever the samples behind ``batch["index"]`` change; by default, the hyperparameters
        (but those of ``_WHERE_BATCHES_ARE_MADE``)."""
        samples = {k: v for k, v in self.hparams.items() if k not in _WHERE_BATCHES_ARE_MADE}
        return f"{type(self).__qualname__}:{sorted(samples.items())!r}"


class PhoneScoringData(ABC):
    """What ``PhoneErrorRateScorer`` needs beyond the utterance batches (``lengths``, ``utterance`` keys)."""

    @abstractmethod
    def log_state_priors(self) -> Tensor:
        """(num_classes,) log prior of each frame target, to turn posteriors into scaled likelihoods."""

    @abstractmethod
    def bigram(self) -> tuple[Tensor, Tensor]:
        """(log_initial (P,), log_bigram (P, P)) phone language model over the P phones."""

    @abstractmethod
    def reference_phones(self, split: str, utterance: int) -> list[int]:
        """The reference phone indices of ``batch["utterance"]`` value ``utterance`` of ``split``."""

    @abstractmethod
    def utterance_name(self, split: str, utterance: int) -> str:
        """A name that identifies the utterance across runs (TIMIT: ``dr1/faks0/si943``)."""
