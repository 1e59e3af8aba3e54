"""What the image DataModules share: uint8 images in memory, a seeded train/val split, optional
augmentation, and optional transfer data.

Subclasses say how to read their corpus (``read(split)``) and what shape it has; batches are dicts of raw
pixels ``x`` (B, C, H, W) uint8, ``y`` (B,) int64, ``index`` (B,) int64. The nets normalise them.
"""

from abc import abstractmethod
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import torch
from lightning.pytorch.utilities import rank_zero_info
from torch import Tensor
from torch.utils.data import DataLoader

from mimic import batch as keys
from mimic.data.augment import KeyedShiftFlip
from mimic.data.base import MimicDataModule
from mimic.data.chunks import join_batches, split_chunk
from mimic.data.epoch_order import EpochShuffle, LazyStartLoader, items_done, private_generator
from mimic.data.images.batch_mix import BatchMix
from mimic.data.images.labeled_subset import stratified_subset, write_split
from mimic.data.images.mixed import MixedBatches, MixedOrder, check_shape
from mimic.data.images.sources import TransferSource
from mimic.data.on_device import DeviceBatches, training_device
from mimic.data.tensor_dataset import TensorDictDataset, collate_batch
from mimic.run_folder import RunFolder

_CHUNK = 2000  # images per chunk of training_inputs()


