"""The paper's Figures 1-3 and the seed table, drawn from a finished ``mimic paper``'s rows.

Accuracies come from the kept test predictions of each run (``<stage>/test/predictions.npz``), the
curves of Figure 2 from the runs' ``metrics.csv``.
"""

import statistics
from dataclasses import dataclass
from pathlib import Path

from mimic import atomic
from mimic.report.rows import Row, epoch_curve


@dataclass(frozen=True)
class FigureStages:
    """Which stages each figure draws.

    Args:
        widths: hidden units -> (stage on labels, mimic stage), Figure 1's points.
        seeds: row label -> the stages of its seeds, the seed table.
        references: label -> stage drawn as a horizontal line in Figure 1.
        curves: (label-trained stage, mimic stage) of Figure 2.
        teacher_student: teacher stage -> its mimic stage, Figure 3's points.
        labels_reference: the student net trained on labels, a line in Figure 3.
    """

    widths: dict[int, tuple[str, str]]
    seeds: dict[str, list[str]]
    references: dict[str, str]
    curves: tuple[str, str]
    teacher_student: dict[str, str]
    labels_reference: str


def _accuracy(by_stage: dict[str, Row], stage: str) -> float:
    return 1.0 - by_stage[stage].kept_predictions().error


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _finish(fig, ax, path: Path, **labels: str) -> None:
    """Axis labels and title, legend, grid; then write the figure atomically."""
    ax.set(**labels)
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    atomic.write_with(path, lambda f: fig.savefig(f, format="png", dpi=120))
    _pyplot().close(fig)


def seed_table(stages: FigureStages, by_stage: dict[str, Row]) -> list[str]:
    lines = ["| Model | Seeds | Test err. mean | std | per seed |", "|---|---:|---:|---:|---|"]
    for label, names in stages.seeds.items():
        errors = [1.0 - _accuracy(by_stage, n) for n in names if n in by_stage]
        if not errors:
            continue
        spread = statistics.stdev(errors) if len(errors) > 1 else 0.0
        each = ", ".join(f"{100 * e:.2f}%" for e in errors)
        lines.append(
            f"| {label} | {len(errors)} | {100 * statistics.mean(errors):.2f}% | {100 * spread:.2f} | {each} |"
        )
    return lines


def figure1(stages: FigureStages, by_stage: dict[str, Row], path: Path) -> None:
    """Test accuracy against parameters: shallow nets on labels and shallow mimics, deep nets as lines."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(7, 4.5))
    for which, (label, style) in enumerate((("shallow net on labels", "o--"), ("shallow mimic", "s-"))):
        points = sorted(
            (by_stage[pair[which]].params, 100 * _accuracy(by_stage, pair[which]))
            for pair in stages.widths.values()
            if pair[which] in by_stage
        )
        if points:
            ax.plot(*zip(*points, strict=True), style, label=label)
    for (label, stage), color in zip(stages.references.items(), ("grey", "black", "purple"), strict=False):
        if stage in by_stage:
            ax.axhline(
                100 * _accuracy(by_stage, stage), ls=":", color=color, label=f"{label} ({by_stage[stage].params:,})"
            )
    _finish(fig, ax, path, xscale="log", xlabel="parameters", ylabel="test accuracy (%)", title="Figure 1: size")


def figure2(stages: FigureStages, by_stage: dict[str, Row], path: Path) -> None:
    """Training and validation error by epoch: labels overfit, the mimic does not."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(7, 4.5))
    for stage, color in zip(stages.curves, ("tab:red", "tab:blue"), strict=True):
        if stage not in by_stage:
            continue
        for key, style, split in (("train/err", ":", "training"), ("val/err", "-", "validation")):
            curve = epoch_curve(by_stage[stage].run_dir / "metrics.csv", key)
            if curve:
                epochs, values = zip(*curve, strict=True)
                ax.plot(
                    epochs, [100 * v for v in values], style, color=color, label=f"{by_stage[stage].model}: {split}"
                )
    title = "Figure 2: error by epoch (held-out: the validation split)"
    _finish(fig, ax, path, xlabel="epoch", ylabel="error (%)", title=title)


def figure3(stages: FigureStages, by_stage: dict[str, Row], path: Path) -> None:
    """Mimic accuracy against its teacher's accuracy."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(6.5, 5))
    points = [
        (100 * _accuracy(by_stage, t), 100 * _accuracy(by_stage, s), by_stage[t].model)
        for t, s in stages.teacher_student.items()
        if t in by_stage and s in by_stage
    ]
    for x, y, label in points:
        ax.plot(x, y, "o")
        ax.annotate(label, (x, y), fontsize=7, xytext=(4, -10), textcoords="offset points")
    if points:
        low, high = min(min(p[0], p[1]) for p in points) - 1, max(max(p[0], p[1]) for p in points) + 1
        ax.plot([low, high], [low, high], ":", color="grey", label="student = teacher")
    if stages.labels_reference in by_stage:
        accuracy = 100 * _accuracy(by_stage, stages.labels_reference)
        ax.axhline(accuracy, ls="--", color="tab:red", label="the student net on labels")
    axes = {"xlabel": "teacher test accuracy (%)", "ylabel": "mimic test accuracy (%)"}
    _finish(fig, ax, path, **axes, title="Figure 3: better teachers")


def _drawable(stages: FigureStages, by_stage: dict[str, Row]):
    """Each figure's number, how to draw it, and whether a stage of its is done (a run with stages left
    out draws fewer)."""
    return (
        (1, figure1, any(stage in by_stage for pair in stages.widths.values() for stage in pair)),
        (2, figure2, any(stage in by_stage for stage in stages.curves)),
        (3, figure3, any(t in by_stage and s in by_stage for t, s in stages.teacher_student.items())),
    )


def draw_figures(stages: FigureStages, rows: list[Row], folder: Path) -> list[str]:
    """Draw Figures 1-3 into ``folder``; returns the Markdown that shows them, with the seed table. A figure
    none of whose stages is done is not drawn: the page says so."""
    by_stage = {r.stage: r for r in rows}
    seeds = seed_table(stages, by_stage)
    lines = ["## Seeds (test error from the kept predictions)", "", *seeds, ""] if len(seeds) > 2 else []
    for number, draw, ready in _drawable(stages, by_stage):
        if ready:
            draw(stages, by_stage, folder / f"figure{number}.png")
            lines += [f"![Figure {number}](figure{number}.png)", ""]
        else:
            lines += [f"Figure {number}: not drawn, none of its stages is done yet.", ""]
    return lines[:-1]
