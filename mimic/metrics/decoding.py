"""Turning frame scores into phone sequences: greedy (argmax, collapse) and Viterbi through phone HMMs.

The Viterbi decoder is the hybrid recipe: frame posteriors divided by state priors give scaled
likelihoods; each phone is a 3-state left-to-right HMM; phone-to-phone transitions are scored by a bigram
language model estimated on the training transcriptions, times an LM weight, plus an insertion penalty.
"""

import torch
from torch import Tensor

from mimic.formats.timit_phones import PHONES, STATES_PER_PHONE

NUM_PHONES = len(PHONES)


def collapse(sequence: list[int]) -> list[int]:
    """Drop consecutive repeats: [3, 3, 5, 5, 3] -> [3, 5, 3]."""
    return [s for i, s in enumerate(sequence) if i == 0 or s != sequence[i - 1]]


def greedy_decode(scores: Tensor) -> list[int]:
    """Phone indices of the frame-wise argmax, repeats collapsed. ``scores``: (T, 183)."""
    return collapse((scores.argmax(dim=-1) // STATES_PER_PHONE).tolist())


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
