"""Rows chosen on validation among tries, and ensembles checked against their members."""

from pathlib import Path

import pytest

from mimic.report.choices import Choice, choose, tries_table
from mimic.report.ensembles import ensemble_lines
from mimic.report.rows import Row


def _row(stage: str, val: float, role: str = "baseline", **links) -> Row:
    scores = {"val/err": val, "test/err": val + 0.01}
    return Row(stage, f"model {stage}", role, "256L-2048", 100, 10, scores, 10_000, 1.0, Path("runs") / stage, **links)


def test_the_try_with_the_lowest_validation_error_stands_for_its_choice_where_the_first_try_stood():
    rows = [
        _row("teacher", 0.05, "teacher"),
        _row("labels_a", 0.20),
        _row("labels_b", 0.18),
        _row("mimic_a", 0.16, "student", twin="labels"),
        _row("mimic_b", 0.16, "student", twin="labels"),
    ]
    choices = (
        Choice("labels", "Net on labels", ("labels_a", "labels_b")),
        Choice("mimic", "Mimic", ("mimic_a", "mimic_b")),
    )
    table, chosen = choose(rows, choices)
    assert [r.stage for r in table] == ["teacher", "labels", "mimic"]
    labels, mimic = table[1], table[2]
    assert labels.model == "Net on labels (model labels_b)" and labels.run_dir == Path("runs/labels_b")
    assert mimic.run_dir == Path("runs/mimic_a")  # a tie goes to the earlier try
    assert mimic.twin == "labels"  # what students name finds the chosen row
    lines = tries_table(chosen)
    assert sum("| chosen |" in line for line in lines) == 2 and sum(line.startswith("| Mimic |") for line in lines) == 2


def test_a_choice_whose_tries_were_skipped_leaves_the_rows_alone_and_one_without_validation_is_refused():
    rows = [_row("labels_a", 0.2)]
    assert choose(rows, (Choice("labels", "L", ("labels_a", "labels_b")),))[0] == rows
    rows = [_row("labels_a", 0.2), replace_scores(_row("labels_b", 0.1), {"test/err": 0.1})]
    with pytest.raises(ValueError, match="stage labels_b: no val/err to choose labels by"):
        choose(rows, (Choice("labels", "L", ("labels_a", "labels_b")),))


def replace_scores(row: Row, scores: dict) -> Row:
    row.scores = scores
    return row


def test_an_ensemble_is_checked_against_each_member_on_validation():
    members = [_row("cnn_s0", 0.10, "teacher"), _row("cnn_s1", 0.12, "teacher")]
    better = _row("ensemble", 0.09, "teacher", members=("cnn_s0", "cnn_s1"))
    assert ensemble_lines([*members, better]) == [
        "- model ensemble on validation: 9.00% against its members' 10.00%, 12.00%: it beats each of its members."
    ]
    worse = _row("ensemble", 0.10, "teacher", members=("cnn_s0", "cnn_s1"))
    (line,) = ensemble_lines([*members, worse])
    assert "does **not** beat every member: model cnn_s0" in line
