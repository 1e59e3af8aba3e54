"""Several transfer sources as one: the few-labels regime's unlabeled training images and Tiny Images
together, as in the paper's CIFAR setting (few labels, the rest of CIFAR-10 and 80M Tiny Images unlabeled).

Index j of the joined source is image ``j - start_k`` of the k-th source whose range holds j; each source
keeps its own reading (memory maps, made-up draws) and its own files.
"""

from typing import Any

import numpy as np
import torch
from torch import Tensor

from mimic.data.images.sources import TransferSource


class Joined(TransferSource):
    """Args:
    sources: the sources, in order (each by ``class_path`` in a config).
    """

    def __init__(self, sources: list[TransferSource]) -> None:
        if not sources:
            raise ValueError("mimic.data.images.Joined needs at least one source")
        self.sources = list(sources)
        self.deterministic = all(source.deterministic for source in self.sources)
        self._starts: np.ndarray | None = None  # (K + 1,) first index of each source, set by setup

    @classmethod
    def input_files(cls, settings: dict[str, Any]) -> list:
        return [
            path
            for source in settings.get("sources") or []
            if isinstance(source, dict) and source.get("class_path")
            for path in TransferSource.input_files_of(source["class_path"], source.get("init_args") or {})
        ]

    def setup(self, train_images: Tensor, unlabeled_images: Tensor | None = None) -> None:
        for source in self.sources:
            source.setup(train_images, unlabeled_images)
        # a source's length is fixed once it is set up; asked for at every batch, so counted once here
        self._starts = np.cumsum([0] + [len(source) for source in self.sources])

    def __len__(self) -> int:
        if self._starts is None:
            raise RuntimeError("Joined.setup(train_images, unlabeled_images) must run before it is used")
        return int(self._starts[-1])

    def images(self, indices: np.ndarray, generator: torch.Generator | None = None) -> Tensor:
        indices = np.asarray(indices)
        if len(indices) == 0:
            return self.sources[0].images(indices, generator)
        starts = self._starts
        which = np.searchsorted(starts, indices, side="right") - 1  # (n,) the source of each index
        out: Tensor | None = None
        for k in np.unique(which):
            here = which == k
            part = self.sources[k].images(indices[here] - starts[k], generator)  # (m, C, H, W) uint8
            if out is None:
                out = torch.empty((len(indices), *part.shape[1:]), dtype=torch.uint8)
            out[torch.from_numpy(here)] = part
        return out

    def __repr__(self) -> str:
        return f"Joined(sources=[{', '.join(repr(source) for source in self.sources)}])"
