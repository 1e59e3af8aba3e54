"""``mimic paper --quick``: every stage of the paper run on the tiny fixture, its figures and statistics (slow)."""

import csv

import pytest

from mimic.cli import main
from mimic.experiments.paper import PAPER, SEEDS


@pytest.mark.slow
def test_quick_paper_run_draws_the_figures_and_compares_every_student(in_tmp, fashion_root):
    rows = main(["paper", "--quick", f"--data.init_args.root={fashion_root}"])
    tries = {name for choice in PAPER.choices for name in choice.tries}
    chosen = {choice.tries[0]: choice.name for choice in PAPER.choices}  # a choice stands where its first try did
    assert [r.stage for r in rows] == [
        chosen.get(s.name, s.name) for s in PAPER.stages if s.name not in tries - chosen.keys()
    ]
    out = in_tmp / "runs/paper"
    for figure in ("figure1.png", "figure2.png", "figure3.png", "label_budget.png"):
        assert (out / figure).stat().st_size > 10_000, figure
    text = (out / "results.md").read_text()
    assert "## Seeds" in text and f"| 256L-2048 mimic | {len(SEEDS)} |" in text
    assert "## Table 2 in miniature" in text and "Not run yet" not in text
    starts = [line.split(" | ")[0] for line in text.splitlines()]
    assert starts.count("| 1,000") == starts.count("| 5,000") == starts.count("| 55,000") == 2  # two student nets
    with (out / "comparisons.csv").open() as f:
        comparisons = list(csv.DictReader(f))
    # the table's students: each mimic choice stands as one row, its tries do not
    students = [s for s in PAPER.stages if s.role == "student" and s.name not in tries]
    students += [c for c in PAPER.choices if "_mimic" in c.name]
    leads = {(s.teacher, s.twin) for s in PAPER.stages if s.role == "student"}  # each teacher over each twin
    assert len(comparisons) == len(leads) + len(students) + len(SEEDS)  # + every twin, the DNN for each mimic
    assert not (in_tmp / "docs").exists()  # a quick run publishes nothing


def test_figures_without_their_stages_are_named_not_drawn(tmp_path):
    from mimic.experiments.paper import FIGURE_STAGES
    from mimic.report.paper_figures import draw_figures

    lines = draw_figures(FIGURE_STAGES, [], tmp_path)
    assert [line for line in lines if line] == [
        f"Figure {n}: not drawn, none of its stages is done yet." for n in (1, 2, 3)
    ]
    assert not list(tmp_path.iterdir())