class ImageDataModule(MimicDataModule):
    """Base of ``FashionMNISTDataModule`` and ``CIFAR10DataModule``; the arguments are documented there."""

    num_classes: int
    in_shape: tuple[int, int, int]
    augment_pad: int = 2  # pixels of random shift under ``augment``

    def __init__(self) -> None:
        super().__init__()
        self.datasets: dict[str, TensorDictDataset] = {}
        self.train_images: Tensor | None = None  # (N, C, H, W) uint8
        self.train_labels: Tensor | None = None  # (N,) int64
        # (M, C, H, W) uint8: the training images data.labeled_size leaves unlabeled; their labels are
        # dropped when the corpus is read, so no training loss can ever see them
        self.unlabeled_images: Tensor | None = None

    def _init_common(self, transfer: TransferSource | None) -> None:
        """Call from the subclass's ``__init__`` after ``save_hyperparameters(ignore=["transfer"])``."""
        self.transfer = transfer
        self.check_settings()
        # the source's arguments, for the teacher-logit cache's key and the logged hyperparameters
        self.hparams["transfer_source"] = repr(transfer) if transfer is not None else None

    def check_settings(self) -> None:
        super().check_settings()
        hp = self.hparams
        for key in ("eval_batch_size", "val_size"):
            if hp[key] < 1:
                raise ValueError(f"data.{key} must be at least 1, got {hp[key]}")
        if hp.train_size is not None and hp.train_size < 1:
            raise ValueError(f"data.train_size must be at least 1 (or null: all), got {hp.train_size}")
        if hp.labeled_size is not None and hp.labeled_size < 1:
            raise ValueError(
                f"data.labeled_size must be at least 1 (or null: every image labeled), got {hp.labeled_size}"
            )
        if hp.mix != "none":
            BatchMix(hp.mix, hp.mix_alpha, hp.mix_share, seed=0)  # refuses a bad kind, alpha or share now
        if not hp.get("download", False):
            self.find_data()  # a missing corpus is named now, not after the trainer has started

    @classmethod
    def input_files(cls, settings: dict[str, Any]) -> list[Path]:
        """The corpus's files, then the transfer source's."""
        transfer = settings.get("transfer")
        source = []
        if isinstance(transfer, dict) and transfer.get("class_path"):
            source = TransferSource.input_files_of(transfer["class_path"], transfer.get("init_args") or {})
        return [*cls.corpus_files(settings), *source]

    @classmethod
    @abstractmethod
    def corpus_files(cls, settings: dict[str, Any]) -> list[Path]:
        """The corpus's files (both splits) that ``read`` takes, for ``settings``; where they will be if
        they are not there yet."""

    @abstractmethod
    def find_data(self) -> None:
        """Raise ``FileNotFoundError`` naming what is missing unless the corpus's files are where
        ``data.root`` says (not called with ``data.download: true``)."""

    @abstractmethod
    def read(self, split: str) -> tuple[Tensor, Tensor]:
        """``split`` "train" or "test": (N, C, H, W) uint8 images and (N,) int64 labels."""

    def read_validation(self) -> tuple[Tensor, Tensor] | None:
        """A validation split of the corpus's own (images, labels); ``None`` (the default): ``val_size``
        images are held out of the training images."""
        return None

    def read_unlabeled(self) -> Tensor | None:
        """(M, C, H, W) uint8 images without labels that the corpus brings besides its splits (folders of
        unlabeled images), for a transfer source such as ``Unlabeled``; ``None`` (the default): none."""
        return None

    # --- setup --------------------------------------------------------------------------------------

    def setup(self, stage: str | None = None) -> None:
        if self.datasets:
            return
        hp = self.hparams
        images, labels = self.read("train")
        order = torch.randperm(len(images), generator=torch.Generator().manual_seed(hp.seed))
        given_val = self.read_validation()
        if given_val is None:  # held out of the training images
            if not 0 < hp.val_size < len(images):
                raise ValueError(f"data.val_size must be between 1 and {len(images) - 1}, got {hp.val_size}")
            val_idx, train_idx = order[: hp.val_size], order[hp.val_size :]
            given_val = images[val_idx], labels[val_idx]
        else:
            train_idx = order
        if hp.train_size is not None:
            train_idx = train_idx[: hp.train_size]
        if hp.labeled_size is not None:
            train_idx = self._split_labeled(images, labels, train_idx, stage)
        self.train_images, self.train_labels = images[train_idx], labels[train_idx]
        test_images, test_labels = self.read("test")
        self.datasets = {
            "train": TensorDictDataset(self.train_images, self.train_labels, self.train_transform()),
            "val": TensorDictDataset(*given_val),
            "test": TensorDictDataset(test_images, test_labels),
        }
        if self.transfer is not None:
            extra = self.read_unlabeled()
            if extra is not None:
                self.unlabeled_images = (
                    extra if self.unlabeled_images is None else torch.cat([self.unlabeled_images, extra])
                )
            self.transfer.setup(self.train_images, self.unlabeled_images)
            # one image read now: a source of the wrong shape fails here, not after the sanity check
            check_shape(self.transfer, self.transfer.images(np.zeros(1, np.int64)), self.train_images.shape[1:])
        else:
            self.unlabeled_images = None  # nothing reads them: a net on labels keeps only its N images

    def _split_labeled(self, images: Tensor, labels: Tensor, train_idx: Tensor, stage: str | None) -> Tensor:
        """Keep ``data.labeled_size`` of the training images ``train_idx`` labeled (stratified, seeded) and
        return their indices; the others' pixels become ``unlabeled_images``, their labels are dropped. A fit
        writes the choice into its run folder (``labeled.json``)."""
        hp = self.hparams
        chosen = stratified_subset(labels[train_idx], hp.labeled_size, hp.seed)  # (N,) positions in train_idx
        unlabeled = torch.ones(len(train_idx), dtype=torch.bool)
        unlabeled[chosen] = False
        self.unlabeled_images = images[train_idx[unlabeled]]  # (M, C, H, W) uint8, no labels
        labeled_idx = train_idx[chosen]
        trainer = self.trainer
        if stage == "fit" and trainer is not None and trainer.is_global_zero:
            settings = {k: hp[k] for k in ("labeled_size", "seed", "val_size", "train_size")}
            write_split(
                RunFolder.of_trainer(trainer).labeled_split,
                labeled_idx,
                labels[labeled_idx],
                len(self.unlabeled_images),
                settings,
            )
        return labeled_idx

    def training_inputs(self) -> Iterator[Tensor]:
        if self.train_images is None:
            self.setup()
        yield from self.train_images.split(_CHUNK)  # (n, C, H, W) uint8

    def training_size(self) -> int:
        return len(self.train_images) + (len(self.transfer) if self.transfer is not None else 0)

    # --- transforms: uint8 pixels (B, C, H, W) -> uint8 pixels (B, C, H, W) ------------------------------

    def train_transform(self) -> KeyedShiftFlip | None:
        """The training images' augmentation (``None`` without ``augment``), its draws keyed by (the run's
        seed, epoch, image): exact in loader workers and after a resume."""
        return KeyedShiftFlip(torch.initial_seed(), pad=self.augment_pad) if self.hparams.augment else None

    def on_after_batch_transfer(self, batch: Any, dataloader_idx: int) -> Any:
        batch = super().on_after_batch_transfer(batch, dataloader_idx)  # counts the epoch's batches
        trainer, hp = self.trainer, self.hparams
        if hp.mix == "none" or trainer is None or not trainer.training:
            return batch
        if getattr(self, "_batch_mix", None) is None:  # the run's seed is set by now (seed_everything)
            self._batch_mix = BatchMix(hp.mix, hp.mix_alpha, hp.mix_share, torch.initial_seed())
        # each batch of a chunk (mimic.data.chunks) mixed as it would be alone: its draws keyed by its number
        chunked = keys.STEP_SIZES in batch
        batches = split_chunk(batch) if chunked else [batch]
        epoch = trainer.current_epoch
        first = self.epoch_progress.batches_in(epoch) - len(batches)
        mixed = [
            self._batch_mix(part, epoch, (first + i) * trainer.world_size + trainer.global_rank)
            for i, part in enumerate(batches)
        ]
        return join_batches(mixed) if chunked else mixed[0]

    @property
    def unlabeled_training(self) -> bool:
        return self.transfer is not None

    def random_inputs(self, split: str) -> bool:
        if split != "train":
            return False
        hp = self.hparams
        return hp.augment or hp.mix != "none" or (self.transfer is not None and not self.transfer.deterministic)

    # --- loaders ------------------------------------------------------------------------------------

    def training_batches(self) -> DataLoader | DeviceBatches:
        if self.transfer is None:
            return self._loader("train", shuffle=True)
        if self.hparams.on_device:
            rank_zero_info("data.on_device: the training stream with transfer images keeps its loader on the host")
        hp = self.hparams
        trainer = self.trainer
        dataset = MixedBatches(
            self.train_images,
            self.train_labels,
            self.transfer,
            hp.batch_size,
            hp.transfer_fraction,
            self.train_transform(),
            seed=hp.seed,
            world=trainer.world_size if trainer else 1,
        )
        # batch_size=None: the dataset makes whole batches; the sampler, in this process, says which (from
        # where a resumed run stopped), so worker processes make exactly the batches one process would
        return LazyStartLoader(
            dataset,
            batch_size=None,
            sampler=MixedOrder(dataset, items_done(self.epoch_progress, 1)),
            num_workers=hp.num_workers,
            persistent_workers=hp.num_workers > 0,
            generator=private_generator(),
            collate_fn=collate_batch,
            pin_memory=training_device(self).type == "cuda",  # Lightning then copies batches without blocking
        )

    def _loader(self, split: str, shuffle: bool) -> DataLoader | DeviceBatches:
        hp = self.hparams
        dataset = self.datasets[split]
        batch_size = hp.batch_size if split == "train" else hp.eval_batch_size
        device = training_device(self)
        on_device = self.device_placement().dataset_for(split, dataset, dataset.nbytes, device, hp.num_workers)
        if not shuffle:  # evaluation: batches in order (on the device, gathered there)
            return DataLoader(
                dataset if on_device is None else on_device,
                batch_size=batch_size,
                generator=private_generator(),
                num_workers=hp.num_workers if on_device is None else 0,
                persistent_workers=hp.num_workers > 0 and on_device is None,
                collate_fn=collate_batch,
                pin_memory=device.type == "cuda" and on_device is None,
            )
        # each epoch's order from (seed, epoch): a killed run resumes exactly (mimic/data/epoch_order.py)
        sampler = EpochShuffle(
            len(dataset),
            items_done=items_done(self.epoch_progress, hp.batch_size),
            tag_epoch=dataset.transform is not None,
        )
        if on_device is not None:
            return DeviceBatches(on_device, sampler, batch_size, device)
        return LazyStartLoader(
            dataset,
            batch_size=batch_size,
            sampler=sampler,
            generator=private_generator(),
            num_workers=hp.num_workers,
            persistent_workers=hp.num_workers > 0,
            collate_fn=collate_batch,
            pin_memory=device.type == "cuda",  # Lightning then copies batches without blocking
        )

    def val_dataloader(self) -> DataLoader:
        return self._loader("val", shuffle=False)

    def test_dataloader(self) -> DataLoader:
        return self._loader("test", shuffle=False)

    def predict_dataloader(self) -> DataLoader:
        return self._loader("test", shuffle=False)
