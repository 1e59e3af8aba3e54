import numpy as np
import pytest

from mimic.callbacks.utterance_results import UtteranceResult, write_utterance_results
from mimic.report.paired import UnpairedPredictions
from mimic.report.paired_per import bootstrap_per, read_utterances


def _kept(path, errors, phones=None, names=None):
    """An utterances.npz whose utterance i has ``errors[i]`` errors against ``phones[i]`` reference phones."""
    phones = phones or [10] * len(errors)
    names = names or [f"dr1/spk0/sx{i}" for i in range(len(errors))]
    results = [
        UtteranceResult(name, ["sil"] * n, ["sil"] * max(n - e, 0), e, np.arange(3))
        for name, e, n in zip(names, errors, phones, strict=True)
    ]
    write_utterance_results(path, results, lm_weight=1.0, insertion_penalty=0.0)
    return read_utterances(path)


def test_the_file_round_trips(tmp_path):
    kept = _kept(tmp_path / "a.npz", [1, 0, 3], [10, 5, 5])
    assert kept.names.tolist() == ["dr1/spk0/sx0", "dr1/spk0/sx1", "dr1/spk0/sx2"]
    assert kept.errors.tolist() == [1, 0, 3] and kept.phones.tolist() == [10, 5, 5]
    assert kept.per == pytest.approx(4 / 20)


def test_two_utterances_worked_by_hand(tmp_path):
    # A errs on the first utterance, B on the second: the draws are {1st twice, one of each, 2nd twice}
    # with probabilities 1/4, 1/2, 1/4, giving PER(B) - PER(A) = -0.1, 0, +0.1; measured 0, so p = 1.
    a = _kept(tmp_path / "a.npz", [1, 0])
    b = _kept(tmp_path / "b.npz", [0, 1])
    test = bootstrap_per(a, b)
    assert test.difference == 0 and test.p_value == 1.0
    assert (test.low, test.high) == pytest.approx((-0.1, 0.1))


def test_a_system_better_on_every_utterance(tmp_path):
    a = _kept(tmp_path / "a.npz", [1] * 30)
    b = _kept(tmp_path / "b.npz", [3] * 30)
    test = bootstrap_per(a, b, resamples=1000)
    assert test.difference == pytest.approx(0.2)
    assert test.low == pytest.approx(0.2) and test.high == pytest.approx(0.2)  # no draw can differ
    assert test.p_value == pytest.approx(2 / 1000)  # no draw flips: the bound R draws can show


def test_one_lucky_utterance_is_not_significant(tmp_path):
    # B's whole lead comes from one utterance of 30: a third of the draws leave it out.
    a = _kept(tmp_path / "a.npz", [5] + [2] * 29)
    b = _kept(tmp_path / "b.npz", [0] + [2] * 29)
    test = bootstrap_per(a, b)
    assert test.difference < 0 and test.low < 0 <= test.high
    assert test.p_value == pytest.approx(2 * (29 / 30) ** 30, abs=0.03)  # P(draw misses it) = 0.36


def test_unpaired_files_are_refused_naming_both(tmp_path):
    a = _kept(tmp_path / "a.npz", [1, 2])
    with pytest.raises(UnpairedPredictions, match=r"a.npz holds 2 utterances but .*b.npz 3"):
        bootstrap_per(a, _kept(tmp_path / "b.npz", [1, 2, 3]))
    with pytest.raises(UnpairedPredictions, match=r"a.npz and .*c.npz score different utterances"):
        bootstrap_per(a, _kept(tmp_path / "c.npz", [1, 2], names=["dr2/x/sx0", "dr2/x/sx1"]))
    with pytest.raises(UnpairedPredictions, match=r"a.npz and .*d.npz give 1 utterances different references"):
        bootstrap_per(a, _kept(tmp_path / "d.npz", [1, 2], phones=[10, 9]))


def test_a_missing_or_foreign_file_is_named(tmp_path):
    with pytest.raises(FileNotFoundError, match="missing.npz: no per-utterance results"):
        read_utterances(tmp_path / "missing.npz")
    np.savez(tmp_path / "other.npz", x=np.zeros(2))
    with pytest.raises(ValueError, match="other.npz: not a mimic utterances file"):
        read_utterances(tmp_path / "other.npz")
