"""``PhoneErrorRateScorer``: decodes the validation and test utterances and logs ``val/per``, ``test/per``."""

from typing import Literal

import lightning.pytorch as pl
from torch import Tensor

from mimic import batch as keys
from mimic.data.timit.decoding import greedy_decode, viterbi_decode
from mimic.data.timit.per import PhoneErrorRate


class PhoneErrorRateScorer(pl.Callback):
    """Phone error rate of whole utterances (needs ``TIMITDataModule`` and a task returning eval logits).

    Args:
        decoder: ``"viterbi"`` (scaled likelihoods through phone HMMs with a bigram LM) or ``"greedy"``
            (argmax, collapse: fast, a little worse).
        lm_weight: weight of the bigram LM against the acoustic scores (tune on dev).
        insertion_penalty: score added per phone transition (tune on dev).
    """

    def __init__(
        self,
        decoder: Literal["viterbi", "greedy"] = "viterbi",
        lm_weight: float = 1.0,
        insertion_penalty: float = 0.0,
    ) -> None:
        super().__init__()
        self.decoder, self.lm_weight, self.insertion_penalty = decoder, lm_weight, insertion_penalty
        self.metrics = {"val": PhoneErrorRate(), "test": PhoneErrorRate()}

    def setup(self, trainer: pl.Trainer, pl_module: pl.LightningModule, stage: str) -> None:
        datamodule = trainer.datamodule
        self.log_priors = datamodule.log_state_priors()  # (183,)
        self.log_initial, self.log_bigram = datamodule.bigram()

    def decode(self, logits: Tensor) -> list[int]:
        """(T, 183) logits of one utterance -> phone indices."""
        if self.decoder == "greedy":
            return greedy_decode(logits)
        scaled = logits.float().log_softmax(dim=-1) - self.log_priors  # log p(x|s) up to a constant
        return viterbi_decode(scaled, self.log_initial, self.log_bigram, self.lm_weight, self.insertion_penalty)

    def score(self, trainer: pl.Trainer, logits: Tensor, batch: dict[str, Tensor], split: str) -> None:
        references = trainer.datamodule.references(split)
        metric = self.metrics[split]
        per_utterance = logits.detach().cpu().split(batch[keys.LENGTHS].tolist())
        for utterance, scores in zip(batch[keys.UTTERANCE].tolist(), per_utterance, strict=True):
            metric.update([self.decode(scores)], [references.reference(utterance)])

    def on_validation_batch_end(self, trainer, pl_module, outputs, batch, batch_idx, dataloader_idx=0) -> None:
        self.score(trainer, outputs, batch, "val")

    def on_test_batch_end(self, trainer, pl_module, outputs, batch, batch_idx, dataloader_idx=0) -> None:
        self.score(trainer, outputs, batch, "test")

    def _log(self, pl_module: pl.LightningModule, split: str) -> None:
        # Updated on the CPU; moved to the module's device so that compute() can sync over NCCL too.
        metric = self.metrics[split].to(pl_module.device)
        pl_module.log(f"{split}/per", metric.compute())  # compute() sums errors and phones over the ranks
        metric.reset()

    def on_validation_epoch_end(self, trainer, pl_module) -> None:
        self._log(pl_module, "val")

    def on_test_epoch_end(self, trainer, pl_module) -> None:
        self._log(pl_module, "test")
