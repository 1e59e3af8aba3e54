"""Scoring an ensemble of trained nets (the paper's ECNN rows) with ``mimic test``."""

from torch import Tensor

from mimic.data.base import MimicDataModule
from mimic.nets.ensemble import Combine, Ensemble
from mimic.tasks.base import ClassifierTask
from mimic.tasks.checkpoints import load_net, resolve_checkpoints


class EnsembleModule(ClassifierTask):
    """An ensemble rebuilt from checkpoints alone, for ``validate``/``test``/``predict`` (it is not trained).

    Args:
        checkpoints: checkpoint paths or glob patterns of the members.
        combine: ``"logits"`` or ``"log_probs"``, as in ``TeacherLogits``.
    """

    def __init__(self, checkpoints: list[str], combine: Combine = "logits") -> None:
        members = [load_net(path) for path in resolve_checkpoints(checkpoints)]
        super().__init__(Ensemble(members, combine))  # type: ignore[arg-type]
        self.net.requires_grad_(False)

    def setup(self, stage: str) -> None:
        super().setup(stage)
        datamodule = self.trainer.datamodule
        if isinstance(datamodule, MimicDataModule) and datamodule.num_classes != self.net.num_classes:
            raise ValueError(
                f"the ensemble's members have {self.net.num_classes} classes but {type(datamodule).__name__} "
                f"has {datamodule.num_classes}: they were trained on other data"
            )

    def _warn_if_unfitted(self) -> None:
        """The members come from checkpoints, each with the input statistics of its training."""

    def training_step(self, batch: dict[str, Tensor], batch_idx: int) -> Tensor:
        raise RuntimeError("EnsembleModule scores trained members; use `mimic test` or `mimic validate`")

    def on_save_checkpoint(self, checkpoint: dict) -> None:
        """Ensembles are not stored as one net; their members' checkpoints are the record."""
