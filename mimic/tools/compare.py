"""``mimic compare STUDENT --twin TWIN [--teacher TEACHER] [--against OTHER...]``: a student against the
same net trained on labels (and any other run), from the test results each run kept, outside any
experiment.

Each run is a stage folder (``runs/<experiment>/<stage>``) whose ``mimic test`` kept its results: images
are compared by the exact McNemar test on ``test/predictions.npz``, speech by the paired bootstrap of PER
over utterances on ``test/utterances.npz``. With ``--teacher``, the teacher's lead over the twin comes
first and the student's row gives the share of that gap it closes.
"""

from dataclasses import dataclass
from pathlib import Path

from mimic import atomic, errors
from mimic.report.paired import gap_closed, mcnemar, read_predictions
from mimic.report.paired_per import bootstrap_per, read_utterances
from mimic.run_folder import RunFolder


@dataclass(frozen=True)
class Line:
    net: str
    other: str
    relation: str
    error: float
    other_error: float
    p_value: float
    evidence: str
    closed: float | None = None


def kind_of(folder: Path) -> str:
    """``images`` or ``speech``: which test results the run kept."""
    run = RunFolder(folder)
    if run.utterances.is_file():
        return "speech"
    if run.predictions.is_file():
        return "images"
    raise FileNotFoundError(f"{folder}: no test/predictions.npz nor test/utterances.npz; run its `mimic test` first")


def compare(net: Path, other: Path, relation: str, teacher_error: float | None = None) -> Line:
    """``net`` against ``other`` (both stage folders of the same kind), by the paired test of their kind."""
    kinds = {kind_of(net), kind_of(other)}
    if len(kinds) != 1:
        raise ValueError(f"{net} and {other}: one kept image predictions, the other speech; they cannot be paired")
    if kinds == {"speech"}:
        mine, theirs = read_utterances(RunFolder(net).utterances), read_utterances(RunFolder(other).utterances)
        test = bootstrap_per(mine, theirs)
        evidence = f"[{100 * test.low:+.2f}, {100 * test.high:+.2f}]"
        errors_ = (mine.per, theirs.per, test.p_value)
    else:
        mine, theirs = read_predictions(RunFolder(net).predictions), read_predictions(RunFolder(other).predictions)
        test = mcnemar(mine, theirs)
        evidence = f"{test.only_a} / {test.only_b}"
        errors_ = (mine.error, theirs.error, test.p_value)
    closed = None if teacher_error is None else gap_closed(errors_[0], errors_[1], teacher_error)
    return Line(net.name, other.name, relation, *errors_, evidence, closed)


def table(lines: list[Line], speech: bool) -> str:
    metric, evidence = ("PER", "95% CI of Δ (points)") if speech else ("err.", "Right only: net / other")
    head = [
        f"| Net | Compared with | Its {metric} | Other's {metric} | Δ (points) | Gap to teacher closed "
        f"| {evidence} | p |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    rows = [
        f"| {x.net} | {x.other} ({x.relation}) | {100 * x.error:.2f}% | {100 * x.other_error:.2f}% | "
        f"{100 * (x.other_error - x.error):+.2f} | {'' if x.closed is None else f'{100 * x.closed:.0f}%'} | "
        f"{x.evidence} | {x.p_value:.2g} |"
        for x in lines
    ]
    test = "the paired bootstrap over utterances" if speech else "the exact McNemar test"
    note = f"\nΔ: how many points lower the net's error is than the other's; p: {test}, two-sided.\n"
    return "\n".join(head + rows) + "\n" + note


def run(student: Path, twin: Path, teacher: Path | None, against: list[Path], md: Path | None) -> str:
    lines = []
    teacher_error = None
    if teacher is not None:
        lead = compare(teacher, twin, "teacher's lead")
        teacher_error = lead.error if lead.p_value < 0.05 and lead.error < lead.other_error else None
        lines.append(lead)
    lines.append(compare(student, twin, "twin on labels", teacher_error))
    lines += [compare(student, other, "reference") for other in against]
    text = table(lines, kind_of(student) == "speech")
    if md is not None:
        atomic.write_text(md, text)
    return text


def main(args: list[str]) -> str:
    parser = errors.ToolParser(prog="mimic compare", description=__doc__)
    parser.add_argument("student", type=Path, help="the student's stage folder")
    parser.add_argument("--twin", type=Path, required=True, help="the same net trained on labels: its stage folder")
    parser.add_argument("--teacher", type=Path, help="the teacher's stage folder (for the gap the student closes)")
    parser.add_argument("--against", type=Path, nargs="*", default=[], help="further stage folders to compare with")
    parser.add_argument("--md", type=Path, help="also write the table to this Markdown file")
    parsed = parser.parse_args(args)
    text = errors.reported(run, parsed.student, parsed.twin, parsed.teacher, parsed.against, parsed.md)
    print(text)
    return text
