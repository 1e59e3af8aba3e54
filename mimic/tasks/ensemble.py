"""Scoring an ensemble of trained nets (the paper's ECNN rows) with ``mimic validate|test``."""

from mimic.data.base import MimicDataModule
from mimic.nets.checkpoints import load_net, resolve_checkpoints
from mimic.nets.ensemble import Combine, Ensemble
from mimic.tasks.base import ClassifierTask


class EnsembleModule(ClassifierTask):
    """An ensemble rebuilt from checkpoints alone, for ``validate``/``test``/``predict``: it is scored, not
    trained (it has no ``training_step``; ``mimic fit`` refuses it).

    Args:
        checkpoints: checkpoint paths or glob patterns of the members.
        combine: ``"logits"`` or ``"log_probs"``, as in ``TeacherLogits``.
    """

    def __init__(self, checkpoints: list[str], combine: Combine = "logits") -> None:
        members = [load_net(path) for path in resolve_checkpoints(checkpoints)]
        super().__init__(Ensemble(members, combine))  # type: ignore[arg-type]
        self.net.requires_grad_(False)

    def setup(self, stage: str) -> None:
        if stage == "fit":
            raise ValueError("EnsembleModule scores trained members: use `mimic validate` or `mimic test`, not fit")
        datamodule = self.trainer.datamodule
        if isinstance(datamodule, MimicDataModule) and datamodule.num_classes != self.net.num_classes:
            raise ValueError(
                f"the ensemble's members have {self.net.num_classes} classes but {type(datamodule).__name__} "
                f"has {datamodule.num_classes}: they were trained on other data"
            )
