from types import SimpleNamespace

import pytest
import torch

from mimic.callbacks.phone_error_rate import PhoneErrorRateScorer
from mimic.data.base import PhoneScoringData
from mimic.metrics.decoding import estimate_bigram


class _Module:
    device = torch.device("cpu")

    def __init__(self) -> None:
        self.logged = {}

    def log(self, name, value) -> None:
        self.logged[name] = float(value)


class _OneUtterance(PhoneScoringData):
    """A scoring DataModule stand-in whose every utterance has ``reference`` as its phones."""

    def __init__(self, reference: list[int]) -> None:
        self.reference = reference

    def log_state_priors(self) -> torch.Tensor:
        return torch.full((183,), -torch.log(torch.tensor(183.0)))

    def bigram(self) -> tuple[torch.Tensor, torch.Tensor]:
        return estimate_bigram([self.reference])

    def reference_phones(self, split: str, utterance: int) -> list[int]:
        return self.reference


def _trainer(reference: list[int]):
    return SimpleNamespace(datamodule=_OneUtterance(reference))


def test_a_datamodule_without_the_scoring_interface_is_refused():
    with pytest.raises(ValueError, match="needs a DataModule implementing .*PhoneScoringData.*not SimpleNamespace"):
        PhoneErrorRateScorer().setup(SimpleNamespace(datamodule=SimpleNamespace()), None, "validate")


def test_sweep_picks_the_best_setting_and_says_which():
    reference = [60, 5, 27, 60]  # h#, k, iy, h# (61-phone indices)
    trainer = _trainer(reference)
    logits = torch.full((12, 183), -5.0)
    for t, phone in enumerate([60, 60, 60, 5, 5, 5, 27, 27, 27, 60, 60, 60]):
        logits[t, 3 * phone + t % 3] = 5.0
    batch = {"lengths": torch.tensor([12]), "utterance": torch.tensor([0])}
    scorer = PhoneErrorRateScorer(lm_weight=[0.5, 1.0], insertion_penalty=[-50.0, 0.0])
    scorer.setup(trainer, None, "validate")
    scorer.score(logits, batch, "val")
    module = _Module()
    scorer._log(module, "val")
    assert module.logged["val/per"] == 0.0  # clear evidence decodes exactly once the penalty is sane
    assert module.logged["val/per_insertion_penalty"] == 0.0  # -50 per phone forces too few phones
    greedy = PhoneErrorRateScorer(decoder="greedy")
    greedy.setup(trainer, None, "validate")
    greedy.score(logits, batch, "val")
    module = _Module()
    greedy._log(module, "val")
    assert module.logged == {"val/per": 0.0}
