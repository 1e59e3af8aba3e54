"""``TIMITDataModule``: frame classification over the 183 tri-state targets, scored by phone error rate."""

import hashlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Literal

import torch
from lightning.pytorch.utilities import rank_zero_warn
from torch import Tensor
from torch.utils.data import DataLoader

from mimic.data.base import MimicDataModule, PhoneScoringData
from mimic.data.epoch_order import EpochShuffle, LazyStartLoader, items_done, private_generator
from mimic.data.on_device import DEFAULT_MEMORY_SHARE, DeviceBatches, training_device
from mimic.data.tensor_dataset import collate_batch
from mimic.data.timit.datasets import FrameDataset, UtteranceBatches
from mimic.data.timit.features import FeatureSettings
from mimic.data.timit.prepare import SplitFeatures, concatenate, load_or_compute
from mimic.formats.timit_corpus import corpus_speakers, list_transfer, list_utterances
from mimic.formats.timit_phones import NUM_TARGETS, TARGET_NAMES, fold_sequence
from mimic.metrics.decoding import estimate_bigram

# Scoring needs the training split too: its frame counts give the state priors and its transcriptions
# the bigram language model.
_SPLITS_FOR = {"fit": ("train", "dev"), "validate": ("train", "dev"), "test": ("train", "test")}


