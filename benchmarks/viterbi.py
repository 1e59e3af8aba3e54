"""Batched Viterbi against the one-utterance decoder, on a dev-set-sized batch, in one run on this machine.

TIMIT's dev set is 400 utterances of about 300 frames (61 phones x 3 states); the scorer decodes them in
batches of up to ``eval_max_frames`` (10,000) frames. Both decoders get the same scaled log-likelihoods;
the paths must be identical, and the ratio of their times is the speed-up.

    python benchmarks/viterbi.py [--utterances 400] [--settings 1] [--device cpu] [--rounds 1]

With ``--rounds R`` the two decoders alternate R times and each keeps its fastest round (on a shared
machine the slow rounds are the other tenants').
"""

import argparse
import time

import torch
from reference_viterbi import viterbi_decode

from mimic.metrics.batched_viterbi import pad_utterances, viterbi_decode_batch

PHONES = 61


def dev_sized(utterances: int, seed: int = 0):
    generator = torch.Generator().manual_seed(seed)
    lengths = torch.randint(150, 450, (utterances,), generator=generator)  # about 300 frames on average
    scores = (torch.randn(int(lengths.sum()), 3 * PHONES, generator=generator) * 3).log_softmax(-1)
    log_initial = torch.randn(PHONES, generator=generator).log_softmax(0)
    log_bigram = torch.randn(PHONES, PHONES, generator=generator).log_softmax(1)
    return scores, lengths, log_initial, log_bigram


def batches_of(lengths: torch.Tensor, max_frames: int) -> list[list[int]]:
    """Utterance indices grouped as the scorer's loader groups them."""
    groups, frames = [[]], 0
    for i, n in enumerate(lengths.tolist()):
        if groups[-1] and frames + n > max_frames:
            groups.append([])
            frames = 0
        groups[-1].append(i)
        frames += n
    return groups


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--utterances", type=int, default=400)
    parser.add_argument("--settings", type=int, default=1, help="LM weights swept (one pass for the batch)")
    parser.add_argument("--max-frames", type=int, default=10_000)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--rounds", type=int, default=1)
    args = parser.parse_args()
    scores, lengths, log_initial, log_bigram = dev_sized(args.utterances)
    settings = [(0.5 + 0.5 * i, 0.0) for i in range(args.settings)]
    per_utterance = scores.split(lengths.tolist())

    device = torch.device(args.device)
    first = lengths[:1]  # warm-up on one utterance: CUDA's context and kernels load before the timing
    viterbi_decode_batch(
        pad_utterances(scores[: int(first)], first).to(device), first, log_initial, log_bigram, settings
    )
    one_at_a_time = at_once = float("inf")
    for _ in range(args.rounds):
        started = time.perf_counter()
        reference = [[viterbi_decode(u, log_initial, log_bigram, w, p) for u in per_utterance] for w, p in settings]
        one_at_a_time = min(one_at_a_time, time.perf_counter() - started)
        started = time.perf_counter()
        padded = pad_utterances(scores, lengths).to(device)  # the scorer decodes a split's utterances at once
        batched = viterbi_decode_batch(padded, lengths, log_initial, log_bigram, settings)
        at_once = min(at_once, time.perf_counter() - started)

    same = batched == reference
    frames = int(lengths.sum())
    print(f"{args.utterances} utterances, {frames} frames, {len(settings)} LM setting(s), device {device}")
    print(f"one utterance at a time: {one_at_a_time:.2f} s; batched: {at_once:.2f} s")
    print(f"speed-up {one_at_a_time / at_once:.1f}x (target >= 20x); identical paths: {same}")
    if not same:
        raise SystemExit("mimic: error: the batched decoder found other paths")


if __name__ == "__main__":
    main()
