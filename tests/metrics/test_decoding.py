import itertools

import pytest
import torch

from benchmarks.reference_viterbi import viterbi_decode
from mimic.formats.timit_phones import PHONES
from mimic.metrics.decoding import collapse, estimate_bigram, greedy_decode
from mimic.metrics.phone_error_rate import PhoneErrorRate, edit_distance, score_utterance


def _brute_force(loglik, log_initial, log_bigram, lm_weight, penalty):
    """Best path over every state sequence allowed by 3-state left-to-right phone HMMs."""
    frames, phones = loglik.shape[0], log_initial.shape[0]
    states = [(p, s) for p in range(phones) for s in range(3)]
    best, best_phones = float("-inf"), None
    for path in itertools.product(states, repeat=frames):
        if path[0][1] != 0 or path[-1][1] != 2:
            continue
        score = lm_weight * log_initial[path[0][0]].item() + loglik[0, 3 * path[0][0]].item()
        sequence, ok = [path[0][0]], True
        for (p, s), (q, r) in zip(path, path[1:], strict=False):
            if q == p and r in (s, s + 1):
                step = 0.0
            elif s == 2 and r == 0:
                step = lm_weight * log_bigram[p, q].item() + penalty
                sequence.append(q)
            else:
                ok = False
                break
            score += step  # emissions are added below
        if not ok:
            continue
        score += sum(loglik[t, 3 * p + s].item() for t, (p, s) in enumerate(path[1:], 1))
        if score > best:
            best, best_phones = score, sequence
    return best_phones


@pytest.mark.parametrize("seed", range(6))
def test_viterbi_matches_brute_force(seed):
    torch.manual_seed(seed)
    frames, phones = 6, 2
    loglik = torch.randn(frames, 3 * phones) * 2
    log_initial = torch.randn(phones).log_softmax(0)
    log_bigram = torch.randn(phones, phones).log_softmax(1)
    lm_weight, penalty = 0.7, -0.3
    expected = _brute_force(loglik, log_initial, log_bigram, lm_weight, penalty)
    assert viterbi_decode(loglik, log_initial, log_bigram, lm_weight, penalty) == expected


def test_viterbi_follows_clear_evidence():
    # 9 frames: phone 0 for frames 0-2, phone 1 for 3-5, phone 0 again for 6-8, each through its 3 states
    loglik = torch.full((9, 6), -10.0)
    for t, (p, s) in enumerate([(0, 0), (0, 1), (0, 2), (1, 0), (1, 1), (1, 2), (0, 0), (0, 1), (0, 2)]):
        loglik[t, 3 * p + s] = 0.0
    flat = torch.zeros(2).log_softmax(0), torch.zeros(2, 2).log_softmax(1)
    assert viterbi_decode(loglik, *flat) == [0, 1, 0]


def test_greedy_and_collapse():
    assert collapse([3, 3, 5, 5, 3]) == [3, 5, 3]
    scores = torch.full((4, 183), -1.0)
    for t, target in enumerate([0, 1, 5, 3]):
        scores[t, target] = 1.0
    assert greedy_decode(scores) == [0, 1]


def test_bigram_estimates():
    log_initial, log_bigram = estimate_bigram([[0, 1, 1], [0, 2]], smoothing=0.0 + 1e-9)
    assert log_initial[0].exp().item() == pytest.approx(1.0, abs=1e-6)
    assert log_bigram[0, 1].exp().item() == pytest.approx(0.5, abs=1e-6)
    assert torch.allclose(log_bigram.exp().sum(1), torch.ones(61))


def _naive_distance(a, b):
    if not a or not b:
        return len(a) + len(b)
    return min(
        _naive_distance(a[1:], b) + 1, _naive_distance(a, b[1:]) + 1, _naive_distance(a[1:], b[1:]) + (a[0] != b[0])
    )


def test_edit_distance_against_plain_recursion():
    torch.manual_seed(0)
    for _ in range(30):
        a = torch.randint(0, 3, (int(torch.randint(0, 6, ())),)).tolist()
        b = torch.randint(0, 3, (int(torch.randint(0, 6, ())),)).tolist()
        assert edit_distance(a, b) == _naive_distance(a, b)


def test_per_folds_before_scoring():
    index = {p: i for i, p in enumerate(PHONES)}
    reference = [index[p] for p in ["h#", "iy", "ao", "q", "h#"]]  # -> sil iy aa sil
    hypothesis = [index[p] for p in ["pau", "ix", "aa", "h#"]]  # -> sil ih aa sil: one substitution
    folded_reference, folded_hypothesis, errors = score_utterance(hypothesis, reference)
    assert (folded_reference, folded_hypothesis, errors) == (["sil", "iy", "aa", "sil"], ["sil", "ih", "aa", "sil"], 1)
    per = PhoneErrorRate()
    per.update(errors, len(folded_reference))
    per.update(0, 4)  # a second, perfect utterance: the rate is over all phones
    assert per.compute().item() == pytest.approx(1 / 8)


@pytest.mark.parametrize("seed", range(30))
def test_an_alignment_costs_the_edit_distance_and_spells_both_strings(seed):
    from mimic.metrics.phone_error_rate import align

    rng = torch.Generator().manual_seed(seed)
    reference = torch.randint(0, 4, (int(torch.randint(0, 9, (1,), generator=rng)),), generator=rng).tolist()
    hypothesis = torch.randint(0, 4, (int(torch.randint(0, 9, (1,), generator=rng)),), generator=rng).tolist()
    steps = align(reference, hypothesis)
    errors = sum(kind != "correct" for kind, _, _ in steps)
    assert errors == edit_distance(reference, hypothesis)
    assert [r for _, r, _ in steps if r is not None] == reference
    assert [h for _, _, h in steps if h is not None] == hypothesis
    for kind, r, h in steps:
        assert (kind == "correct") == (r is not None and r == h)


def test_alignment_by_hand():
    from mimic.metrics.phone_error_rate import align

    assert align(list("abcd"), list("axd")) == [
        ("correct", "a", "a"),
        ("deletion", "b", None),
        ("substitution", "c", "x"),
        ("correct", "d", "d"),
    ]  # as short as b -> x with c deleted: the backtrace, from the end, takes the substitution first
    assert align([], ["a"]) == [("insertion", None, "a")]
