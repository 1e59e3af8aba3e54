"""Table 2's figure from the published tables of runs made apart."""

import csv

import pytest

from mimic.experiments.paper import BUDGETS
from mimic.experiments.paper_label_budget import main
from mimic.report.label_budget import cells_from_tables


def _table(path, errors: dict[str, float]) -> None:
    with path.open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=["stage", "test/err"])
        writer.writeheader()
        writer.writerows({"stage": stage, "test/err": error} for stage, error in errors.items())


def test_cells_join_the_tables_of_two_runs(tmp_path, capsys):
    few, full = BUDGETS[0], BUDGETS[-1]  # 1,000 labels, shallow; all labels, conv-shallow
    _table(
        tmp_path / "few.csv", {few.teacher: 0.15} | {s: 0.2 if "labels" in s else 0.16 for p in few.pairs for s in p}
    )
    _table(tmp_path / "all.csv", {full.teacher: 0.07} | {s: 0.08 for p in full.pairs for s in p} | {"other": 0.5})
    cells = cells_from_tables(BUDGETS, [tmp_path / "few.csv", tmp_path / "all.csv"])
    assert [(c.budget.labels, c.budget.net) for c in cells] == [(few.labels, few.net), (full.labels, full.net)]
    assert (
        cells[0].teacher_error == 0.15 and cells[0].twin_errors == (0.2,) * 3 and cells[0].mimic_errors == (0.16,) * 3
    )
    main([str(tmp_path / "few.csv"), str(tmp_path / "all.csv"), "--out", str(tmp_path / "budget.png")])
    assert (tmp_path / "budget.png").read_bytes().startswith(b"\x89PNG")
    assert "2 cells" in capsys.readouterr().out


def test_a_missing_table_is_one_line(tmp_path, capsys):
    with pytest.raises(SystemExit):
        main([str(tmp_path / "nope.csv"), "--out", str(tmp_path / "x.png")])
    assert "nope.csv: no such file" in capsys.readouterr().err


def test_a_table_of_other_columns_is_one_line(tmp_path, capsys):
    (tmp_path / "other.csv").write_text("name,value\na,1\n")
    with pytest.raises(SystemExit):
        main([str(tmp_path / "other.csv"), "--out", str(tmp_path / "x.png")])
    assert "not results.csv tables of mimic paper" in capsys.readouterr().err
