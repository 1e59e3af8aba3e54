"""``PhoneErrorRateScorer``: decodes the validation and test utterances and logs ``val/per``, ``test/per``;
at test it can keep every utterance's result (``utterances.npz``, see ``utterance_results``).

The Viterbi decoder runs once per epoch over all the utterances a process scored, and over every setting
of an LM sweep together (``batched_viterbi``), on the module's device: the scores of the epoch's
utterances are kept until then (dev TIMIT: 400 x about 300 frames x 183 scores, about 90 MB).
"""

from pathlib import Path
from typing import Literal

import lightning.pytorch as pl
import torch
from torch import Tensor

from mimic import batch as keys
from mimic.callbacks.utterance_results import FILENAME, UtteranceResult, write_utterance_results
from mimic.data.base import PhoneScoringData
from mimic.metrics.batched_viterbi import pad_utterances, viterbi_decode_batch
from mimic.metrics.decoding import greedy_decode
from mimic.metrics.phone_error_rate import PhoneErrorRate, score_utterance


class PhoneErrorRateScorer(pl.Callback):
    """Phone error rate of whole utterances (needs a ``PhoneScoringData`` DataModule such as
    ``TIMITDataModule``, and a task whose evaluation steps return their logits).

    Tuning on dev: give ``lm_weight`` and/or ``insertion_penalty`` as lists; every combination is decoded,
    ``val/per`` is the best one's PER and ``val/per_lm_weight``, ``val/per_insertion_penalty`` say which it
    was (e.g. ``mimic validate ... --trainer.callbacks+=... lm_weight: [0.5, 1, 2]``). A test run takes one
    setting, the one dev chose: choosing it on the test speakers would flatter the test PER.

    Args:
        decoder: ``"viterbi"`` (scaled likelihoods through phone HMMs with a bigram LM) or ``"greedy"``
            (argmax, collapse: fast, a little worse).
        lm_weight: weight(s) of the bigram LM against the acoustic scores.
        insertion_penalty: score(s) added per phone transition.
        keep_in: at test, write every utterance's result to ``keep_in/utterances.npz`` (``mimic test``
            sets it to the test run's folder).
    """

    # Utterances x settings decoded together: bounds the padded scores and backpointers (TIMIT's longest
    # utterance, 780 frames: about 0.5 GB at 512).
    PATHS_PER_DECODE = 512

    def __init__(
        self,
        decoder: Literal["viterbi", "greedy"] = "viterbi",
        lm_weight: float | list[float] = 1.0,
        insertion_penalty: float | list[float] = 0.0,
        keep_in: str | Path | None = None,
    ) -> None:
        super().__init__()
        self.decoder = decoder
        weights = lm_weight if isinstance(lm_weight, list) else [lm_weight]
        penalties = insertion_penalty if isinstance(insertion_penalty, list) else [insertion_penalty]
        # greedy decoding uses no LM: one setting
        self.grid = [(w, p) for w in weights for p in penalties] if decoder == "viterbi" else [(0.0, 0.0)]
        self.metrics = {split: [PhoneErrorRate() for _ in self.grid] for split in ("val", "test")}
        self.keep_in = None if keep_in is None else Path(keep_in)
        self.kept: list[UtteranceResult] = []
        # the epoch's scored utterances until its end: (utterance index, (T, 183) logits on the device)
        self.pending: dict[str, list[tuple[int, Tensor]]] = {"val": [], "test": []}

    def setup(self, trainer: pl.Trainer, pl_module: pl.LightningModule, stage: str) -> None:
        datamodule = trainer.datamodule
        if not isinstance(datamodule, PhoneScoringData):
            raise ValueError(
                f"PhoneErrorRateScorer scores whole utterances: it needs a DataModule implementing "
                f"mimic.data.base.PhoneScoringData (TIMITDataModule), not {type(datamodule).__name__}"
            )
        if stage == "test" and len(self.grid) > 1:
            raise ValueError(
                f"PhoneErrorRateScorer: a test run decodes with one setting, the one chosen on dev; got "
                f"{len(self.grid)} (lm_weight x insertion_penalty): give each as a single number"
            )
        self.datamodule = datamodule
        self.log_priors = datamodule.log_state_priors()  # (183,)
        self.log_initial, self.log_bigram = datamodule.bigram()

    def decode(self, utterances: list[Tensor]) -> list[list[list[int]]]:
        """(T_i, 183) logits of each utterance -> phone indices, ``[setting][utterance]``."""
        if self.decoder == "greedy":
            return [[greedy_decode(logits) for logits in utterances]]
        decoded: list[list[list[int]]] = [[] for _ in self.grid]
        # longest first, in groups, so that padding and the per-group memory stay small
        order = sorted(range(len(utterances)), key=lambda i: -utterances[i].shape[0])
        per_decode = max(1, self.PATHS_PER_DECODE // len(self.grid))
        for start in range(0, len(order), per_decode):
            group = order[start : start + per_decode]
            frames = torch.cat([utterances[i] for i in group])  # (F, 183)
            scaled = frames.float().log_softmax(dim=-1) - self.log_priors.to(frames.device)  # log p(x|s) + c
            lengths = torch.tensor([utterances[i].shape[0] for i in group])
            paths = viterbi_decode_batch(
                pad_utterances(scaled, lengths), lengths, self.log_initial, self.log_bigram, self.grid
            )
            for setting, found in enumerate(paths):
                decoded[setting].extend(found)
        # back to the order the utterances came in
        position = {utterance: rank for rank, utterance in enumerate(order)}
        return [[found[position[i]] for i in range(len(utterances))] for found in decoded]

    def collect(self, logits: Tensor, batch: dict[str, Tensor], split: str) -> None:
        per_utterance = logits.detach().split(batch[keys.LENGTHS].tolist())
        self.pending[split].extend(zip(batch[keys.UTTERANCE].tolist(), per_utterance, strict=True))

    def score(self, split: str) -> None:
        """Decode and score the epoch's utterances under every setting; keep each one's result at test."""
        pending, self.pending[split] = self.pending[split], []
        if not pending:
            return
        paths = self.decode([logits for _, logits in pending])
        keep = split == "test" and self.keep_in is not None
        for position, (utterance, logits) in enumerate(pending):
            reference = self.datamodule.reference_phones(split, utterance)
            for metric, found in zip(self.metrics[split], paths, strict=True):
                folded_reference, folded_hypothesis, errors = score_utterance(found[position], reference)
                metric.update(errors, len(folded_reference))
            if keep:  # one setting at test (setup checked), so these are the last decode's
                name = self.datamodule.utterance_name(split, utterance)
                argmax = logits.argmax(dim=-1).cpu().numpy()  # (T,)
                self.kept.append(UtteranceResult(name, folded_reference, folded_hypothesis, errors, argmax))

    def on_validation_batch_end(self, trainer, pl_module, outputs, batch, batch_idx, dataloader_idx=0) -> None:
        self.collect(outputs, batch, "val")

    def on_test_batch_end(self, trainer, pl_module, outputs, batch, batch_idx, dataloader_idx=0) -> None:
        self.collect(outputs, batch, "test")

    def _log(self, pl_module: pl.LightningModule, split: str) -> None:
        self.score(split)
        # Updated on the CPU; moved to the module's device so that compute() can sync over NCCL too.
        values = []
        for metric in self.metrics[split]:
            values.append(metric.to(pl_module.device).compute())  # sums errors and phones over the ranks
            metric.reset()
        best = min(range(len(values)), key=lambda i: float(values[i]))
        pl_module.log(f"{split}/per", values[best])
        if len(self.grid) > 1:
            pl_module.log(f"{split}/per_lm_weight", float(self.grid[best][0]))
            pl_module.log(f"{split}/per_insertion_penalty", float(self.grid[best][1]))

    def on_validation_epoch_end(self, trainer, pl_module) -> None:
        self._log(pl_module, "val")

    def on_validation_epoch_start(self, trainer, pl_module) -> None:
        self.pending["val"] = []  # a sanity check or an interrupted epoch leaves nothing behind

    def on_test_epoch_start(self, trainer, pl_module) -> None:
        self.kept, self.pending["test"] = [], []

    def on_test_epoch_end(self, trainer, pl_module) -> None:
        self._log(pl_module, "test")
        if self.keep_in is None:
            return
        kept = self.kept
        if trainer.world_size > 1:  # each rank decoded its own utterances
            gathered = [None] * trainer.world_size
            torch.distributed.all_gather_object(gathered, kept)
            kept = [result for rank in gathered for result in rank]
        if trainer.is_global_zero:
            lm_weight, penalty = self.grid[0]
            write_utterance_results(self.keep_in / FILENAME, kept, lm_weight, penalty)
        self.kept = []
