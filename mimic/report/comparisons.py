"""Each teacher against the label-trained twins of its students, and each student against its twin and
references, from the two runs' kept test results: the difference, the share of the twin-to-teacher gap closed,
and a paired test:

- ``mcnemar`` (images): the exact McNemar test on the kept ``predictions.npz`` (same test samples);
- ``bootstrap`` (speech): the paired bootstrap of PER over utterances on the kept ``utterances.npz``.
"""

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from mimic import atomic
from mimic.report.format import csv_text, percent
from mimic.report.paired import gap_closed, mcnemar
from mimic.report.paired_per import bootstrap_per
from mimic.report.rows import Row

PairedTest = Literal["mcnemar", "bootstrap"]


@dataclass(frozen=True)
class Comparison:
    """A student against another stage, from the two runs' kept test results."""

    student: str  # the student (or, for a teacher's lead, the teacher)
    other: str
    relation: str  # "twin on labels", "reference" or "teacher's lead" (a teacher against a student's twin)
    student_error: float  # error rate or PER
    other_error: float
    p_value: float  # two-sided
    gap_closed: float | None  # share of the twin-to-teacher gap the student closes (twins only)
    evidence: str  # the table cell behind p: "right only: 367 / 257" counts or a 95% interval
    details: dict[str, float] = field(default_factory=dict)  # the same as numbers, for the CSV

    @property
    def points(self) -> float:
        """How many points lower the student's error is (negative: higher)."""
        return 100 * (self.other_error - self.student_error)


@dataclass(frozen=True)
class _Test:
    student_error: float
    other_error: float
    p_value: float
    evidence: str
    details: dict[str, float]


def _mcnemar(student: Row, other: Row) -> _Test:
    mine, theirs = student.kept_predictions(), other.kept_predictions()
    test = mcnemar(mine, theirs)
    details = {"only_student": test.only_a, "only_other": test.only_b}
    return _Test(mine.error, theirs.error, test.p_value, f"{test.only_a} / {test.only_b}", details)


def _bootstrap(student: Row, other: Row) -> _Test:
    mine, theirs = student.kept_utterances(), other.kept_utterances()
    test = bootstrap_per(mine, theirs)  # PER(other) - PER(student): positive where the student is better
    evidence = f"[{100 * test.low:+.2f}, {100 * test.high:+.2f}]"
    return _Test(mine.per, theirs.per, test.p_value, evidence, {"ci_low": test.low, "ci_high": test.high})


TESTS = {"mcnemar": _mcnemar, "bootstrap": _bootstrap}
EVIDENCE_HEADER = {"mcnemar": "Right only: net / other", "bootstrap": "95% CI of Δ (points)"}
P_HEADER = {"mcnemar": "McNemar p", "bootstrap": "Bootstrap p"}


def teacher_leads(teacher: Row, twin: Row, paired_test: PairedTest, level: float = 0.05) -> bool:
    """Whether the teacher is better than the twin on labels by the paired test at ``level``."""
    test = TESTS[paired_test](teacher, twin)
    return test.student_error < test.other_error and test.p_value < level


def paired_comparisons(rows: list[Row], paired_test: PairedTest = "mcnemar") -> list[Comparison]:
    """Each teacher against the label-trained twins of its students (the gap there is to close), then
    every student against its twin (with the share of that gap it closes) and its other references."""
    by_stage = {r.stage: r for r in rows}
    run_test = TESTS[paired_test]
    comparisons = []
    leads = dict.fromkeys(
        (s.teacher, s.twin) for s in rows if s.role == "student" and s.teacher in by_stage and s.twin in by_stage
    )
    for teacher, twin in leads:
        test = run_test(by_stage[teacher], by_stage[twin])
        comparisons.append(
            Comparison(
                by_stage[teacher].model,
                by_stage[twin].model,
                "teacher's lead",
                test.student_error,
                test.other_error,
                test.p_value,
                None,
                test.evidence,
                test.details,
            )
        )
    for student in (r for r in rows if r.role == "student"):
        others = [(student.twin, "twin on labels")] if student.twin in by_stage else []
        others += [(stage, "reference") for stage in student.against if stage in by_stage]
        teacher = by_stage.get(student.teacher) if student.teacher else None
        for stage, relation in others:
            other = by_stage[stage]
            test = run_test(student, other)
            closed = None
            # a share of a gap only where there is one: the teacher significantly better than the twin
            if relation == "twin on labels" and teacher is not None and teacher_leads(teacher, other, paired_test):
                teacher_error = run_test(teacher, other).student_error
                closed = gap_closed(test.student_error, test.other_error, teacher_error)
            comparisons.append(
                Comparison(
                    student.model,
                    other.model,
                    relation,
                    test.student_error,
                    test.other_error,
                    test.p_value,
                    closed,
                    test.evidence,
                    test.details,
                )
            )
    return comparisons


def comparison_table(comparisons: list[Comparison], paired_test: PairedTest = "mcnemar") -> list[str]:
    headers = (
        "Net",
        "Compared with",
        "Its err." if paired_test == "mcnemar" else "Its PER",
        "Other's err." if paired_test == "mcnemar" else "Other's PER",
        "Δ (points)",
        "Gap to teacher closed",
        EVIDENCE_HEADER[paired_test],
        P_HEADER[paired_test],
    )
    lines = ["| " + " | ".join(headers) + " |", "|---|---|" + "---:|" * (len(headers) - 2)]
    for c in comparisons:
        closed = "" if c.gap_closed is None else f"{100 * c.gap_closed:.0f}%"
        lines.append(
            f"| {c.student} | {c.other} ({c.relation}) | {percent(c.student_error)} | {percent(c.other_error)} "
            f"| {c.points:+.2f} | {closed} | {c.evidence} | {_p(c.p_value)} |"
        )
    return lines


def _p(value: float) -> str:
    if value < 1e-300:  # below what a float holds: the exact tail underflowed
        return "< 1e-300"
    return f"{value:.2g}" if value >= 1e-4 else f"{value:.1e}"


def write_comparisons_csv(comparisons: list[Comparison], path: Path) -> None:
    extra = sorted({key for c in comparisons for key in c.details})
    header = ["student", "other", "relation", "student_err", "other_err", *extra, "p", "gap_closed"]
    table = [
        [c.student, c.other, c.relation, c.student_error, c.other_error]
        + [c.details.get(key, "") for key in extra]
        + [c.p_value, "" if c.gap_closed is None else c.gap_closed]
        for c in comparisons
    ]
    atomic.write_text(path, csv_text(header, table))