class TIMITDataModule(MimicDataModule, PhoneScoringData):
    """TIMIT frames with +/- ``context`` frames of 123-dim filterbank features; batches are dicts.

    Training batches hold random frames: ``x`` (B, 2 * context + 1, D) raw features (the nets normalise
    them), ``y`` (B,), ``index`` (B,).
    Validation (dev) and test (core test) batches hold whole utterances, plus ``lengths`` and ``utterance``,
    so that ``PhoneErrorRateScorer`` can decode them.

    Args:
        root: the corpus (``TRAIN/`` and ``TEST/`` in either case, or below ``timit/`` or ``data/``).
        cache_dir: where the features of each split are cached (``None``: recompute every run).
        num_mel_bins: mel filter banks.
        energy: append log energy.
        deltas: append first and second derivatives.
        context: neighbouring frames on each side (7 -> 15 frames, 1845 inputs).
        batch_size: training frames per batch (per process under DDP).
        eval_max_frames: frames per scoring batch (whole utterances, at least one).
        strict: require the full corpus (3696/400/192 utterances) and name what is missing.
        skip_bad: skip unreadable utterances and report them, instead of stopping.
        num_workers: DataLoader worker processes.
        transfer_root: unlabeled speech for a student (``mimic data synth-timit --transfer-for``): every
            ``.WAV`` below it joins the training frames with label -1, and ``TeacherLogits`` labels it.
            Refused if it holds transcriptions or a speaker of the labeled corpus.
        epoch_frames: how long a training epoch is. ``all``: every training frame once (labeled and
            transfer). ``labeled``: as many frames as the labeled set holds, drawn at random without
            repeats from labeled and transfer frames together: extra speech replaces repetition at the same
            number of steps, so that runs with and without transfer speech cost the same.
        on_device: keep the features on the training device and make every batch there
            (``mimic.data.on_device``): ``None`` (default) does so on a GPU when they fit in
            ``device_memory_share`` of its memory; ``true`` also on a CPU (no loader workers); ``false`` never.
        device_memory_share: the part of the GPU's memory the splits may take, together.
    """

    num_classes = NUM_TARGETS
    class_names = TARGET_NAMES

    def __init__(
        self,
        root: str,
        cache_dir: str | None = "data/timit-features",
        num_mel_bins: int = 40,
        energy: bool = True,
        deltas: bool = True,
        context: int = 7,
        batch_size: int = 256,
        eval_max_frames: int = 10000,
        strict: bool = True,
        skip_bad: bool = False,
        num_workers: int = 0,
        transfer_root: str | None = None,
        epoch_frames: Literal["all", "labeled"] = "all",
        on_device: bool | None = None,
        device_memory_share: float = DEFAULT_MEMORY_SHARE,
    ) -> None:
        super().__init__()
        self.save_hyperparameters()
        self.settings = FeatureSettings(num_mel_bins=num_mel_bins, energy=energy, deltas=deltas)
        self.splits: dict[str, SplitFeatures] = {}
        self.check_settings()

    def check_settings(self) -> None:
        super().check_settings()
        hp = self.hparams
        for key in ("root", "transfer_root"):
            if hp[key] is not None and not Path(hp[key]).is_dir():
                raise FileNotFoundError(f"data.{key}: {hp[key]} is not a folder (expected a TIMIT-layout corpus)")
        if hp.context < 0:
            raise ValueError(f"data.context must be 0 or more frames, got {hp.context}")
        if hp.eval_max_frames < 1:
            raise ValueError(f"data.eval_max_frames must be at least 1, got {hp.eval_max_frames}")

    @classmethod
    def shapes(cls, settings: dict[str, Any]) -> tuple[tuple[int, int], int]:
        features = FeatureSettings(settings["num_mel_bins"], settings["energy"], settings["deltas"])
        return (2 * settings["context"] + 1, features.dim), NUM_TARGETS  # (frames, features per frame)

    @classmethod
    def input_files(cls, settings: dict[str, Any]) -> list[Path]:
        """Every scored utterance's audio and alignment, then the transfer speech's audio."""
        utterances = list_utterances(settings["root"], strict=settings.get("strict", True))
        files = [path for split in sorted(utterances) for u in utterances[split] for path in (u.wav, u.phn)]
        if settings.get("transfer_root"):
            files += [u.wav for u in list_transfer(settings["transfer_root"], corpus_speakers(settings["root"]))]
        return files

    @property
    def in_shape(self) -> tuple[int, int]:
        return self.shapes(dict(self.hparams))[0]

    def setup(self, stage: str | None = None) -> None:
        hp = self.hparams
        needed = [s for s in _SPLITS_FOR.get(stage or "fit", ("train", "test")) if s not in self.splits]
        if needed:
            utterances = list_utterances(hp.root, strict=hp.strict)
            for split in needed:
                self.splits[split] = load_or_compute(utterances[split], split, self.settings, hp.cache_dir, hp.skip_bad)
                skipped = self.splits[split].skipped
                if skipped:
                    rank_zero_warn(f"TIMIT {split}: skipped {len(skipped)} bad utterances: " + "; ".join(skipped))
        if hp.transfer_root and stage in (None, "fit") and "transfer" not in self.splits:
            transfer = list_transfer(hp.transfer_root, corpus_speakers(hp.root))
            # named by the folder, so that two transfer sets keep two caches
            name = "transfer-" + hashlib.sha1(str(Path(hp.transfer_root).resolve()).encode()).hexdigest()[:10]
            self.splits["transfer"] = load_or_compute(transfer, name, self.settings, hp.cache_dir, hp.skip_bad)

    @property
    def unlabeled_training(self) -> bool:
        return self.hparams.transfer_root is not None

    def _training_frames(self) -> SplitFeatures:
        """The training split, followed by the transfer speech's frames (label -1) when there is some."""
        train = self.splits["train"]
        return concatenate(train, self.splits["transfer"]) if "transfer" in self.splits else train

    def training_size(self) -> int:
        return sum(len(self.splits[name].targets) for name in ("train", "transfer") if name in self.splits)

    def training_inputs(self) -> Iterator[Tensor]:
        """The training frames' features (n, D): a net's statistics are per feature, shared by all frames."""
        if "train" not in self.splits:
            self.setup("fit")
        yield from self.splits["train"].features.split(100_000)

    def random_inputs(self, split: str) -> bool:
        return False  # features are computed once; no augmentation

    # --- what scoring needs -----------------------------------------------------------------------

    def log_state_priors(self) -> Tensor:
        """(183,) log relative frequency of each target on the training frames (add-one smoothed)."""
        counts = torch.bincount(self.splits["train"].targets, minlength=NUM_TARGETS).double() + 1
        return (counts / counts.sum()).log().float()

    def bigram(self) -> tuple[Tensor, Tensor]:
        """(log_initial (61,), log_bigram (61, 61)) estimated on the training transcriptions."""
        train = self.splits["train"]
        return estimate_bigram([train.reference(u) for u in range(len(train.names))])

    def references(self, split: str) -> SplitFeatures:
        return self.splits["dev" if split == "val" else split]

    def reference_phones(self, split: str, utterance: int) -> list[int]:
        return self.references(split).reference(utterance)

    def utterance_name(self, split: str, utterance: int) -> str:
        return self.references(split).names[utterance]

    def scored_phones(self, split: str) -> int:
        """Reference phones of ``split`` after 61 -> 39 folding: the denominator of its PER."""
        references = self.references(split)
        return sum(len(fold_sequence(references.reference(u))) for u in range(len(references.names)))

    # --- loaders ----------------------------------------------------------------------------------

    def training_batches(self) -> DataLoader | DeviceBatches:
        hp = self.hparams
        dataset = FrameDataset(self._training_frames(), hp.context)
        per_epoch = len(self.splits["train"].targets) if hp.epoch_frames == "labeled" else len(dataset)
        sampler = EpochShuffle(len(dataset), per_epoch, items_done=items_done(self.epoch_progress, hp.batch_size))
        device = training_device(self)
        on_device = self.device_placement().dataset_for("train", dataset, dataset.nbytes, device, hp.num_workers)
        if on_device is not None:
            return DeviceBatches(on_device, sampler, hp.batch_size, device)
        return LazyStartLoader(
            dataset,
            batch_size=hp.batch_size,
            sampler=sampler,
            generator=private_generator(),
            num_workers=hp.num_workers,
            collate_fn=collate_batch,
            pin_memory=device.type == "cuda",  # Lightning then copies batches without blocking
        )

    def _utterance_loader(self, split: str) -> DataLoader:
        hp = self.hparams
        dataset = UtteranceBatches(self.splits[split], hp.context, hp.eval_max_frames)
        device = training_device(self)
        on_device = self.device_placement().dataset_for(split, dataset, dataset.nbytes, device, hp.num_workers)
        return DataLoader(
            dataset if on_device is None else on_device,
            batch_size=None,
            num_workers=hp.num_workers if on_device is None else 0,
            generator=private_generator(),
            pin_memory=device.type == "cuda" and on_device is None,
        )

    def val_dataloader(self) -> DataLoader:
        return self._utterance_loader("dev")

    def test_dataloader(self) -> DataLoader:
        return self._utterance_loader("test")

    def predict_dataloader(self) -> DataLoader:
        return self._utterance_loader("test")
