"""``RandomState``: the random generators' states travel in every checkpoint, so a resumed run draws the
same shuffles, dropout masks and augmentations as the run that was interrupted.

Without it, ``seed_everything`` at the start of the resumed process sets the generators back to their
state at the start of training: the resumed epochs replay the first epoch's shuffle order and masks,
and the run ends somewhere else (close, not the same). The states are captured when Lightning saves a
checkpoint and put back when it restores one, before the first batch is drawn; under DDP each rank's
are gathered into the checkpoint (which rank 0 writes) and each rank takes its own back.
"""

import random
from typing import Any

import lightning.pytorch as pl
import numpy as np
import torch

from mimic.ranks import gather_from_ranks, own_share


class RandomState(pl.Callback):
    """Saves and restores Python's, numpy's and torch's (CPU and CUDA) global generators."""

    def state_dict(self) -> dict[str, Any]:
        return {"ranks": gather_from_ranks(self._generators())}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self._restore(own_share(state["ranks"]))

    @staticmethod
    def _generators() -> dict[str, Any]:
        state = {
            "python": _plain(random.getstate()),
            "numpy": _plain(np.random.get_state(legacy=True)),
            "torch": torch.get_rng_state(),
        }
        if torch.cuda.is_available() and torch.cuda.is_initialized():
            state["cuda"] = torch.cuda.get_rng_state_all()
        return state

    @staticmethod
    def _restore(state: dict[str, Any]) -> None:
        version, internal, gauss = state["python"]
        random.setstate((version, tuple(internal), gauss))
        name, keys, position, has_gauss, cached = state["numpy"]
        np.random.set_state((name, np.asarray(keys, dtype=np.uint32), position, has_gauss, cached))
        torch.set_rng_state(state["torch"])
        if "cuda" in state and torch.cuda.is_available():
            torch.cuda.set_rng_state_all(state["cuda"])


def _plain(value: Any) -> Any:
    """Tuples of ints and floats, numpy arrays as lists: what ``weights_only=True`` loading accepts."""
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    return value
