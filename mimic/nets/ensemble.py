"""Ensembles combine their members' logits; the paper's ECNN is the mean of 9 (TIMIT) or 4 (CIFAR) CNNs."""

from typing import Literal

import torch
from torch import Tensor, nn

Combine = Literal["logits", "log_probs"]


class Ensemble(nn.Module):
    """Members run on the same input; their outputs are averaged.

    Args:
        members: nets with equal ``in_shape`` and ``num_classes``.
        combine: ``"logits"`` averages raw logits (what the paper's students regress);
            ``"log_probs"`` averages log-softmax outputs (a geometric mean of the members' probabilities),
            which keeps one member with large logits from dominating.
    """

    def __init__(self, members: list[nn.Module], combine: Combine = "logits") -> None:
        super().__init__()
        if not members:
            raise ValueError("an ensemble needs at least one member")
        if combine not in ("logits", "log_probs"):
            raise ValueError(f"combine must be 'logits' or 'log_probs', got {combine!r}")
        # members made elsewhere take any image (in_shape None): their preprocessing adapts it
        shapes = {tuple(m.in_shape) for m in members if m.in_shape is not None}
        classes = {m.num_classes for m in members}
        if len(shapes) > 1 or len(classes) != 1:
            raise ValueError(
                f"ensemble members disagree on (in_shape, num_classes): {sorted(shapes)}, {sorted(classes)}"
            )
        self.members = nn.ModuleList(members)
        self.combine = combine
        self.in_shape = shapes.pop() if shapes else None
        self.num_classes = classes.pop()

    def forward(self, x: Tensor) -> Tensor:
        outputs = torch.stack([member(x) for member in self.members])  # (M, B, C)
        if self.combine == "log_probs":
            outputs = outputs.float().log_softmax(dim=-1)
        return outputs.mean(dim=0)  # (B, C)

    def describe(self) -> str:
        return f"ensemble of {len(self.members)} x {self.members[0].describe()}"
