"""Each student against its twin and references, from the two runs' kept test predictions: the
difference, the share of the twin-to-teacher gap closed, and the exact McNemar test."""

from dataclasses import dataclass
from pathlib import Path

from mimic import atomic
from mimic.experiments.paired import Predictions, gap_closed, mcnemar
from mimic.experiments.rows import Row
from mimic.experiments.tables import csv_text, percent


@dataclass(frozen=True)
class Comparison:
    """A student against another stage, from the two runs' kept test predictions."""

    student: str
    other: str
    relation: str  # "twin on labels" or "reference"
    student_error: float
    other_error: float
    only_student: int  # test samples the student gets right and the other wrong
    only_other: int
    p_value: float  # exact McNemar, two-sided
    gap_closed: float | None  # share of the twin-to-teacher gap the student closes (twins only)

    @property
    def points(self) -> float:
        """How many points lower the student's error is (negative: higher)."""
        return 100 * (self.other_error - self.student_error)


def teacher_leads(teacher: Predictions, twin: Predictions, level: float = 0.05) -> bool:
    """Whether the teacher is better than the twin on labels by the exact McNemar test at ``level``."""
    test = mcnemar(teacher, twin)
    return test.only_a > test.only_b and test.p_value < level


def paired_comparisons(rows: list[Row]) -> list[Comparison]:
    """Every student against its twin (with the gap to its teacher) and its other references."""
    by_stage = {r.stage: r for r in rows}
    comparisons = []
    for student in (r for r in rows if r.role == "student"):
        others = [(student.twin, "twin on labels")] if student.twin in by_stage else []
        others += [(stage, "reference") for stage in student.against if stage in by_stage]
        if not others:
            continue
        mine = student.kept_predictions()
        teacher = by_stage[student.teacher].kept_predictions() if student.teacher in by_stage else None
        for stage, relation in others:
            theirs = by_stage[stage].kept_predictions()
            test = mcnemar(mine, theirs)
            closed = None
            # a share of a gap only where there is one: the teacher significantly better than the twin
            if relation == "twin on labels" and teacher is not None and teacher_leads(teacher, theirs):
                closed = gap_closed(mine.error, theirs.error, teacher.error)
            comparisons.append(
                Comparison(
                    by_stage[student.stage].model,
                    by_stage[stage].model,
                    relation,
                    mine.error,
                    theirs.error,
                    test.only_a,
                    test.only_b,
                    test.p_value,
                    closed,
                )
            )
    return comparisons


COMPARISON_HEADERS = (
    "Student",
    "Compared with",
    "Student err.",
    "Its err.",
    "Δ (points)",
    "Gap to teacher closed",
    "Right only: student / it",
    "McNemar p",
)


def comparison_table(comparisons: list[Comparison]) -> list[str]:
    lines = ["| " + " | ".join(COMPARISON_HEADERS) + " |", "|---|---|" + "---:|" * (len(COMPARISON_HEADERS) - 2)]
    for c in comparisons:
        closed = "" if c.gap_closed is None else f"{100 * c.gap_closed:.0f}%"
        lines.append(
            f"| {c.student} | {c.other} ({c.relation}) | {percent(c.student_error)} | {percent(c.other_error)} "
            f"| {c.points:+.2f} | {closed} | {c.only_student} / {c.only_other} | {_p(c.p_value)} |"
        )
    return lines


def _p(value: float) -> str:
    if value < 1e-300:  # below what a float holds: the exact tail underflowed
        return "< 1e-300"
    return f"{value:.2g}" if value >= 1e-4 else f"{value:.1e}"


def write_comparisons_csv(comparisons: list[Comparison], path: Path) -> None:
    header = ["student", "other", "relation", "student_err", "other_err", "only_student", "only_other", "p"]
    table = [
        [c.student, c.other, c.relation, c.student_error, c.other_error, c.only_student, c.only_other, c.p_value]
        + ["" if c.gap_closed is None else c.gap_closed]
        for c in comparisons
    ]
    atomic.write_text(path, csv_text([*header, "gap_closed"], table))
