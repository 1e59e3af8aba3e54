"""The figure of ``mimic paper``'s Table 2 in miniature (test error against N) from the published tables of
runs made apart (a run of the few-labels cells, another of the all-labels cells), when no single run holds
every cell's predictions:

    python -m mimic.experiments.paper_label_budget docs/results/paper/results.csv \\
        docs/results/paper-all-labels/results.csv --out docs/results/paper-all-labels/label_budget_all.png
"""

from pathlib import Path

from mimic import errors
from mimic.experiments.paper import BUDGETS
from mimic.report.label_budget import cells_from_tables, figure


def main(argv: list[str] | None = None) -> None:
    parser = errors.ToolParser(prog="python -m mimic.experiments.paper_label_budget", description=__doc__)
    parser.add_argument("tables", nargs="+", type=Path, help="results.csv files of mimic paper runs")
    parser.add_argument("--out", type=Path, required=True, help="the figure (PNG)")
    opts = parser.parse_args(argv)
    for table in opts.tables:
        if not table.is_file():
            parser.error(f"{table}: no such file (a results.csv that mimic paper wrote)")
    try:
        cells = cells_from_tables(BUDGETS, opts.tables)
    except (KeyError, ValueError) as err:  # a CSV without mimic paper's columns, or a non-number in them
        parser.error(
            f"{', '.join(map(str, opts.tables))}: not results.csv tables of mimic paper (stage, test/err): {err}"
        )
    if not cells:
        parser.error(f"no cell of Table 2 has all its rows in {', '.join(map(str, opts.tables))}")
    figure(cells, opts.out)
    print(f"{opts.out}: {len(cells)} cells ({', '.join(f'{c.budget.labels:,} {c.budget.net}' for c in cells)})")


if __name__ == "__main__":
    main()
