"""Phone error rate: (substitutions + deletions + insertions) / reference phones, after 61 -> 39 folding."""

import torch
from torchmetrics import Metric

from mimic.formats.timit_phones import fold_sequence


def edit_distance(reference: list, hypothesis: list) -> int:
    """Levenshtein distance: the fewest substitutions, deletions and insertions turning one into the other."""
    previous = list(range(len(hypothesis) + 1))
    for i, ref in enumerate(reference, 1):
        current = [i]
        for j, hyp in enumerate(hypothesis, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ref != hyp)))
        previous = current
    return previous[-1]


def align(reference: list, hypothesis: list) -> list[tuple[str, object, object]]:
    """One alignment of least edit distance, as ``(kind, reference item, hypothesis item)`` steps in order:
    ``correct`` and ``substitution`` pair two items, ``deletion`` has no hypothesis item (``None``),
    ``insertion`` no reference item. Its substitutions, deletions and insertions add up to
    ``edit_distance``; among equally short alignments it prefers a match, then a substitution."""
    rows, columns = len(reference) + 1, len(hypothesis) + 1
    cost = [[0] * columns for _ in range(rows)]  # cost[i][j]: reference[:i] -> hypothesis[:j]
    for i in range(rows):
        cost[i][0] = i
    for j in range(columns):
        cost[0][j] = j
    for i in range(1, rows):
        for j in range(1, columns):
            diagonal = cost[i - 1][j - 1] + (reference[i - 1] != hypothesis[j - 1])
            cost[i][j] = min(diagonal, cost[i - 1][j] + 1, cost[i][j - 1] + 1)
    steps = []
    i, j = len(reference), len(hypothesis)
    while i or j:
        if i and j and cost[i][j] == cost[i - 1][j - 1] + (reference[i - 1] != hypothesis[j - 1]):
            kind = "correct" if reference[i - 1] == hypothesis[j - 1] else "substitution"
            steps.append((kind, reference[i - 1], hypothesis[j - 1]))
            i, j = i - 1, j - 1
        elif i and cost[i][j] == cost[i - 1][j] + 1:
            steps.append(("deletion", reference[i - 1], None))
            i -= 1
        else:
            steps.append(("insertion", None, hypothesis[j - 1]))
            j -= 1
    return steps[::-1]


def score_utterance(hypothesis: list[int], reference: list[int]) -> tuple[list[str], list[str], int]:
    """61-phone index sequences -> (folded reference, folded hypothesis, edit distance between them)."""
    folded_reference, folded_hypothesis = fold_sequence(reference), fold_sequence(hypothesis)
    return folded_reference, folded_hypothesis, edit_distance(folded_reference, folded_hypothesis)


class PhoneErrorRate(Metric):
    """Corpus-level PER over whole utterances; its two sums are reduced across DDP ranks.

    ``update`` takes an utterance's errors and reference phones from ``score_utterance``, which folds
    61-phone sequences to 39 classes (``q`` deleted, repeats collapsed) before aligning them.
    """

    full_state_update = False
    higher_is_better = False

    def __init__(self) -> None:
        super().__init__()
        self.add_state("errors", default=torch.tensor(0, dtype=torch.long), dist_reduce_fx="sum")
        self.add_state("reference_phones", default=torch.tensor(0, dtype=torch.long), dist_reduce_fx="sum")

    def update(self, errors: int, reference_phones: int) -> None:
        """The counts of one utterance scored by ``score_utterance``."""
        self.errors += errors
        self.reference_phones += reference_phones

    def compute(self) -> torch.Tensor:
        return self.errors.float() / self.reference_phones.clamp(min=1).float()
