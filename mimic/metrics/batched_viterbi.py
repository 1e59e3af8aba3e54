"""Viterbi decoding of many utterances and many LM settings in one pass, on the scores' device.

The recursion is that of the one-utterance decoder ``benchmarks/reference_viterbi.py`` (3-state left-to-
right phone HMMs, bigram LM between phones), with two batch dimensions folded into one: utterances padded
to the longest, and the settings of an LM-weight / insertion-penalty sweep. Each frame costs a fixed
handful of tensor operations on a (utterances x settings, phones, states) array instead of one Python loop
per utterance and setting; the utterances are sorted longest first, so those still running at a frame are
a prefix and only they are computed (an utterance's best last phone is taken when it ends). The forward
pass keeps scores only; the backtrace, on the CPU over all paths at once, finds the phone a path entered
from by the same argmax over the stored exit scores (P sums a frame and path instead of P x P). The
comparisons and their tie-breaking are the single-utterance decoder's, so both find the same paths
(tested).
"""

from contextlib import contextmanager

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
    # (T, B, P, S), utterances longest first, frame-major so that a frame's scores are contiguous: one copy;
    # the G settings of an utterance share its scores (broadcast, not repeated)
    scores = log_likelihoods.float().transpose(0, 1)[:, order.to(device)]
    scores = scores.view(frames, batch, 1, num_phones, STATES_PER_PHONE)
    paths = batch * groups

    entries = _Entries(transition, groups, paths)

    delta = torch.full((paths, num_phones, STATES_PER_PHONE), float("-inf"), device=device)
    delta[:, :, 0] = (weights[:, None] * log_initial.float().to(device)).repeat(batch, 1)
    delta.view(batch, groups, num_phones, STATES_PER_PHONE).add_(scores[0])
    spare = torch.empty_like(delta)  # frame t's scores are written here, then the two swap
    last_phone = torch.zeros(paths, dtype=torch.long, device=device)  # best final phone of each path
    advanced = torch.zeros(frames, paths, num_phones, STATES_PER_PHONE - 1, dtype=torch.bool, device=device)
    entered = torch.zeros(frames, paths, num_phones, dtype=torch.bool, device=device)
    # each phone's exit score before frame t: the backtrace finds the phone a path came from with them
    exits = torch.empty(frames, paths, num_phones, device=device)  # (T, N, P); rows past a path's end unused
    # On a CPU, one thread: a frame is a few small operations, and between them a pool's threads fall
    # asleep; waking them at each operation cost more than they saved here (the dev-sized benchmark: two
    # threads 0.33 s or 0.68 s a decode, one thread 0.40 s; docs/results/benchmarks/viterbi_*cpu.log).
    with _threads(1 if device.type == "cpu" else None):
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
            exits[t, :running] = d[:, :, -1]
            entry = entries.best(d[:, :, -1])  # (n, P_next): the best previous phone's score
            # Strict comparisons, as in the one-utterance decoder: on a tie the path stays where it is.
            advanced[t, :running] = d[:, :, :-1] > d[:, :, 1:]
            entered[t, :running] = entry > d[:, :, 0]
            # The maxima equal the decoder's where(better, moved, stayed) in value, ties included.
            torch.maximum(entry, d[:, :, 0], out=new[:, :, 0])
            torch.maximum(d[:, :, :-1], d[:, :, 1:], out=new[:, :, 1:])
            new.view(running // groups, groups, num_phones, STATES_PER_PHONE).add_(scores[t, : running // groups])
            delta, spare = spare, delta
    last_phone = last_phone.cpu()  # (N,)
    lengths_paths = torch.tensor(lengths_sorted).repeat_interleave(groups)
    transition_of_path = transition.repeat(batch, 1, 1)  # (N, P_next, P_prev): path rank * G + g has setting g
    left = _backtrace(advanced.cpu(), entered.cpu(), exits.cpu(), transition_of_path.cpu(), last_phone, lengths_paths)
    sequences = [[*left[i], int(last_phone[i])] for i in range(paths)]
    # back to the caller's order: decoded[g][b]
    decoded: list[list[list[int]]] = [[[] for _ in range(batch)] for _ in range(groups)]
    for rank, utterance in enumerate(order.tolist()):
        for g in range(groups):
            decoded[g][utterance] = sequences[rank * groups + g]
    return decoded


@contextmanager
def _threads(count: int | None):
    """torch's intra-op threads set to ``count`` (``None``: left alone) for the block, then restored."""
    before = torch.get_num_threads()
    if count is not None:
        torch.set_num_threads(count)
    try:
        yield
    finally:
        torch.set_num_threads(before)


class _Entries:
    """The best score with which each phone can be entered from any phone's last state, per path:
    ``max_prev (exit[prev] + transition[next, prev])``, (n, P) -> (n, P_next), the values only (the
    backtrace finds the phone a path came from). A decoding spends most of its time here (P x P sums a
    frame and path). The sums are laid out previous-phone first, (P_prev, n, P_next): the maximum then
    runs over P_prev slabs of contiguous n x P_next values, which vectorises, where a maximum over the
    innermost 61 values of (n, P_next, P_prev) does not. The values are the same additions' either way.
    """

    def __init__(self, transition: Tensor, groups: int, paths: int) -> None:
        num_phones = transition.shape[1]
        self.groups = groups
        self.by_previous = transition.permute(2, 0, 1).contiguous()[:, None]  # (P_prev, 1, G, P_next)
        self.sums = torch.empty(num_phones, paths // groups, groups, num_phones, device=transition.device)

    def best(self, exits: Tensor) -> Tensor:
        n, num_phones = exits.shape  # the running paths (a prefix), (n, P_prev)
        by_previous = exits.T.reshape(num_phones, n // self.groups, self.groups, 1)  # (P_prev, n / G, G, 1)
        sums = self.sums[:, : n // self.groups]
        torch.add(by_previous, self.by_previous, out=sums)  # (P_prev, n / G, G, P_next)
        return sums.amax(dim=0).view(n, num_phones)


def _backtrace(
    advanced: Tensor, entered: Tensor, exits: Tensor, transition: Tensor, last_phone: Tensor, lengths: Tensor
) -> list[list[int]]:
    """Phones each best path left, in time order (its last phone not included), all paths at once.

    advanced: (T, N, P, S-1) bool, the path reached state s+1 from s; entered: (T, N, P) bool, it entered
    the phone's first state at frame t, from the phone whose exit (T, N, P) plus transition (N, P_next,
    P_prev) was largest (the first such phone, as the one-utterance decoder's argmax); last_phone,
    lengths: (N,).
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
        previous = (exits[t] + transition[rows, phone]).argmax(dim=1)  # (N,) where came_in: its previous phone
        state = torch.where(moved_up, state - 1, state)
        state = torch.where(came_in, STATES_PER_PHONE - 1, state)
        phone = torch.where(came_in, previous, phone)
        left[t] = torch.where(came_in, previous, -1)
    return [[p for p in row if p >= 0] for row in left.T.tolist()]
