import json
from types import SimpleNamespace

import numpy as np
import pytest
import torch

from benchmarks.reference_viterbi import viterbi_decode
from mimic.callbacks.phone_error_rate import PhoneErrorRateScorer
from mimic.data.base import PhoneScoringData
from mimic.metrics.decoding import estimate_bigram
from mimic.metrics.phone_error_rate import score_utterance


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

    def utterance_name(self, split: str, utterance: int) -> str:
        return f"dr1/fake0/sx{utterance}"


def _trainer(reference: list[int], run_dir: str = "runs/x/stage/validate", fn: str = "validate", **more):
    """What the scorer reads of a trainer: its data, its run's folder (``RunFolder``) and what it runs."""
    state = SimpleNamespace(fn=fn)
    return SimpleNamespace(datamodule=_OneUtterance(reference), default_root_dir=run_dir, state=state, **more)


def test_a_datamodule_without_the_scoring_interface_is_refused():
    with pytest.raises(ValueError, match="needs a DataModule implementing .*PhoneScoringData.*not SimpleNamespace"):
        PhoneErrorRateScorer().setup(SimpleNamespace(datamodule=SimpleNamespace(), default_root_dir="."), None, "fit")


def test_sweep_picks_the_best_setting_and_says_which():
    reference = [60, 5, 27, 60]  # h#, k, m, h# (61-phone indices)
    trainer = _trainer(reference)
    logits = torch.full((12, 183), -5.0)
    for t, phone in enumerate([60, 60, 60, 5, 5, 5, 27, 27, 27, 60, 60, 60]):
        logits[t, 3 * phone + t % 3] = 5.0
    batch = {"lengths": torch.tensor([12]), "utterance": torch.tensor([0])}
    scorer = PhoneErrorRateScorer(lm_weight=[0.5, 1.0], insertion_penalty=[-50.0, 0.0])
    scorer.setup(trainer, None, "validate")
    scorer.collect(logits, batch, "val")
    module = _Module()
    scorer._log(module, "val")
    assert module.logged["val/per"] == 0.0  # clear evidence decodes exactly once the penalty is sane
    assert module.logged["val/per_insertion_penalty"] == 0.0  # -50 per phone forces too few phones
    greedy = PhoneErrorRateScorer(decoder="greedy")
    greedy.setup(trainer, None, "validate")
    greedy.collect(logits, batch, "val")
    module = _Module()
    greedy._log(module, "val")
    assert module.logged == {"val/per": 0.0}


def test_fit_decodes_the_first_setting_unless_told_to_tune():
    grid = {"lm_weight": [0.5, 1.0], "insertion_penalty": [-50.0, 0.0]}
    cheap, tuned = PhoneErrorRateScorer(**grid), PhoneErrorRateScorer(**grid, tune_during_fit=True)
    for scorer in (cheap, tuned):
        scorer.setup(_trainer([60], fn="fit"), None, "fit")
    assert cheap.settings == [(0.5, -50.0)]
    assert tuned.settings == [(0.5, -50.0), (0.5, 0.0), (1.0, -50.0), (1.0, 0.0)]


def test_a_test_run_decodes_with_one_setting_only():
    with pytest.raises(ValueError, match="one setting, the one chosen on dev; got 2"):
        PhoneErrorRateScorer(lm_weight=[0.5, 1.0]).setup(_trainer([60]), None, "test")


