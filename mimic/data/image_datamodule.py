"""What the image DataModules share: uint8 images in memory, a seeded train/val split, preprocessing fitted
on the training split and saved in checkpoints, optional augmentation, and optional transfer data.

Subclasses say how to read their corpus (``read(split)``) and what shape it has; batches are dicts
``x`` (B, C, H, W) float32, ``y`` (B,) int64, ``index`` (B,) int64.
"""

import time
from abc import abstractmethod
from typing import Any

import lightning.pytorch as pl
import numpy as np
import torch
from lightning.pytorch.utilities import rank_zero_info
from torch import Tensor
from torch.utils.data import DataLoader

from mimic.data.augment import random_shift_flip
from mimic.data.images.mixed import MixedBatches, check_shape
from mimic.data.images.preprocess import make_preprocessor
from mimic.data.images.sources import TransferSource
from mimic.data.tensor_dataset import TensorDictDataset, collate_batch


class ImageDataModule(pl.LightningDataModule):
    """Base of ``FashionMNISTDataModule`` and ``CIFAR10DataModule``; the arguments are documented there."""

    num_classes: int
    in_shape: tuple[int, int, int]
    augment_pad: int = 2  # pixels of random shift under ``augment``

    def __init__(self) -> None:
        super().__init__()
        self.datasets: dict[str, TensorDictDataset] = {}
        self.train_images: Tensor | None = None  # (N, C, H, W) uint8
        self.train_labels: Tensor | None = None  # (N,) int64
        self.preprocessor = None  # fitted before the first batch, unless a checkpoint or a teacher provides it
        self.fitted = False

    def _init_common(self, transfer: TransferSource | None) -> None:
        """Call from the subclass's ``__init__`` after ``save_hyperparameters(ignore=["transfer"])``."""
        self.transfer = transfer
        # the source's arguments, for the teacher-logit cache's fingerprint and the logged hyperparameters
        self.hparams["transfer_source"] = repr(transfer) if transfer is not None else None
        self.preprocessor = make_preprocessor(self.hparams.preprocess)

    @abstractmethod
    def read(self, split: str) -> tuple[Tensor, Tensor]:
        """``split`` "train" or "test": (N, C, H, W) uint8 images and (N,) int64 labels."""

    # --- setup --------------------------------------------------------------------------------------

    def setup(self, stage: str | None = None) -> None:
        if self.datasets:
            return
        hp = self.hparams
        images, labels = self.read("train")
        if not 0 < hp.val_size < len(images):
            raise ValueError(f"data.val_size must be between 1 and {len(images) - 1}, got {hp.val_size}")
        order = torch.randperm(len(images), generator=torch.Generator().manual_seed(hp.seed))
        val_idx, train_idx = order[: hp.val_size], order[hp.val_size :]
        if hp.train_size is not None:
            train_idx = train_idx[: hp.train_size]
        self.train_images, self.train_labels = images[train_idx], labels[train_idx]
        test_images, test_labels = self.read("test")
        self.datasets = {
            "train": TensorDictDataset(self.train_images, self.train_labels, self.train_transform),
            "val": TensorDictDataset(images[val_idx], labels[val_idx], self.eval_transform),
            "test": TensorDictDataset(test_images, test_labels, self.eval_transform),
        }
        if self.transfer is not None:
            self.transfer.setup(self.train_images)
            # one image read now: a source of the wrong shape fails here, not after the sanity check
            check_shape(self.transfer, self.transfer.images(np.zeros(1, np.int64)), self.train_images.shape[1:])

    def fit_preprocessor(self) -> None:
        """Fit the input statistics on the training split, unless they came from a checkpoint or a teacher.

        Deferred from ``setup`` to the first loader: Lightning restores a checkpoint's DataModule state, and
        ``TeacherLogits`` hands over the teacher's, after ``setup``; ZCA takes a while to fit (3072 x 3072).
        """
        if self.fitted:
            return
        if self.train_images is None:
            self.setup()
        started = time.monotonic()
        rank_zero_info(f"fitting '{self.hparams.preprocess}' on {len(self.train_images):,} training images ...")
        self.preprocessor.fit(self.train_images)
        self.fitted = True
        rank_zero_info(f"fitted '{self.hparams.preprocess}' in {time.monotonic() - started:.1f} s")

    # --- transforms: uint8 pixels (B, C, H, W) -> model inputs (B, C, H, W) float32 --------------------

    def eval_transform(self, pixels: Tensor) -> Tensor:
        self.fit_preprocessor()  # a no-op once fitted: the loaders fit in the main process first
        return self.preprocessor(pixels.float() / 255)

    def train_transform(self, pixels: Tensor) -> Tensor:
        self.fit_preprocessor()
        x = pixels.float() / 255
        if self.hparams.augment:  # in pixel space, so that shifted-in borders are black, then preprocess
            x = random_shift_flip(x, pad=self.augment_pad)
        return self.preprocessor(x)

    def deterministic_inputs(self, split: str) -> bool:
        """Whether a sample's input is the same every epoch (what ``TeacherLogits``' cache needs)."""
        if split != "train":
            return True
        return not self.hparams.augment and (self.transfer is None or self.transfer.deterministic)

    # --- loaders ------------------------------------------------------------------------------------

    def train_dataloader(self) -> DataLoader:
        self.fit_preprocessor()
        if self.transfer is None:
            return self._loader("train", shuffle=True)
        hp = self.hparams
        trainer = self.trainer
        dataset = MixedBatches(
            self.train_images,
            self.train_labels,
            self.transfer,
            hp.batch_size,
            hp.transfer_fraction,
            self.train_transform,
            seed=hp.seed,
            rank=trainer.global_rank if trainer else 0,
            world=trainer.world_size if trainer else 1,
        )
        dataset.epoch = trainer.current_epoch if trainer else 0  # a resumed run continues the transfer order
        # batch_size=None: the dataset yields whole batches; persistent workers keep their epoch count
        return DataLoader(dataset, batch_size=None, num_workers=hp.num_workers, persistent_workers=hp.num_workers > 0)

    def _loader(self, split: str, shuffle: bool) -> DataLoader:
        self.fit_preprocessor()
        hp = self.hparams
        return DataLoader(
            self.datasets[split],
            batch_size=hp.batch_size if split == "train" else hp.eval_batch_size,
            shuffle=shuffle,
            num_workers=hp.num_workers,
            persistent_workers=hp.num_workers > 0,
            collate_fn=collate_batch,
        )

    def val_dataloader(self) -> DataLoader:
        return self._loader("val", shuffle=False)

    def test_dataloader(self) -> DataLoader:
        return self._loader("test", shuffle=False)

    def predict_dataloader(self) -> DataLoader:
        return self._loader("test", shuffle=False)

    # --- the fitted statistics travel in checkpoints --------------------------------------------------

    def state_dict(self) -> dict[str, Any]:
        self.fit_preprocessor()
        return {"preprocess": self.hparams.preprocess, **self.preprocessor.state_dict()}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        state = dict(state)
        kind = state.pop("preprocess", None)
        if kind != self.hparams.preprocess:
            raise ValueError(
                f"the checkpoint's inputs were preprocessed with {kind!r}, but data.preprocess is "
                f"{self.hparams.preprocess!r}: set data.preprocess to {kind!r}"
            )
        self.preprocessor.load_state_dict(state)
        self.fitted = True
