"""Viterbi decoding of many utterances and many LM settings in one pass, on the scores' device.

The recursion is ``decoding.viterbi_decode``'s (3-state left-to-right phone HMMs, bigram LM between
phones), with two batch dimensions folded into one: utterances padded to the longest, and the settings
of an LM-weight / insertion-penalty sweep. Each frame costs a fixed handful of tensor operations on a
(utterances x settings, phones, states) array instead of one Python loop per utterance and setting; the
utterances are sorted longest first, so those still running at a frame are a prefix and only they are
computed (an utterance's best last phone is taken when it ends). The comparisons and their tie-breaking
are the single-utterance decoder's, so both find the same paths (tested). The backtrace runs on the CPU
over all paths at once.
"""

import torch
from torch import Tensor

from mimic.formats.timit_phones import STATES_PER_PHONE


def pad_utterances(scores: Tensor, lengths: Tensor) -> Tensor:
    """(F, K) frames of consecutive utterances -> (B, T, K), padded with zeros to the longest (T)."""
    return torch.nn.utils.rnn.pad_sequence(list(scores.split(lengths.tolist())), batch_first=True)


def viterbi_decode_batch(
    log_likelihoods: Tensor,
    lengths: Tensor,
    log_initial: Tensor,
    log_bigram: Tensor,
    settings: list[tuple[float, float]],
) -> list[list[list[int]]]:
    """Best phone sequence of every utterance under every (LM weight, insertion penalty) setting.

    Args:
        log_likelihoods: (B, T, 3P) scaled log-likelihoods, utterances padded to T frames; target order
            ``3 * phone + state``.
        lengths: (B,) frames of each utterance, at least 1.
        log_initial: (P,) log P(first phone).
        log_bigram: (P, P) log P(next | previous).
        settings: (lm_weight, insertion_penalty) pairs, decoded together.

    Returns:
        ``paths[g][b]``: the phone indices of utterance b under setting g.
    """
    device = log_likelihoods.device
    batch, frames, targets = log_likelihoods.shape
    num_phones, groups = log_initial.shape[0], len(settings)
    if targets != STATES_PER_PHONE * num_phones:
        raise ValueError(f"{targets} scores per frame for {num_phones} phones of {STATES_PER_PHONE} states")
    # Paths ordered utterance-major, longest utterance first (path = rank * G + setting): the paths still
    # running at frame t are then a prefix, and frame t computes only that prefix.
    order = lengths.argsort(descending=True, stable=True)
    lengths_sorted = lengths[order].tolist()
    weights = torch.tensor([w for w, _ in settings], device=device)  # (G,)
    penalties = torch.tensor([p for _, p in settings], device=device)  # (G,)
    # Same arithmetic as the one-utterance decoder (weight * log P, then + penalty), so equal scores tie alike;
    # stored (next, previous) so that the max over previous phones reduces the contiguous dimension.
    transition = weights[:, None, None] * log_bigram.float().to(device) + penalties[:, None, None]  # (G, P, P)
    transition = transition.transpose(1, 2).contiguous()  # (G, P_next, P_prev), shared by the utterances
    scores = log_likelihoods.float()[order.to(device)].view(batch, frames, num_phones, STATES_PER_PHONE)
    scores = scores.repeat_interleave(groups, dim=0).transpose(0, 1).contiguous()  # (T, N, P, S), N = B * G
    paths = batch * groups

    delta = torch.full((paths, num_phones, STATES_PER_PHONE), float("-inf"), device=device)
    delta[:, :, 0] = (weights[:, None] * log_initial.float().to(device)).repeat(batch, 1)
    delta += scores[0]
    spare = torch.empty_like(delta)  # frame t's scores are written here, then the two swap
    last_phone = torch.zeros(paths, dtype=torch.long, device=device)  # best final phone of each path
    advanced = torch.zeros(frames, paths, num_phones, STATES_PER_PHONE - 1, dtype=torch.bool, device=device)
    entered = torch.zeros(frames, paths, num_phones, dtype=torch.bool, device=device)
    from_phone = torch.zeros(frames, paths, num_phones, dtype=torch.int16, device=device)
    running = paths
    for t in range(1, frames + 1):
        ended = running
        while running and lengths_sorted[running // groups - 1] <= t:
            running -= groups
        if running < ended:  # these utterances' last frame was t - 1: their best last phone is final
            last_phone[running:ended] = delta[running:ended, :, -1].argmax(dim=1)
        if not running:
            break
        d, new = delta[:running], spare[:running]  # (n, P, S)
        last = d[:, :, -1].view(running // groups, groups, 1, num_phones)  # (n / G, G, 1, P_prev)
        entry, source = (last + transition).max(dim=3)  # (n / G, G, P_next): the best previous phone's score
        entry, source = entry.view(running, num_phones), source.view(running, num_phones)
        # Strict comparisons, as in the one-utterance decoder: on a tie the path stays where it is.
        advanced[t, :running] = d[:, :, :-1] > d[:, :, 1:]
        entered[t, :running] = entry > d[:, :, 0]
        from_phone[t, :running] = source
        # The maxima equal the decoder's where(better, moved, stayed) in value, ties included.
        torch.maximum(entry, d[:, :, 0], out=new[:, :, 0])
        torch.maximum(d[:, :, :-1], d[:, :, 1:], out=new[:, :, 1:])
        new += scores[t, :running]
        delta, spare = spare, delta
    last_phone = last_phone.cpu()  # (N,)
    lengths_paths = torch.tensor(lengths_sorted).repeat_interleave(groups)
    left = _backtrace(advanced.cpu(), entered.cpu(), from_phone.cpu(), last_phone, lengths_paths)
    sequences = [[*left[i], int(last_phone[i])] for i in range(paths)]
    # back to the caller's order: decoded[g][b]
    decoded: list[list[list[int]]] = [[[] for _ in range(batch)] for _ in range(groups)]
    for rank, utterance in enumerate(order.tolist()):
        for g in range(groups):
            decoded[g][utterance] = sequences[rank * groups + g]
    return decoded


def _backtrace(
    advanced: Tensor, entered: Tensor, from_phone: Tensor, last_phone: Tensor, lengths: Tensor
) -> list[list[int]]:
    """Phones each best path left, in time order (its last phone not included), all paths at once.

    advanced: (T, N, P, S-1) bool, the path reached state s+1 from s; entered: (T, N, P) bool, it entered
    the phone's first state from ``from_phone`` (T, N, P); last_phone, lengths: (N,).
    """
    frames, paths = entered.shape[0], entered.shape[1]
    rows = torch.arange(paths)
    phone, state = last_phone.clone(), torch.full((paths,), STATES_PER_PHONE - 1)
    left = torch.full((frames, paths), -1, dtype=torch.long)  # phone left at frame t, or -1
    for t in range(frames - 1, 0, -1):
        running = t < lengths
        in_first = state == 0
        came_in = running & in_first & entered[t, rows, phone]
        moved_up = running & ~in_first & advanced[t, rows, phone, (state - 1).clamp(min=0)]
        previous = from_phone[t, rows, phone].long()
        state = torch.where(moved_up, state - 1, state)
        state = torch.where(came_in, STATES_PER_PHONE - 1, state)
        phone = torch.where(came_in, previous, phone)
        left[t] = torch.where(came_in, previous, -1)
    return [[p for p in row if p >= 0] for row in left.T.tolist()]
