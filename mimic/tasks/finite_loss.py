"""``FiniteLossWatch``: stop a run whose training loss became NaN or infinite, without a wait per step.

Checking ``torch.isfinite(loss)`` on the host at every step would wait for the device at every step (and,
under DDP, for every rank). The watch notes the first non-finite step on the device instead and reads it
back every ``every`` steps, at epoch ends, and before any validation or checkpoint: weights a non-finite
loss reached are never scored or kept.
"""

import torch
from torch import Tensor


class FiniteLossWatch:
    """Args:
    every: steps between checks (each check waits for the device).
    """

    def __init__(self, every: int) -> None:
        if every < 1:
            raise ValueError(f"model.finite_check_every must be at least 1, got {every}")
        self.every = every
        self._first_bad_step: Tensor | None = None  # () int64 on the device; -1 while all finite

    def note(self, loss: Tensor, step: int) -> bool:
        """Record (on the device) whether ``loss`` of ``step`` is finite; ``True`` when a check is due."""
        if self._first_bad_step is None or self._first_bad_step.device != loss.device:
            self._first_bad_step = torch.full((), -1, dtype=torch.long, device=loss.device)
        first = self._first_bad_step
        self._first_bad_step = torch.where(~torch.isfinite(loss.detach()) & (first < 0), step, first)
        return (step + 1) % self.every == 0

    def first_bad_step(self) -> int:
        """The first step whose loss was NaN or infinite on this rank, or -1 (waits for the device)."""
        return -1 if self._first_bad_step is None else int(self._first_bad_step)
