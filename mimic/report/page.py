"""One report writer for every experiment: the paper's table layout in Markdown and CSV, each student
compared with the same net trained on labels, curves by training step, and (``--wandb``) a W&B table.

Error-rate tables (images) and phone-error-rate tables (speech) differ only in their ``Scoring``: the
columns, the metric compared and what its standard error counts.
"""

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from mimic import atomic
from mimic.report import costs
from mimic.report.choices import Choice, choose, tries_table
from mimic.report.comparisons import Comparison, comparison_table, paired_comparisons, write_comparisons_csv
from mimic.report.ensembles import ensemble_lines
from mimic.report.format import csv_text, percent
from mimic.report.records import disagreement, record_ids
from mimic.report.rows import Row, epoch_curve
from mimic.report.scoring import Scoring

NET_HEADERS = ("Model", "Architecture", "# Param.", "# Hidden units")
MINUTES_NOTE = (
    "Minutes to make: what the run that finished the stage spent on it on this machine, its fit (what was left "
    "of it, if it was resumed) and its scoring."
)
PAIRED_NOTES = {
    "mcnemar": (
        "Each teacher against its students' twins (the same nets trained on labels: the gap to close), then",
        "each student against its twin and its references, from the test",
        "predictions each run kept (`<stage>/test/predictions.npz`): the exact McNemar test counts the test",
        "images only one of the two gets right; the gap closed is (twin - student) / (twin - teacher), given",
        "only where the teacher is better than the twin (McNemar p < 0.05).",
    ),
    "bootstrap": (
        "Each teacher against its students' twins (the same nets trained on labels: the gap to close), then",
        "each student against its twin and its references on core test, from",
        "each run's kept per-utterance results (`<stage>/test/utterances.npz`): the paired bootstrap draws the",
        "test utterances with replacement 10,000 times (seed 0) and gives the 95% interval of the PER",
        "difference and a two-sided p; the gap closed is (twin - student) / (twin - teacher), given only where",
        "the teacher is better than the twin (p < 0.05).",
    ),
}


@dataclass(frozen=True)
class Report:
    """What a results page shows and where it goes.

    Args:
        name: the experiment's name (the W&B group).
        title: the page's heading.
        folder: the experiment's runs folder: the page is written there.
        scoring: the table's columns and comparisons.
        figures: draws an experiment's own figures from the rows into the folder and returns the Markdown
            that shows them (``figures(rows, folder)``), e.g. the paper's Figures 1-3.
        published: a folder (``docs/results/...``) that receives a copy of the page, tables and figures.
        choices: rows chosen on validation among tries (``mimic.report.choices``).
    """

    name: str
    title: str
    folder: Path
    scoring: Scoring
    figures: Callable[[list[Row], Path], list[str]] | None = None
    published: Path | None = None
    choices: tuple[Choice, ...] = ()


