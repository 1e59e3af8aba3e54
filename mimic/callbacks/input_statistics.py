"""The student must see inputs preprocessed exactly as its teacher saw them in training.

A DataModule fits its input statistics (feature means and stds, ZCA) on its own training split and saves
them in checkpoints. A student run whose split differs from the teacher's (another ``train_size``, ``seed``
or ``val_size``) would fit slightly different statistics, and the teacher would be fed inputs it was not
trained on. So ``TeacherLogits`` hands the teacher's saved statistics to the student's DataModule; they are
then saved in the student's checkpoint too.
"""

from pathlib import Path
from typing import Any

import lightning.pytorch as pl
import torch
from lightning.pytorch.utilities import rank_zero_info


def adopt_input_statistics(datamodule: pl.LightningDataModule | None, paths: list[Path], states: list[dict]) -> None:
    """Load the teachers' DataModule state (from ``states``, one dict per checkpoint) into ``datamodule``.

    Teachers whose checkpoints hold no state for this DataModule class (other data, older runs) are skipped;
    ensemble members trained on differently preprocessed inputs are an error, as nothing could serve both.
    """
    if datamodule is None or not hasattr(datamodule, "load_state_dict"):
        return
    name = type(datamodule).__qualname__
    saved = [(path, state[name]) for path, state in zip(paths, states, strict=True) if state.get(name)]
    if not saved:
        return
    (first_path, first), others = saved[0], saved[1:]
    for path, state in others:
        if not same_state(first, state):
            raise ValueError(
                f"teachers {first_path} and {path} were trained on differently preprocessed inputs (different "
                "data.seed, val_size, train_size or preprocess): an ensemble needs one input pipeline"
            )
    # Image DataModules fit lazily (ZCA is slow): no need to fit statistics that are about to be replaced
    if getattr(datamodule, "fitted", True) and same_state(datamodule.state_dict(), first):
        return
    datamodule.load_state_dict(first)
    rank_zero_info(f"TeacherLogits: inputs are preprocessed with the teacher's statistics, saved in {first_path}")


def same_state(a: dict[str, Any], b: dict[str, Any]) -> bool:
    if a.keys() != b.keys():
        return False
    for key, value in a.items():
        other = b[key]
        if isinstance(value, torch.Tensor):
            if not isinstance(other, torch.Tensor) or value.shape != other.shape:
                return False
            if not torch.allclose(value.double(), other.double(), rtol=1e-6, atol=1e-9):
                return False
        elif value != other:
            return False
    return True
