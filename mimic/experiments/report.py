"""One report writer for every experiment: the paper's table layout in Markdown and CSV, each student
compared with the same net trained on labels, curves by epoch, and (``--wandb``) a W&B table.

Error-rate tables (images) and phone-error-rate tables (speech) differ only in their ``Scoring``: the
columns, the metric compared and what its standard error counts.
"""

import csv
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mimic import atomic
from mimic.experiments.experiment import Experiment, Stage
from mimic.experiments.paired import gap_closed, mcnemar, read_predictions

NET_HEADERS = ("Model", "Architecture", "# Param.", "# Hidden units")
LAST_TRAIN_ERR = "train/err"  # filled from the run's metrics.csv: the last training epoch's error


@dataclass
class Row:
    """One stage's results: what its net is, and its scores by metric key (``test/err``, ``val/per`` ...)."""

    stage: str
    model: str
    role: str  # teacher, baseline or student
    arch: str
    params: int
    hidden_units: int
    scores: dict[str, float]
    count: int  # test images or reference phones behind the compared metric: its standard error
    minutes: float
    run_dir: Path
    twin: str | None = None  # the stage of the same net trained on labels (students)
    teacher: str | None = None  # the stage of the teacher it mimics (students)
    against: tuple[str, ...] = ()  # further stages it is compared with

    @property
    def predictions(self) -> Path:
        """The predictions its ``mimic test`` kept."""
        return self.run_dir / "test" / "predictions.npz"

    @classmethod
    def of(cls, stage: Stage, summary: dict[str, Any], scores: dict[str, float], **rest: Any) -> "Row":
        """A row from a stage, its net's ``net_summary()`` and its scores (the last train/err added)."""
        scores = dict(scores)
        curve = epoch_curve(Path(rest["run_dir"]) / "metrics.csv", LAST_TRAIN_ERR)
        if curve and stage.trained:
            scores[LAST_TRAIN_ERR] = curve[-1][1]
        return cls(
            stage=stage.name,
            model=stage.model,
            role=stage.role,
            arch=summary["net/arch"],
            params=summary["net/params"],
            hidden_units=summary["net/hidden_units"],
            scores=scores,
            twin=stage.twin,
            teacher=stage.teacher,
            against=stage.against,
            **rest,
        )


def epoch_curve(metrics_csv: Path, key: str) -> list[tuple[int, float]]:
    """(epoch, value) pairs of one metric in a CSVLogger file."""
    if not metrics_csv.is_file():
        return []
    with metrics_csv.open() as f:
        return [(int(r["epoch"]), float(r[key])) for r in csv.DictReader(f) if r.get(key)]


def _pct(value: float | None) -> str:
    return "" if value is None else f"{100 * value:.2f}%"


def effect_sentence(experiment: Experiment, rows: list[Row]) -> str:
    """The paper's claim, measured: each student against its twin, the same net trained on labels."""
    scoring = experiment.scoring
    by_stage = {r.stage: r for r in rows}
    lines = []
    for student in (r for r in rows if r.role == "student"):
        baseline = by_stage.get(student.twin) if student.twin else None
        if baseline is None:
            continue
        for split, key, name in scoring.compared:
            ours, theirs = student.scores[key], baseline.scores[key]
            gap = 100 * (theirs - ours)
            verdict = "lower" if gap > 0 else "higher" if gap < 0 else "equal"
            lines.append(
                f"{student.model} on {split}: {name} {_pct(ours)}, {abs(gap):.2f} points {verdict} than the same net "
                f"({baseline.arch}) trained on labels ({_pct(theirs)})."
            )
    if not lines:
        return "No student has a label-trained twin to compare with."
    # For scale: the binomial standard error of one rate measured on this many items.
    _, key, name = scoring.compared[-1]
    reference = next(by_stage[r.twin] for r in rows if r.twin in by_stage)
    p, n = reference.scores[key], max(reference.count, 1)
    lines.append(
        f"(For scale: one standard error of a single {name} here is {100 * (p * (1 - p) / n) ** 0.5:.2f} points, "
        f"{n:,} {scoring.unit}.)"
    )
    return "\n".join(f"- {line}" for line in lines)


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


def paired_comparisons(rows: list[Row]) -> list[Comparison]:
    """Every student against its twin (with the gap to its teacher) and its other references."""
    by_stage = {r.stage: r for r in rows}
    comparisons = []
    for student in (r for r in rows if r.role == "student"):
        others = [(student.twin, "twin on labels")] if student.twin in by_stage else []
        others += [(stage, "reference") for stage in student.against if stage in by_stage]
        if not others:
            continue
        mine = read_predictions(student.predictions)
        teacher = read_predictions(by_stage[student.teacher].predictions) if student.teacher in by_stage else None
        for stage, relation in others:
            theirs = read_predictions(by_stage[stage].predictions)
            test = mcnemar(mine, theirs)
            closed = None
            if relation == "twin on labels" and teacher is not None:
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
            f"| {c.student} | {c.other} ({c.relation}) | {_pct(c.student_error)} | {_pct(c.other_error)} "
            f"| {c.points:+.2f} | {closed} | {c.only_student} / {c.only_other} | {_p(c.p_value)} |"
        )
    return lines


def _p(value: float) -> str:
    if value < 1e-300:  # below what a float holds: the exact tail underflowed
        return "< 1e-300"
    return f"{value:.2g}" if value >= 1e-4 else f"{value:.1e}"


