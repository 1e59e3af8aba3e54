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
        first = self._on(loss.device)
        self._first_bad_step = torch.where(~torch.isfinite(loss.detach()) & (first < 0), step, first)
        return (step + 1) % self.every == 0

    def note_steps(self, losses: Tensor, first_step: int) -> bool:
        """Record the losses (K,) of steps ``first_step`` .. ``first_step + K - 1`` (a chunk's, mimic.data.chunks)
        at once; ``True`` when a check is due at one of them."""
        first = self._on(losses.device)
        steps = torch.arange(first_step, first_step + len(losses), device=losses.device)  # (K,)
        never = torch.iinfo(torch.long).max
        bad = torch.where(torch.isfinite(losses.detach()), never, steps).amin()  # the first non-finite one
        self._first_bad_step = torch.where((bad < never) & (first < 0), bad, first)
        return (first_step + len(losses)) // self.every > first_step // self.every

    def _on(self, device: torch.device) -> Tensor:
        if self._first_bad_step is None or self._first_bad_step.device != device:
            self._first_bad_step = torch.full((), -1, dtype=torch.long, device=device)
        return self._first_bad_step

    def first_bad_step(self) -> int:
        """The first step whose loss was NaN or infinite on this rank, or -1 (waits for the device)."""
        return -1 if self._first_bad_step is None else int(self._first_bad_step)