def test_a_test_run_keeps_every_utterance_result(tmp_path):
    reference = [60, 5, 27, 60]  # h#, k, m, h#: folded "sil k m sil"
    frames = [60, 60, 5, 5, 5, 60]  # the m is missed: one deletion
    logits = torch.full((12, 183), -5.0)
    for t, phone in enumerate(frames + frames):
        logits[t, 3 * phone + t % 3] = 5.0
    batch = {"lengths": torch.tensor([6, 6]), "utterance": torch.tensor([1, 0])}
    trainer = _trainer(reference, str(tmp_path / "stage" / "test"), "test", world_size=1, is_global_zero=True)
    scorer = PhoneErrorRateScorer(decoder="greedy")
    scorer.setup(trainer, None, "test")
    scorer.on_test_epoch_start(trainer, None)
    scorer.collect(logits, batch, "test")
    module = _Module()
    scorer.on_test_epoch_end(trainer, module)
    assert module.logged["test/per"] == pytest.approx(2 / 8)
    with np.load(tmp_path / "stage" / "test" / "utterances.npz", allow_pickle=False) as kept:
        assert kept["utterance"].tolist() == ["dr1/fake0/sx0", "dr1/fake0/sx1"]  # sorted by name
        assert kept["reference"].tolist() == ["sil k m sil"] * 2
        assert kept["hypothesis"].tolist() == ["sil k sil"] * 2
        assert kept["errors"].tolist() == [1, 1] and kept["phones"].tolist() == [4, 4]
        assert kept["frame_offsets"].tolist() == [0, 6, 12]
        assert (kept["frame_argmax"][:6] // 3).tolist() == frames


def test_an_epoch_decoded_at_once_scores_as_each_utterance_alone():
    # utterances of two validation batches, decoded together at the epoch's end under a sweep, score
    # exactly what the one-utterance decoder gives for each utterance and setting
    reference = [60, 5, 27, 60, 14, 60]
    trainer = _trainer(reference)
    generator = torch.Generator().manual_seed(0)
    lengths = [[30, 7], [55, 1, 12]]
    batches = [torch.randn(sum(n), 183, generator=generator) * 4 for n in lengths]
    grid = [(0.5, 0.0), (0.5, -1.0), (2.0, 0.0), (2.0, -1.0)]  # the scorer's order: weights x penalties
    scorer = PhoneErrorRateScorer(lm_weight=[0.5, 2.0], insertion_penalty=[0.0, -1.0])
    scorer.PATHS_PER_DECODE = 8  # two utterances per decode: several groups, as a large dev set has
    scorer.setup(trainer, None, "validate")
    scorer.on_validation_epoch_start(None, None)
    first = 0
    for n, logits in zip(lengths, batches, strict=True):
        scorer.collect(logits, {"lengths": torch.tensor(n), "utterance": torch.arange(first, first + len(n))}, "val")
        first += len(n)
    module = _Module()
    scorer._log(module, "val")

    log_initial, log_bigram = estimate_bigram([reference])
    priors = trainer.datamodule.log_state_priors()
    utterances = [u for n, logits in zip(lengths, batches, strict=True) for u in logits.split(n)]
    errors = []
    for weight, penalty in grid:
        alone = [
            viterbi_decode(u.log_softmax(-1) - priors, log_initial, log_bigram, weight, penalty) for u in utterances
        ]
        errors.append(sum(score_utterance(path, reference)[2] for path in alone))
    phones = len(utterances) * len(score_utterance(reference, reference)[0])
    best = errors.index(min(errors))  # the first best setting, as the scorer picks
    assert module.logged["val/per"] == pytest.approx(errors[best] / phones)
    assert (module.logged["val/per_lm_weight"], module.logged["val/per_insertion_penalty"]) == grid[best]


def _clear_logits(phones: list[int]) -> torch.Tensor:
    logits = torch.full((3 * len(phones), 183), -5.0)
    for t, phone in enumerate(p for p in phones for _ in range(3)):
        logits[t, 3 * phone + t % 3] = 5.0
    return logits


def test_validate_chooses_the_setting_on_dev_and_test_decodes_with_it(tmp_path):
    reference = [60, 5, 27, 60]
    trainer = _trainer(
        reference, str(tmp_path / "validate"), "validate", sanity_checking=False, is_global_zero=True, world_size=1
    )
    choice = tmp_path / "decoder.json"  # the stage's folder: the validate run's parent
    scorer = PhoneErrorRateScorer(lm_weight=[0.5, 1.0], insertion_penalty=[-50.0, 0.0])
    scorer.setup(trainer, None, "fit")
    assert scorer.settings == [(0.5, -50.0)]  # fit's validation: the first setting only
    scorer.setup(trainer, None, "validate")
    assert len(scorer.settings) == 4
    logits = _clear_logits(reference)
    scorer.collect(logits, {"lengths": torch.tensor([12]), "utterance": torch.tensor([0])}, "val")
    scorer.on_validation_epoch_end(trainer, _Module())
    written = json.loads(choice.read_text())
    assert (written["lm_weight"], written["insertion_penalty"], written["dev_per"]) == (0.5, 0.0, 0.0)
    assert len(written["grid"]) == 4

    scorer.setup(trainer, None, "test")
    assert scorer.settings == [(0.5, 0.0)]
    scorer.on_test_epoch_start(trainer, None)
    scorer.collect(logits, {"lengths": torch.tensor([12]), "utterance": torch.tensor([0])}, "test")
    module = _Module()
    scorer.on_test_epoch_end(trainer, module)
    assert module.logged == {"test/per": 0.0, "test/per_lm_weight": 0.5, "test/per_insertion_penalty": 0.0}


def test_a_test_run_without_the_dev_choice_says_to_validate_first(tmp_path):
    scorer = PhoneErrorRateScorer(lm_weight=[0.5, 1.0], decoder_file=tmp_path / "decoder.json")
    with pytest.raises(
        ValueError, match=r"run `mimic validate` with the same config first \(it writes .*decoder.json\)"
    ):
        scorer.setup(_trainer([60]), None, "test")
    (tmp_path / "decoder.json").write_text("{not json")
    with pytest.raises(ValueError, match=r"decoder.json: not a decoder choice written by `mimic validate`"):
        scorer.setup(_trainer([60]), None, "test")