def effect_sentence(scoring: Scoring, rows: list[Row]) -> str:
    """The paper's claim, measured: each student against its twin, the same net trained on labels."""
    by_stage = {r.stage: r for r in rows}
    lines = []
    for student in (r for r in rows if r.role == "student"):
        baseline = by_stage.get(student.twin) if student.twin else None
        if baseline is None:
            continue
        for split, key, name in scoring.compared:
            ours, theirs = student.scores[key], baseline.scores[key]
            gap = 100 * (theirs - ours)
            verdict = f"{abs(gap):.2f} points {'lower' if gap > 0 else 'higher'} than" if gap else "the same as"
            lines.append(
                f"{student.model} on {split}: {name} {percent(ours)}, {verdict} the same net ({baseline.arch}) "
                f"trained on labels ({percent(theirs)})."
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


def write_report(
    report: Report,
    rows: list[Row],
    minutes: float,
    quick: bool = False,
    wandb: bool = False,
    reused: int = 0,
) -> Path:
    """Write ``results.md``, ``results.csv``, ``comparisons.csv`` and ``curves.png`` into the experiment's
    folder, from what its runs wrote (the rows, their records, the kept test results, ``speed.csv``);
    ``reused``: how many stages were done before this run. Rows whose records disagree about what they
    read are refused (``ValueError``)."""
    problem = disagreement(rows)
    if problem is not None:
        raise ValueError(f"{report.folder}: not one table: {problem}")
    stages = len(rows)  # every stage run, each try of a choice included
    rows, chosen = choose(rows, report.choices)
    out_dir, scoring = report.folder, report.scoring
    out_dir.mkdir(parents=True, exist_ok=True)
    columns = scoring.columns
    cost = costs.read_costs(out_dir)
    header = ["stage", "role", "model", "arch", "params", "hidden_units", *(c.key for c in columns)]
    header += [*costs.CSV_COLUMNS, "minutes", "run", "record"]
    table = [
        [r.stage, r.role, r.model, r.arch, r.params, r.hidden_units, *(r.scores.get(c.key, "") for c in columns)]
        + costs.csv_cells(cost.get(r.folder.stage_dir.name))
        + [round(r.minutes, 2), r.folder.stage_dir.name, r.record.id if r.record is not None else ""]
        for r in rows
    ]
    atomic.write_text(out_dir / "results.csv", csv_text(header, table))
    headers = [*NET_HEADERS, *(c.header for c in columns), *costs.HEADERS, "Minutes to make"]
    lines = [
        f"# {report.title}",
        "",
        "| " + " | ".join(headers) + " |",
        "|---|---|" + "---:|" * (len(headers) - 2),
    ]
    for r in rows:
        metrics = " | ".join(percent(r.scores.get(c.key)) for c in columns)
        spent = " | ".join(costs.cells(cost.get(r.folder.stage_dir.name)))
        made = f"{r.minutes:.1f}"
        lines.append(f"| {r.model} | {r.arch} | {r.params:,} | {r.hidden_units:,} | {metrics} | {spent} | {made} |")
    lines += ["", scoring.note, "", costs.NOTE.format(file=costs.SPEED_FILE), "", MINUTES_NOTE, ""]
    if chosen:
        lines += [*tries_table(chosen), ""]
    ensembles = ensemble_lines(rows)
    if ensembles:
        lines += ["Each ensemble against its members, on validation:", "", *ensembles, ""]
    paired_test = scoring.paired
    comparisons = paired_comparisons(rows, paired_test) if paired_test else []
    if paired_test:
        write_comparisons_csv(comparisons, out_dir / "comparisons.csv")
        lines += [*PAIRED_NOTES[paired_test], "", *comparison_table(comparisons, paired_test), ""]
    lines += [effect_sentence(scoring, rows), ""]
    if report.figures is not None:
        lines += [*report.figures(rows, out_dir), ""]
    took = f"This run took {minutes:.1f} minutes"
    lines.append(f"{took}; it reused {reused} of the {stages} stages, done before it." if reused else f"{took}.")
    lines += ["", record_ids(rows)]
    if quick:
        lines += ["", "**Quick smoke run** (`--quick`): tiny data and one short epoch, so these figures mean nothing."]
    lines += ["", "![curves by training step](curves.png)", ""]
    path = out_dir / "results.md"
    atomic.write_text(path, "\n".join(lines))
    plot_curves(scoring, rows, out_dir / "curves.png")
    if wandb:
        log_wandb_table(report, rows, comparisons)
    if report.published is not None and not quick:
        publish(out_dir, report.published)
    return path


def publish(out_dir: Path, published: Path) -> None:
    """Copy the report's Markdown, CSV and PNG files to ``published`` (the README shows them from there)."""
    for source in sorted(out_dir.iterdir()):
        if source.suffix in (".md", ".csv", ".png"):
            atomic.write_with(published / source.name, lambda f, source=source: f.write(source.read_bytes()))


def plot_curves(scoring: Scoring, rows: list[Row], path: Path) -> None:
    """One panel per entry of ``scoring.curves``: each trained non-teacher stage's metric by training step
    (log axis): nets whose epochs differ in length (a few labels, or every image with transfer data) are
    drawn on one scale."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    panels = scoring.curves
    fig, axes = plt.subplots(1, len(panels), figsize=(10 * len(panels), 4.6), squeeze=False)
    colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for ax, (title, ylabel, keys) in zip(axes[0], panels, strict=True):
        drawn = [row for row in rows if row.role in scoring.curve_roles]
        for row, color in zip(drawn, colors * 3, strict=False):
            for key, style in keys:
                curve = [(step, value) for step, value in epoch_curve(row.folder.metrics, key, "step") if step > 0]
                if curve:
                    steps, values = zip(*curve, strict=True)
                    ax.plot(steps, [100 * v for v in values], style, color=color, label=f"{row.model}: {key}")
        ax.set(xscale="log", xlabel="training steps", ylabel=ylabel, title=title)
        if ax.get_legend_handles_labels()[0]:  # runs without logged epochs draw nothing
            ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0))  # beside the axes: many runs
        ax.grid(alpha=0.3)
    fig.tight_layout()
    atomic.write_with(path, lambda f: fig.savefig(f, format="png", dpi=120))
    plt.close(fig)


def log_wandb_table(report: Report, rows: list[Row], comparisons: list[Comparison]) -> None:
    """One W&B run (job_type "report") holding the results table, the paired comparisons and the curves,
    grouped with the stages."""
    import wandb

    columns, out_dir = report.scoring.columns, report.folder
    run = wandb.init(project="mimic", group=report.name, job_type="report", name="results", dir=str(out_dir))
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
