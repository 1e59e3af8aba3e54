"""The paper's Table 2 in miniature: how much a mimic gains over its twin as labels get scarce.

For each number of labels N and each student net: the teacher's error, the twin's and the mimic's per
seed, the exact McNemar test per seed, one pooled test over the seeds, and the share of the twin-to-teacher
gap each seed's mimic closes; then a figure of test error against N (log axis) for teacher, twin and mimic.

The pooled test is the exact McNemar test on the discordant counts summed over the seeds (a stratified
McNemar test): under no difference, each (seed, image) pair that only one of the two nets gets right is
as likely to favour either. The seeds' runs share the test images, which that count treats as
independent; the per-seed tests do not need that assumption.
"""

import csv
import math
import statistics
from dataclasses import dataclass
from pathlib import Path

from mimic import atomic
from mimic.report.comparisons import teacher_leads
from mimic.report.paired import exact_binomial_two_sided, gap_closed, mcnemar
from mimic.report.rows import Row


@dataclass(frozen=True)
class Budget:
    """One cell of the table: a number of labels and a student net.

    Args:
        labels: the number of labels N (the training split's size for "all").
        net: the student net's name (its architecture).
        teacher: the stage of the mimics' teacher trained on those N labels.
        pairs: per seed, (twin stage on the N labels, mimic stage).
    """

    labels: int
    net: str
    teacher: str
    pairs: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Cell:
    budget: Budget
    teacher_error: float
    twin_errors: tuple[float, ...]
    mimic_errors: tuple[float, ...]
    p_values: tuple[float, ...]
    pooled_p: float
    closed: tuple[float | None, ...]


def measure(budget: Budget, by_stage: dict[str, Row]) -> Cell | None:
    """The cell from the kept test predictions, or ``None`` until every stage of it is done."""
    needed = [budget.teacher, *(stage for pair in budget.pairs for stage in pair)]
    if not all(stage in by_stage for stage in needed):
        return None
    teacher = by_stage[budget.teacher].kept_predictions().error
    twins, mimics, p_values, closed = [], [], [], []
    only_mimic = only_twin = 0
    for twin_stage, mimic_stage in budget.pairs:
        twin, mimic = by_stage[twin_stage].kept_predictions(), by_stage[mimic_stage].kept_predictions()
        test = mcnemar(mimic, twin)
        only_mimic, only_twin = only_mimic + test.only_a, only_twin + test.only_b
        twins.append(twin.error)
        mimics.append(mimic.error)
        p_values.append(test.p_value)
        # as in the comparison table: a gap only where the teacher leads the twin (McNemar p < 0.05)
        leads = teacher_leads(by_stage[budget.teacher], by_stage[twin_stage], "mcnemar")
        closed.append(gap_closed(mimic.error, twin.error, teacher) if leads else None)
    pooled = exact_binomial_two_sided(min(only_mimic, only_twin), only_mimic + only_twin)
    return Cell(budget, teacher, tuple(twins), tuple(mimics), tuple(p_values), pooled, tuple(closed))


def cells_from_tables(budgets: tuple[Budget, ...], tables: list[Path]) -> list[Cell]:
    """The cells of runs made apart, from their published ``results.csv`` tables (test errors of the chosen
    rows): enough for the figure, not for the tests (no predictions; p-values left out)."""
    errors: dict[str, float] = {}
    for table_path in tables:
        with table_path.open(newline="") as f:
            errors |= {row["stage"]: float(row["test/err"]) for row in csv.DictReader(f) if row["test/err"]}
    cells = []
    for b in budgets:
        if all(stage in errors for stage in (b.teacher, *(stage for pair in b.pairs for stage in pair))):
            twins = tuple(errors[twin] for twin, _ in b.pairs)
            mimics = tuple(errors[mimic] for _, mimic in b.pairs)
            cells.append(Cell(b, errors[b.teacher], twins, mimics, (), math.nan, ()))
    return cells


def _errors(values: tuple[float, ...]) -> str:
    mean = 100 * statistics.mean(values)
    return f"{mean:.2f}% ({', '.join(f'{100 * v:.2f}' for v in values)})"


def table(cells: list[Cell]) -> list[str]:
    lines = [
        "| Labels | Student | Teacher err. | Twin err. mean (per seed) | Mimic err. mean (per seed) "
        "| McNemar p per seed | Pooled p | Gap closed per seed |",
        "|---:|---|---:|---:|---:|---|---:|---|",
    ]
    for c in cells:
        p_values = ", ".join(f"{p:.1e}" for p in c.p_values)
        closed = ", ".join("n/a" if g is None else f"{100 * g:.0f}%" for g in c.closed)  # n/a: no lead (p >= 0.05)
        lines.append(
            f"| {c.budget.labels:,} | {c.budget.net} | {100 * c.teacher_error:.2f}% | {_errors(c.twin_errors)} "
            f"| {_errors(c.mimic_errors)} | {p_values} | {c.pooled_p:.1e} | {closed} |"
        )
    return lines


def figure(cells: list[Cell], path: Path) -> None:
    """Test error against the number of labels (log axis): the teacher, and per student net its twin and
    its mimic (means over the seeds, each seed a faint point)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4.5))
    nets = sorted({c.budget.net for c in cells}, key=[c.budget.net for c in cells].index)
    teacher = sorted({(c.budget.labels, c.teacher_error) for c in cells})
    ax.plot([n for n, _ in teacher], [100 * e for _, e in teacher], "k^-", label="teacher (ensemble)")
    for net, color in zip(nets, ("tab:blue", "tab:green", "tab:purple"), strict=False):
        mine = sorted((c for c in cells if c.budget.net == net), key=lambda c: c.budget.labels)
        sizes = [c.budget.labels for c in mine]
        for errors, style, kind in (
            (lambda c: c.twin_errors, "o--", "on labels"),
            (lambda c: c.mimic_errors, "s-", "mimic"),
        ):
            ax.plot(sizes, [100 * statistics.mean(errors(c)) for c in mine], style, color=color, label=f"{net} {kind}")
            for c in mine:
                ax.plot([c.budget.labels] * len(errors(c)), [100 * e for e in errors(c)], ".", color=color, alpha=0.3)
    ax.set(xscale="log", xlabel="labeled training images N", ylabel="test error (%)")
    ax.set_title("Test error against N (mimics: every training image, N of them labeled)", fontsize=10)
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    atomic.write_with(path, lambda f: fig.savefig(f, format="png", dpi=120))
    plt.close(fig)


def label_budget_section(budgets: tuple[Budget, ...], rows: list[Row], folder: Path) -> list[str]:
    """The Markdown of Table 2 in miniature and its figure (``label_budget.png``), from the cells whose
    stages are all done; the cells still missing are named."""
    by_stage = {row.stage: row for row in rows}
    measured = [(b, measure(b, by_stage)) for b in budgets]  # each cell's predictions read once
    cells = [cell for _, cell in measured if cell is not None]
    lines = ["## Table 2 in miniature: few labels, the other training images unlabeled for the mimic", ""]
    missing = [f"{b.labels:,} labels, {b.net}" for b, cell in measured if cell is None]
    if cells:
        figure(cells, folder / "label_budget.png")
        lines += [
            *table(cells),
            "",
            __doc__.split("\n\n")[2].replace("\n", " "),
            "",
            "![Test error against N](label_budget.png)",
            "",
        ]
    if missing:
        lines += [f"Not run yet (their stages are not all done): {'; '.join(missing)}.", ""]
    return lines
