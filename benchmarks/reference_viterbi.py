"""The one-utterance Viterbi decoder: the plain statement of what ``mimic.metrics.batched_viterbi``
computes for many utterances and settings at once. The tests check the batched decoder against it and
``benchmarks/viterbi.py`` measures the batched one's speed-up over it; the product decodes with the batched one.
"""

import torch
from torch import Tensor

from mimic.formats.timit_phones import STATES_PER_PHONE


def viterbi_decode(
    log_likelihoods: Tensor,
    log_initial: Tensor,
    log_bigram: Tensor,
    lm_weight: float = 1.0,
    insertion_penalty: float = 0.0,
) -> list[int]:
    """Best phone sequence through 3-state left-to-right phone HMMs under a bigram LM.

    Within a phone a state may repeat or advance (both free: the frame scores decide durations); from
    the last state of phone q to the first of phone p costs ``lm_weight * log P(p | q) + insertion_penalty``.
    Paths start in the first state of a phone (``lm_weight * log P(first)``) and end in a last state.

    Args:
        log_likelihoods: (T, 3P) scaled log-likelihoods (log posterior - log prior), P = 61 phones for
            TIMIT, target order ``3 * phone + state``.
        log_initial: (P,) log P(first phone).
        log_bigram: (P, P) log P(next | previous).
        lm_weight: scale of the LM scores against the acoustic ones.
        insertion_penalty: added per phone transition (negative values favour fewer phones).

    Returns:
        Phone indices, one per phone segment of the best path.
    """
    frames, num_phones = log_likelihoods.shape[0], log_initial.shape[0]  # 61 for TIMIT; fewer in tests
    scores = log_likelihoods.float().view(frames, num_phones, STATES_PER_PHONE)  # (T, P, S)
    transition = lm_weight * log_bigram.float().to(scores.device) + insertion_penalty  # (P_prev, P_next)
    delta = torch.full((num_phones, STATES_PER_PHONE), float("-inf"), device=scores.device)
    delta[:, 0] = lm_weight * log_initial.float().to(scores.device)
    delta = delta + scores[0]
    # For each frame and state: did the best path enter it from elsewhere (1 = previous state in the
    # phone, 2 = another phone's last state; 0 = stayed)? And for entries into state 0, from which phone?
    moves = torch.zeros(frames, num_phones, STATES_PER_PHONE, dtype=torch.uint8, device=scores.device)
    from_phone = torch.zeros(frames, num_phones, dtype=torch.long, device=scores.device)
    for t in range(1, frames):
        entry, source = (delta[:, -1:] + transition).max(dim=0)  # best previous phone for each next phone
        new = delta.clone()
        advance = delta[:, :-1] > delta[:, 1:]  # (P, S-1): advancing beats staying
        new[:, 1:] = torch.where(advance, delta[:, :-1], delta[:, 1:])
        moves[t, :, 1:] = advance.to(torch.uint8)
        enter = entry > delta[:, 0]
        new[:, 0] = torch.where(enter, entry, delta[:, 0])
        moves[t, :, 0] = 2 * enter.to(torch.uint8)
        from_phone[t] = source
        delta = new + scores[t]
    phone = int(delta[:, -1].argmax())
    state = STATES_PER_PHONE - 1
    phones = [phone]
    for t in range(frames - 1, 0, -1):
        move = int(moves[t, phone, state])
        if move == 1:
            state -= 1
        elif move == 2:
            phone, state = int(from_phone[t, phone]), STATES_PER_PHONE - 1
            phones.append(phone)
    return phones[::-1]
