"""Turning frame scores into phone sequences: greedy (argmax, collapse) and Viterbi through phone HMMs.

The Viterbi decoder is the hybrid recipe: frame posteriors divided by state priors give scaled
likelihoods; each phone is a 3-state left-to-right HMM; phone-to-phone transitions are scored by a bigram
language model estimated on the training transcriptions, times an LM weight, plus an insertion penalty.
"""

import torch
from torch import Tensor

from mimic.formats.timit_phones import PHONES, STATES_PER_PHONE
from mimic.metrics.batched_viterbi import pad_utterances, viterbi_decode_batch

NUM_PHONES = len(PHONES)


def collapse(sequence: list[int]) -> list[int]:
    """Drop consecutive repeats: [3, 3, 5, 5, 3] -> [3, 5, 3]."""
    return [s for i, s in enumerate(sequence) if i == 0 or s != sequence[i - 1]]


def greedy_decode(scores: Tensor) -> list[int]:
    """Phone indices of the frame-wise argmax, repeats collapsed. ``scores``: (T, 183)."""
    return collapse((scores.argmax(dim=-1) // STATES_PER_PHONE).tolist())


def viterbi_decode_utterances(
    utterances: list[Tensor],
    log_priors: Tensor,
    log_initial: Tensor,
    log_bigram: Tensor,
    settings: list[tuple[float, float]],
    paths_per_decode: int = 512,
) -> list[list[list[int]]]:
    """Phone indices of every utterance under every (LM weight, insertion penalty) setting,
    ``[setting][utterance]``.

    Args:
        utterances: (T_i, 183) logits of each utterance, on any device.
        log_priors: (183,) log state priors: posteriors minus priors are the scaled likelihoods.
        log_initial, log_bigram: (61,), (61, 61) the phone LM (``estimate_bigram``).
        paths_per_decode: utterances x settings decoded together; bounds the padded scores and
            backpointers (TIMIT's longest utterance, 780 frames: about 0.5 GB at 512).
    """
    decoded: list[list[list[int]]] = [[] for _ in settings]
    # longest first, in groups, so that padding and the per-group memory stay small
    order = sorted(range(len(utterances)), key=lambda i: -utterances[i].shape[0])
    per_decode = max(1, paths_per_decode // len(settings))
    for start in range(0, len(order), per_decode):
        group = order[start : start + per_decode]
        frames = torch.cat([utterances[i] for i in group])  # (F, 183)
        scaled = frames.float().log_softmax(dim=-1) - log_priors.to(frames.device)  # log p(x|s) + c
        lengths = torch.tensor([utterances[i].shape[0] for i in group])
        paths = viterbi_decode_batch(pad_utterances(scaled, lengths), lengths, log_initial, log_bigram, settings)
        for setting, found in enumerate(paths):
            decoded[setting].extend(found)
    # back to the order the utterances came in
    position = {utterance: rank for rank, utterance in enumerate(order)}
    return [[found[position[i]] for i in range(len(utterances))] for found in decoded]


def estimate_bigram(transcripts: list[list[int]], smoothing: float = 1.0) -> tuple[Tensor, Tensor]:
    """Add-``smoothing`` estimates from phone-index transcripts.

    Returns:
        log_initial (61,): log P(first phone); log_bigram (61, 61): log P(next | previous), rows sum to 1.
    """
    initial = torch.full((NUM_PHONES,), smoothing, dtype=torch.float64)
    counts = torch.full((NUM_PHONES, NUM_PHONES), smoothing, dtype=torch.float64)
    for phones in transcripts:
        if phones:
            initial[phones[0]] += 1
        for previous, current in zip(phones, phones[1:], strict=False):
            counts[previous, current] += 1
    log_initial = (initial / initial.sum()).log().float()
    log_bigram = (counts / counts.sum(dim=1, keepdim=True)).log().float()
    return log_initial, log_bigram