def csv_text(header: list[str], rows: list[list[Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()


def write_comparisons_csv(comparisons: list[Comparison], path: Path) -> None:
    header = ["student", "other", "relation", "student_err", "other_err", "only_student", "only_other", "p"]
    table = [
        [c.student, c.other, c.relation, c.student_error, c.other_error, c.only_student, c.only_other, c.p_value]
        + ["" if c.gap_closed is None else c.gap_closed]
        for c in comparisons
    ]
    atomic.write_text(path, csv_text([*header, "gap_closed"], table))


def write_report(experiment: Experiment, rows: list[Row], minutes: float, quick: bool = False, wandb: bool = False):
    """Write ``results.md``, ``results.csv`` and ``curves.png`` into the experiment's runs folder."""
    out_dir = experiment.runs
    out_dir.mkdir(parents=True, exist_ok=True)
    columns = experiment.scoring.columns
    header = ["stage", "role", "model", "arch", "params", "hidden_units", *(c.key for c in columns)]
    table = [
        [r.stage, r.role, r.model, r.arch, r.params, r.hidden_units, *(r.scores.get(c.key, "") for c in columns)]
        for r in rows
    ]
    atomic.write_text(out_dir / "results.csv", csv_text(header, table))
    headers = [*NET_HEADERS, *(c.header for c in columns)]
    lines = [
        f"# {experiment.title}",
        "",
        "| " + " | ".join(headers) + " |",
        "|---|---|" + "---:|" * (len(headers) - 2),
    ]
    for r in rows:
        metrics = " | ".join(_pct(r.scores.get(c.key)) for c in columns)
        lines.append(f"| {r.model} | {r.arch} | {r.params:,} | {r.hidden_units:,} | {metrics} |")
    lines += ["", experiment.scoring.note, ""]
    comparisons = paired_comparisons(rows) if experiment.scoring.paired else []
    if experiment.scoring.paired:
        write_comparisons_csv(comparisons, out_dir / "comparisons.csv")
        lines += [
            "Each student against its twin (the same net trained on labels) and its references, from the test",
            "predictions each run kept (`<stage>/test/predictions.npz`): the exact McNemar test counts the test",
            "images only one of the two gets right; the gap closed is (twin - student) / (twin - teacher).",
            "",
            *comparison_table(comparisons),
            "",
        ]
    lines += [effect_sentence(experiment, rows), ""]
    if experiment.figures is not None:
        lines += [*experiment.figures(rows, out_dir), ""]
    lines.append(f"All stages took {minutes:.1f} minutes.")
    if quick:
        lines += ["", "**Quick smoke run** (`--quick`): tiny data and one short epoch, so these figures mean nothing."]
    lines += ["", "![curves by epoch](curves.png)", ""]
    path = out_dir / "results.md"
    atomic.write_text(path, "\n".join(lines))
    plot_curves(experiment, rows, out_dir / "curves.png")
    if wandb:
        log_wandb_table(experiment, rows, comparisons, out_dir)
    if experiment.published is not None and not quick:
        publish(out_dir, experiment.published)
    return path


def publish(out_dir: Path, published: Path) -> None:
    """Copy the report's Markdown, CSV and PNG files to ``published`` (the README shows them from there)."""
    for source in sorted(out_dir.iterdir()):
        if source.suffix in (".md", ".csv", ".png"):
            atomic.write_with(published / source.name, lambda f, source=source: f.write(source.read_bytes()))


def plot_curves(experiment: Experiment, rows: list[Row], path: Path) -> None:
    """One panel per entry of ``scoring.curves``: each trained non-teacher stage's metric by epoch."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    panels = experiment.scoring.curves
    fig, axes = plt.subplots(1, len(panels), figsize=(6.5 * len(panels), 4.3), squeeze=False)
    colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for ax, (title, ylabel, keys) in zip(axes[0], panels, strict=True):
        drawn = [row for row in rows if row.role in experiment.scoring.curve_roles]
        for row, color in zip(drawn, colors * 3, strict=False):
            for key, style in keys:
                curve = epoch_curve(row.run_dir / "metrics.csv", key)
                if curve:
                    epochs, values = zip(*curve, strict=True)
                    ax.plot(epochs, [100 * v for v in values], style, color=color, label=f"{row.model}: {key}")
        ax.set(xlabel="epoch", ylabel=ylabel, title=title)
        if ax.get_legend_handles_labels()[0]:  # runs without logged epochs draw nothing
            ax.legend(fontsize=7)
        ax.grid(alpha=0.3)
    fig.tight_layout()
    atomic.write_with(path, lambda f: fig.savefig(f, format="png", dpi=120))
    plt.close(fig)


def log_wandb_table(experiment: Experiment, rows: list[Row], comparisons: list[Comparison], out_dir: Path) -> None:
    """One W&B run (job_type "report") holding the results table, the paired comparisons and the curves,
    grouped with the stages."""
    import wandb

    columns = experiment.scoring.columns
    run = wandb.init(project="mimic", group=experiment.name, job_type="report", name="results", dir=str(out_dir))
    table = wandb.Table(columns=["model", "arch", "params", "hidden_units", *(c.key for c in columns)])
    for r in rows:
        table.add_data(r.model, r.arch, r.params, r.hidden_units, *(r.scores.get(c.key) for c in columns))
    logged = {"results": table, "curves": wandb.Image(str(out_dir / "curves.png"))}
    for figure in sorted(out_dir.glob("figure*.png")):  # an experiment's own figures (the paper's)
        logged[figure.stem] = wandb.Image(str(figure))
    if comparisons:
        paired = wandb.Table(columns=["student", "compared_with", "relation", "points", "gap_closed", "p_value"])
        for c in comparisons:
            paired.add_data(c.student, c.other, c.relation, c.points, c.gap_closed, c.p_value)
        logged["comparisons"] = paired
    run.log(logged)
    run.finish()
