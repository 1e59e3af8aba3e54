"""What a results table reports: its columns, the metric each student is compared on, and how."""

from dataclasses import dataclass, replace
from typing import Literal

Role = Literal["teacher", "baseline", "student"]


@dataclass(frozen=True)
class Column:
    """A table column: its header and the metric key it shows (``train/err`` = the last epoch's)."""

    header: str
    key: str


@dataclass(frozen=True)
class Scoring:
    """What a table reports, and how a difference is put in scale.

    Args:
        columns: the metric columns after the net's (architecture, parameters, hidden units).
        compared: ``(split, metric key, metric name)`` on which each student is compared with its baseline.
        unit: what the standard error counts ("test images", "reference phones").
        count: which split's size the standard error counts: ``"test"`` images, ``"val"`` images, or the
            ``"phones"`` of core test.
        validate: whether each stage is also scored on the validation split (``mimic validate``).
        curves: panels of the curves figure: (title, y label, [(metric key, line style)]).
        curve_roles: the roles whose curves are drawn.
        paired: how students are compared with their twins on the kept test results: ``"mcnemar"`` (the
            exact McNemar test on ``predictions.npz``: classification of a fixed test set), ``"bootstrap"``
            (PER: a paired bootstrap over the utterances of ``utterances.npz``) or ``None``.
        note: a sentence under the table.
    """

    columns: tuple[Column, ...]
    compared: tuple[tuple[str, str, str], ...]
    unit: str
    count: Literal["test", "val", "phones"] = "test"
    validate: bool = False
    curves: tuple[tuple[str, str, tuple[tuple[str, str], ...]], ...] = ()
    curve_roles: tuple[Role, ...] = ("teacher", "baseline", "student")
    paired: Literal["mcnemar", "bootstrap"] | None = None
    note: str = ""


ERROR_RATES = Scoring(
    columns=(
        Column("Test err.", "test/err"),
        Column("Train err.", "train/err"),
        Column("Agreement with teacher", "test/agreement"),
    ),
    compared=(("test", "test/err", "error"),),
    unit="test images",
    curves=(
        ("Shallow nets: trained on labels vs mimicking logits", "error (%)", (("val/err", "-"), ("train/err", ":"))),
    ),
    curve_roles=("baseline", "student"),
    paired="mcnemar",
    note="Train err.: the last training epoch's error (teachers with dropout on).",
)

# Validation scores too: they choose among tries (``mimic.report.choices``) and check that an ensemble
# beats its members.
VALIDATED_ERROR_RATES = replace(
    ERROR_RATES,
    columns=(Column("Val err.", "val/err"), *ERROR_RATES.columns),
    validate=True,
    curves=(
        (
            "Nets on labels and mimics (validation: solid; training: dotted)",
            "error (%)",
            (("val/err", "-"), ("train/err", ":")),
        ),
    ),
)

PHONE_ERROR_RATES = Scoring(
    columns=(
        Column("PER dev", "val/per"),
        Column("PER core test", "test/per"),
        Column("Frame err. core test", "test/err"),
        Column("Agreement with teacher", "test/agreement"),
    ),
    compared=(("dev", "val/per", "PER"), ("core test", "test/per", "PER")),
    unit="reference phones of core test",
    count="phones",
    validate=True,
    paired="bootstrap",
    curves=(
        ("Phone error rate on dev", "PER (%)", (("val/per", "-"),)),
        ("Frame error: train (dotted) and dev", "frame error (%)", (("train/err", ":"), ("val/err", "-"))),
    ),
    note="PER: phone error rate after Viterbi decoding with a bigram phone LM, 61 -> 39 folded, as in the paper.",
)
