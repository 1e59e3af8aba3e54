"""``PhoneErrorRateScorer``: decodes the validation and test utterances and logs ``val/per``, ``test/per``;
at test it can keep every utterance's result (``utterances.npz``, see ``utterance_results``).

The Viterbi decoder runs once per epoch over all the utterances a process scored, and over every setting
of an LM sweep together (``batched_viterbi``), on the module's device: the scores of the epoch's
utterances are kept until then (dev TIMIT: 400 x about 300 frames x 183 scores, about 90 MB).
"""

import json
from pathlib import Path
from typing import Literal

import lightning.pytorch as pl
import torch
from torch import Tensor

from mimic import batch as keys
from mimic.atomic import atomic_file
from mimic.callbacks.utterance_results import UtteranceResult, write_utterance_results
from mimic.data.base import PhoneScoringData
from mimic.metrics.decoding import greedy_decode, viterbi_decode_utterances
from mimic.metrics.phone_error_rate import PhoneErrorRate, score_utterance
from mimic.run_folder import RunFolder


class PhoneErrorRateScorer(pl.Callback):
    """Phone error rate of whole utterances (needs a ``PhoneScoringData`` DataModule such as
    ``TIMITDataModule``, and a task whose evaluation steps return their logits).

    Tuning on dev: give ``lm_weight`` and/or ``insertion_penalty`` as lists. ``mimic validate`` decodes
    every combination: ``val/per`` is the best one's PER, ``val/per_lm_weight`` and
    ``val/per_insertion_penalty`` say which it was, and the choice is written to ``decoder_file``;
    ``mimic test`` then decodes with that one setting (choosing it on the test speakers would flatter the
    test PER). During ``fit`` the validation decodes with the first setting only: the per-epoch
    ``val/per`` that picks ``best.ckpt`` stays cheap, and the decoder is tuned for the net finally kept.
    With ``tune_during_fit`` every epoch decodes every setting and ``val/per`` is the best of them, so
    ``best.ckpt`` is the epoch best at its own setting (nets whose best setting is not the first: a mimic
    whose posteriors are flatter than its twin's may need a heavier LM).

    Args:
        decoder: ``"viterbi"`` (scaled likelihoods through phone HMMs with a bigram LM) or ``"greedy"``
            (argmax, collapse: fast, a little worse).
        lm_weight: weight(s) of the bigram LM against the acoustic scores.
        insertion_penalty: score(s) added per phone transition.
        keep_utterances: at test, write every utterance's result to the stage's ``test/utterances.npz``
            (``RunFolder.utterances``), for paired comparisons.
        decoder_file: with several settings, where ``mimic validate`` writes the one dev chose (JSON) and
            ``mimic test`` reads it; default ``decoder.json`` in the stage's folder (``RunFolder``).
        tune_during_fit: decode every setting at each of fit's validations (costs the grid's size).
    """

    # Utterances x settings decoded together: bounds the padded scores and backpointers (TIMIT's longest
    # utterance, 780 frames: about 0.5 GB at 512).
    PATHS_PER_DECODE = 512

    def __init__(
        self,
        decoder: Literal["viterbi", "greedy"] = "viterbi",
        lm_weight: float | list[float] = 1.0,
        insertion_penalty: float | list[float] = 0.0,
        keep_utterances: bool = True,
        decoder_file: str | Path | None = None,
        tune_during_fit: bool = False,
    ) -> None:
        super().__init__()
        self.decoder = decoder
        weights = lm_weight if isinstance(lm_weight, list) else [lm_weight]
        penalties = insertion_penalty if isinstance(insertion_penalty, list) else [insertion_penalty]
        # greedy decoding uses no LM: one setting
        self.grid = [(w, p) for w in weights for p in penalties] if decoder == "viterbi" else [(0.0, 0.0)]
        self.settings = list(self.grid)  # what this stage decodes with (setup narrows it)
        self.metrics = self._metrics()
        self.keep_utterances = keep_utterances
        self.tune_during_fit = tune_during_fit
        self.decoder_file_given = None if decoder_file is None else Path(decoder_file)
        self.decoder_file: Path | None = self.decoder_file_given  # the one in use (setup)
        self.utterances_file: Path | None = None  # where a test run keeps them (setup)
        self.kept: list[UtteranceResult] = []
        # the epoch's scored utterances until its end: (utterance index, (T, 183) logits on the device)
        self.pending: dict[str, list[tuple[int, Tensor]]] = {"val": [], "test": []}

    def _metrics(self) -> dict[str, list[PhoneErrorRate]]:
        return {split: [PhoneErrorRate() for _ in self.settings] for split in ("val", "test")}

    def setup(self, trainer: pl.Trainer, pl_module: pl.LightningModule, stage: str) -> None:
        datamodule = trainer.datamodule
        if not isinstance(datamodule, PhoneScoringData):
            raise ValueError(
                f"PhoneErrorRateScorer scores whole utterances: it needs a DataModule implementing "
                f"mimic.data.base.PhoneScoringData (TIMITDataModule), not {type(datamodule).__name__}"
            )
        folder = RunFolder.of_trainer(trainer)
        self.decoder_file = self.decoder_file_given or folder.decoder_choice
        self.utterances_file = folder.utterances if self.keep_utterances else None
        self.settings = self._settings_for(stage)
        self.metrics = self._metrics()
        self.datamodule = datamodule
        self.log_priors = datamodule.log_state_priors()  # (183,)
        self.log_initial, self.log_bigram = datamodule.bigram()

    def _settings_for(self, stage: str) -> list[tuple[float, float]]:
        if len(self.grid) == 1 or stage == "validate" or (stage == "fit" and self.tune_during_fit):
            return list(self.grid)
        if stage == "fit":
            return self.grid[:1]
        # test (and predict): the setting dev chose
        if not self.decoder_file.is_file():
            where = f" (it writes {self.decoder_file})"
            raise ValueError(
                f"PhoneErrorRateScorer: a test run decodes with one setting, the one chosen on dev; got "
                f"{len(self.grid)} (lm_weight x insertion_penalty): run `mimic validate` with the same config "
                f"first{where}, or give each as a single number"
            )
        chosen = read_decoder_choice(self.decoder_file)
        return [(chosen["lm_weight"], chosen["insertion_penalty"])]

    def decode(self, utterances: list[Tensor]) -> list[list[list[int]]]:
        """(T_i, 183) logits of each utterance -> phone indices, ``[setting][utterance]``."""
        if self.decoder == "greedy":
            return [[greedy_decode(logits) for logits in utterances]]
        return viterbi_decode_utterances(
            utterances, self.log_priors, self.log_initial, self.log_bigram, self.settings, self.PATHS_PER_DECODE
        )

    def collect(self, logits: Tensor, batch: dict[str, Tensor], split: str) -> None:
        per_utterance = logits.detach().split(batch[keys.LENGTHS].tolist())
        self.pending[split].extend(zip(batch[keys.UTTERANCE].tolist(), per_utterance, strict=True))

    def score(self, split: str) -> None:
        """Decode and score the epoch's utterances under every setting; keep each one's result at test."""
        pending, self.pending[split] = self.pending[split], []
        if not pending:
            return
        paths = self.decode([logits for _, logits in pending])
        keep = split == "test" and self.utterances_file is not None
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

    def _log(self, pl_module: pl.LightningModule, split: str) -> tuple[int, float]:
        """Log the split's PER (the best setting's); returns that setting's index and the PER."""
        self.score(split)
        # Updated on the CPU; moved to the module's device so that compute() can sync over NCCL too.
        values = []
        for metric in self.metrics[split]:
            values.append(metric.to(pl_module.device).compute())  # sums errors and phones over the ranks
            metric.reset()
        best = min(range(len(values)), key=lambda i: float(values[i]))
        pl_module.log(f"{split}/per", values[best])
        if len(self.grid) > 1:
            pl_module.log(f"{split}/per_lm_weight", float(self.settings[best][0]))
            pl_module.log(f"{split}/per_insertion_penalty", float(self.settings[best][1]))
        return best, float(values[best])

    def on_validation_epoch_end(self, trainer, pl_module) -> None:
        best, per = self._log(pl_module, "val")
        tuning = trainer.state.fn == "validate" and len(self.settings) > 1 and not trainer.sanity_checking
        if tuning and trainer.is_global_zero:
            write_decoder_choice(self.decoder_file, self.settings[best], per, self.settings)

    def on_validation_epoch_start(self, trainer, pl_module) -> None:
        self.pending["val"] = []  # a sanity check or an interrupted epoch leaves nothing behind

    def on_test_epoch_start(self, trainer, pl_module) -> None:
        self.kept, self.pending["test"] = [], []

    def on_test_epoch_end(self, trainer, pl_module) -> None:
        self._log(pl_module, "test")
        if self.utterances_file is None:
            return
        kept = self.kept
        if trainer.world_size > 1:  # each rank decoded its own utterances
            gathered = [None] * trainer.world_size
            torch.distributed.all_gather_object(gathered, kept)
            kept = [result for rank in gathered for result in rank]
        if trainer.is_global_zero:
            lm_weight, penalty = self.settings[0]
            write_utterance_results(self.utterances_file, kept, lm_weight, penalty)
        self.kept = []


def write_decoder_choice(path: Path, chosen: tuple[float, float], per: float, grid: list[tuple[float, float]]) -> None:
    """The (lm_weight, insertion_penalty) dev chose, with its dev PER and the grid it was chosen from."""
    record = {"lm_weight": chosen[0], "insertion_penalty": chosen[1], "dev_per": per, "grid": [list(g) for g in grid]}
    with atomic_file(path, mode="w") as f:
        json.dump(record, f, indent=2)


def read_decoder_choice(path: Path) -> dict:
    try:
        record = json.loads(path.read_text())
        return {"lm_weight": float(record["lm_weight"]), "insertion_penalty": float(record["insertion_penalty"])}
    except (OSError, ValueError, KeyError, TypeError) as err:
        raise ValueError(f"{path}: not a decoder choice written by `mimic validate` ({err})") from err
