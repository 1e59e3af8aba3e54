"""Why a speech net decodes as it does: the measures of ``mimic diagnose``, as functions of dev logits.

- frame accuracy, top-1 and top-k, over the 183 tri-state targets;
- the true state's negative log-likelihood after one temperature per net is fitted on the same frames
  (calibration aside: how much probability the net puts on the truth, which the decoder consumes);
- a mimic's squared error against its teacher split into the per-frame offset (what a softmax ignores),
  the teacher's top-k states (the competing ones) and the rest (the states the teacher rules out);
- phone-level errors (substitutions, deletions, insertions) by phone class, from alignments of the
  folded (39-phone) reference and hypothesis.
"""

import math
from collections.abc import Iterable
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import Tensor

from mimic.formats.timit_phones import PHONE_GROUPS, fold
from mimic.metrics.phone_error_rate import align

# The folded phones' classes: each 61-set group names the phones it holds after folding; the closures
# and pauses fold to "sil", which is its own class.
PHONE_CLASS = {
    folded: ("silence" if folded == "sil" else name)
    for name, group in PHONE_GROUPS.items()
    for phone in group.split()
    if (folded := fold(phone)) is not None
}
PHONE_CLASSES = tuple(dict.fromkeys(PHONE_CLASS.values()))  # in group order, silence where it first comes


def top_k_accuracy(logits: Tensor, targets: Tensor, k: int) -> float:
    """Share of frames whose target is among the k highest logits. ``logits`` (F, C), ``targets`` (F,)."""
    top = logits.topk(k, dim=-1).indices  # (F, k)
    return float((top == targets[:, None]).any(dim=-1).float().mean())


def mean_nll(logits: Tensor, targets: Tensor, temperature: float = 1.0) -> float:
    """Mean negative log-likelihood (nats) of the targets under softmax(logits / T)."""
    return float(F.cross_entropy(logits.float() / temperature, targets))


def fit_temperature(logits: Tensor, targets: Tensor, low: float = 0.05, high: float = 50.0) -> tuple[float, float]:
    """The temperature T in [low, high] of least mean NLL, and that NLL: a golden-section search on log T
    (the NLL of a softmax is convex in 1/T, so one minimum)."""
    ratio = (math.sqrt(5) - 1) / 2
    a, b = math.log(low), math.log(high)
    c, d = b - ratio * (b - a), a + ratio * (b - a)
    nll_c, nll_d = mean_nll(logits, targets, math.exp(c)), mean_nll(logits, targets, math.exp(d))
    while b - a > 1e-3:
        if nll_c < nll_d:
            b, d, nll_d = d, c, nll_c
            c = b - ratio * (b - a)
            nll_c = mean_nll(logits, targets, math.exp(c))
        else:
            a, c, nll_c = c, d, nll_d
            d = a + ratio * (b - a)
            nll_d = mean_nll(logits, targets, math.exp(d))
    temperature = math.exp((a + b) / 2)
    return temperature, mean_nll(logits, targets, temperature)


@dataclass(frozen=True)
class SquaredErrorSplit:
    """A student's mean squared logit error per frame, ``sum_c (s_c - z_c)^2``, in three parts that add
    up to it: ``C * mean_c(d)^2`` (the frame's offset), the centred error on the teacher's top-k states,
    and on the others."""

    offset: float
    top: float
    rest: float
    top_k: int

    @property
    def total(self) -> float:
        return self.offset + self.top + self.rest


def squared_error_split(student: Tensor, teacher: Tensor, top_k: int = 10) -> SquaredErrorSplit:
    """``student``, ``teacher``: (F, C) logits of the same frames."""
    difference = student.double() - teacher.double()  # (F, C)
    mean = difference.mean(dim=-1, keepdim=True)  # (F, 1)
    centred = (difference - mean).pow(2)  # (F, C)
    on_top = torch.zeros_like(centred, dtype=torch.bool).scatter_(1, teacher.topk(top_k, dim=-1).indices, True)
    frames = difference.shape[0]
    return SquaredErrorSplit(
        offset=float(difference.shape[1] * mean.pow(2).sum() / frames),
        top=float(centred[on_top].sum() / frames),
        rest=float(centred[~on_top].sum() / frames),
        top_k=top_k,
    )


@dataclass
class PhoneClassErrors:
    """Counts of one phone class over a split: its reference phones, and the errors charged to it
    (substitutions and deletions of its reference phones, insertions of its phones)."""

    reference: int = 0
    substitutions: int = 0
    deletions: int = 0
    insertions: int = 0

    def rate(self, kind: str) -> float:
        """Errors of ``kind`` per reference phone of the class."""
        return getattr(self, kind) / self.reference if self.reference else float("nan")

    def rates(self) -> str:
        """``sub / del / ins`` per reference phone, as percentages (a dash where the class has none)."""
        if not self.reference:
            return "-"
        return " / ".join(f"{self.rate(kind):.1%}" for kind in ("substitutions", "deletions", "insertions"))


def phone_errors_by_class(pairs: Iterable[tuple[list[str], list[str]]]) -> dict[str, PhoneClassErrors]:
    """(folded reference, folded hypothesis) of each utterance -> the errors of each phone class."""
    counts = {name: PhoneClassErrors() for name in PHONE_CLASSES}
    for reference, hypothesis in pairs:
        for kind, ref, hyp in align(reference, hypothesis):
            if ref is not None:
                counts[PHONE_CLASS[ref]].reference += 1
            if kind == "substitution":
                counts[PHONE_CLASS[ref]].substitutions += 1
            elif kind == "deletion":
                counts[PHONE_CLASS[ref]].deletions += 1
            elif kind == "insertion":
                counts[PHONE_CLASS[hyp]].insertions += 1
    return counts


def all_classes(counts: dict[str, PhoneClassErrors]) -> PhoneClassErrors:
    """The classes' counts added up: the split's reference phones and each kind of error."""
    total = PhoneClassErrors()
    for c in counts.values():
        total.reference += c.reference
        total.substitutions += c.substitutions
        total.deletions += c.deletions
        total.insertions += c.insertions
    return total
