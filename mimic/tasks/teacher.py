"""Supervised training on labels: the deep teachers and the paper's label-trained shallow baselines."""

from typing import Any

import torch.nn.functional as F
from torch import Tensor

from mimic import batch as keys
from mimic.nets.base import Net
from mimic.tasks.base import ClassifierTask


class TeacherModule(ClassifierTask):
    """Cross-entropy on labels.

    Args:
        net: the model (``DeepMLP``, ``ImageCNN``, or a ``ShallowNet`` for the SNN baselines).
        label_smoothing: label smoothing of the cross-entropy.
        **kwargs: optimiser and schedule, see ``ClassifierTask``.
    """

    def __init__(self, net: Net, label_smoothing: float = 0.0, **kwargs: Any) -> None:
        super().__init__(net, **kwargs)
        self.label_smoothing = label_smoothing

    def training_step(self, batch: dict[str, Tensor], batch_idx: int) -> Tensor:
        logits = self.net(batch[keys.X])  # (B, C)
        loss = F.cross_entropy(logits.float(), batch[keys.Y], label_smoothing=self.label_smoothing)
        self.log_train(loss, logits, batch)
        return loss
