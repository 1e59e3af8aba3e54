"""Supervised training on labels: the deep teachers and the paper's label-trained shallow baselines."""

from typing import Any

from torch import Tensor

from mimic import batch as keys
from mimic.data.base import MimicDataModule
from mimic.nets.base import Net
from mimic.tasks.losses import label_loss
from mimic.tasks.trained import TrainedClassifier


class TeacherModule(TrainedClassifier):
    """Cross-entropy on labels (on mixed labels where ``data.mix`` mixes images).

    Args:
        net: the model (``DeepMLP``, ``ImageCNN``, or a ``ShallowNet`` for the SNN baselines).
        label_smoothing: label smoothing of the cross-entropy.
        **kwargs: optimiser and schedule, see ``TrainedClassifier``.
    """

    def __init__(self, net: Net, label_smoothing: float = 0.0, **kwargs: Any) -> None:
        super().__init__(net, **kwargs)
        if not 0.0 <= label_smoothing < 1.0:
            raise ValueError(f"model.label_smoothing must lie in [0, 1), got {label_smoothing}")
        self.label_smoothing = label_smoothing

    def on_fit_start(self) -> None:
        datamodule = self.trainer.datamodule
        if isinstance(datamodule, MimicDataModule) and datamodule.unlabeled_training:
            raise ValueError(
                f"TeacherModule trains on labels, but {type(datamodule).__name__} mixes unlabeled transfer data "
                "into training (its transfer option): leave it out here, or train a StudentModule with "
                "TeacherLogits, which labels that data with a teacher"
            )
        super().on_fit_start()

    def step_loss(self, batch: dict[str, Tensor]) -> tuple[Tensor, Tensor]:
        logits = self.net(batch[keys.X])  # (B, C)
        return label_loss(logits.float(), batch, self.label_smoothing), logits
