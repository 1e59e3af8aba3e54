"""In-memory store of teacher logits keyed by sample index, for inputs that are the same every epoch."""

import torch
from torch import Tensor


class LogitCache:
    """A dense (N, C) table with a filled mask, grown on demand; lives on the device that fills it.

    Args:
        num_classes: C, the width of a logit row.
    """

    def __init__(self, num_classes: int) -> None:
        self.num_classes = num_classes
        self.values: Tensor | None = None  # (N, C) float32
        self.filled: Tensor | None = None  # (N,) bool
        self.complete = False  # every index the split can ask for is stored: ``get`` checks nothing

    def __len__(self) -> int:
        return 0 if self.filled is None else int(self.filled.sum())

    def seal_if_complete(self, size: int) -> bool:
        """Whether indices ``0 .. size - 1`` (all the split has) are all stored; then ``get`` stops checking.

        One read of the device, meant for an epoch's end: until the cache is complete, ``get`` reads two
        values back at every batch (whether all of its rows are there), which on a GPU waits for it."""
        if not self.complete and self.values is not None and len(self.values) >= size:
            self.complete = bool(self.filled[:size].all())
        return self.complete

    def get(self, index: Tensor) -> Tensor | None:
        """The rows for ``index`` (B,), or ``None`` unless every one of them is stored."""
        if self.complete:
            return self.values[index.to(self.values.device)]  # (B, C)
        if self.values is None or int(index.max()) >= len(self.values):
            return None
        index = index.to(self.values.device)
        if not bool(self.filled[index].all()):
            return None
        return self.values[index]  # (B, C)

    def put(self, index: Tensor, logits: Tensor) -> None:
        """Store ``logits`` (B, C) at ``index`` (B,)."""
        self._grow(int(index.max()) + 1, logits.device)
        index = index.to(self.values.device)
        self.values[index] = logits.detach().float()
        self.filled[index] = True

    def _grow(self, size: int, device: torch.device) -> None:
        if self.values is not None and size <= len(self.values):
            return
        old = 0 if self.values is None else len(self.values)
        capacity = max(size, 2 * old)  # geometric growth: O(N) copies over a whole epoch
        values = torch.zeros(capacity, self.num_classes, device=device)
        filled = torch.zeros(capacity, dtype=torch.bool, device=device)
        if self.values is not None:
            values[:old], filled[:old] = self.values.to(device), self.filled.to(device)
        self.values, self.filled = values, filled

    def state(self) -> dict[str, Tensor]:
        return {"values": self.values.cpu(), "filled": self.filled.cpu()} if self.values is not None else {}

    def load_state(self, state: dict[str, Tensor]) -> None:
        if state["values"].shape[1] != self.num_classes:
            raise ValueError(f"cached logits have {state['values'].shape[1]} classes, expected {self.num_classes}")
        self.values, self.filled = state["values"], state["filled"]
        self.complete = False
