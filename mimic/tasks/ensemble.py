"""Scoring an ensemble of trained nets (the paper's ECNN rows) with ``mimic test``."""

from torch import Tensor

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

    def training_step(self, batch: dict[str, Tensor], batch_idx: int) -> Tensor:
        raise RuntimeError("EnsembleModule scores trained members; use `mimic test` or `mimic validate`")

    def on_save_checkpoint(self, checkpoint: dict) -> None:
        """Ensembles are not stored as one net; their members' checkpoints are the record."""
