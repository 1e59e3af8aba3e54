import pytest
import torch

from benchmarks.reference_viterbi import viterbi_decode
from mimic.metrics.batched_viterbi import pad_utterances, viterbi_decode_batch


def _fixture(seed: int, lengths: list[int], phones: int):
    generator = torch.Generator().manual_seed(seed)
    scores = torch.randn(sum(lengths), 3 * phones, generator=generator) * 3  # (F, 3P)
    log_initial = torch.randn(phones, generator=generator).log_softmax(0)
    log_bigram = torch.randn(phones, phones, generator=generator).log_softmax(1)
    return scores, torch.tensor(lengths), log_initial, log_bigram


@pytest.mark.parametrize(
    ("seed", "lengths", "phones"),
    [(0, [7], 2), (1, [1, 5, 12, 3], 3), (2, [40, 1, 33, 2, 17], 5), (3, [120, 95, 300], 61), (4, [2, 2], 61)],
)
def test_same_paths_as_the_one_utterance_decoder(seed, lengths, phones):
    scores, lengths_t, log_initial, log_bigram = _fixture(seed, lengths, phones)
    settings = [(1.0, 0.0), (0.5, -2.0), (2.0, 1.5)]
    paths = viterbi_decode_batch(pad_utterances(scores, lengths_t), lengths_t, log_initial, log_bigram, settings)
    assert len(paths) == len(settings) and all(len(p) == len(lengths) for p in paths)
    for g, (weight, penalty) in enumerate(settings):
        for b, utterance in enumerate(scores.split(lengths)):
            assert paths[g][b] == viterbi_decode(utterance, log_initial, log_bigram, weight, penalty)


@pytest.mark.parametrize("phones", [2, 7])
def test_ties_break_as_the_one_utterance_decoder(phones):
    # flat scores tie everywhere: both decoders must take the same side of every comparison, and enter a
    # phone from the same one of the equally good previous phones
    lengths = torch.tensor([6, 4, 9])
    scores = torch.zeros(19, 3 * phones)
    flat = torch.zeros(phones).log_softmax(0), torch.zeros(phones, phones).log_softmax(1)
    settings = [(1.0, 0.0), (0.5, -1.0)]
    paths = viterbi_decode_batch(pad_utterances(scores, lengths), lengths, *flat, settings)
    for g, (weight, penalty) in enumerate(settings):
        assert paths[g] == [viterbi_decode(u, *flat, weight, penalty) for u in scores.split([6, 4, 9])]


def test_follows_clear_evidence_whatever_the_padding():
    evidence = [(0, 0), (0, 1), (0, 2), (1, 0), (1, 1), (1, 2), (0, 0), (0, 1), (0, 2)]
    clear = torch.full((9, 6), -10.0)
    for t, (p, s) in enumerate(evidence):
        clear[t, 3 * p + s] = 0.0
    short = clear[3:6]  # phone 1 alone
    lengths = torch.tensor([9, 3])
    flat = torch.zeros(2).log_softmax(0), torch.zeros(2, 2).log_softmax(1)
    padded = pad_utterances(torch.cat([clear, short]), lengths)
    assert viterbi_decode_batch(padded, lengths, *flat, [(1.0, 0.0)]) == [[[0, 1, 0], [1]]]


def test_refuses_scores_that_are_not_three_states_per_phone():
    with pytest.raises(ValueError, match="5 scores per frame for 2 phones"):
        viterbi_decode_batch(torch.zeros(1, 3, 5), torch.tensor([3]), torch.zeros(2), torch.zeros(2, 2), [(1.0, 0.0)])
