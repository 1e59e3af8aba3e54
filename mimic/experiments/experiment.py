"""What an experiment is, as data: its stages, where they run, and what its table reports.

Each stage is exactly ``mimic fit`` (unless only scored) then ``mimic validate`` / ``mimic test`` on its
best checkpoint, with the stage's configs; ``mimic.experiments.runner`` runs them in order and
``mimic.experiments.report`` writes the table, the curves and the comparison of each student with the
same net trained on labels.
"""

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

Role = Literal["teacher", "baseline", "student"]


@dataclass(frozen=True)
class Stage:
    """One row of the results table.

    Args:
        name: ``run.stage`` in its config: the run lands in ``runs/<experiment>/<name>/``.
        model: the row's label.
        configs: relative to ``configs/``, applied in order.
        role: ``teacher``, ``baseline`` (a net trained on labels to compare with) or ``student``.
        trained: ``False`` for stages that are only scored (an ensemble of checkpoints).
        twin: a student's label-trained twin: the stage of the same net trained on labels.
        teacher: the stage of the teacher a student mimics (for the share of the gap it closes).
        against: further stages a student is compared with (the deep net of about its size).
        args: command-line overrides of this stage alone, after its configs (``--trainer.max_epochs=2``).
    """

    name: str
    model: str
    configs: tuple[str, ...]
    role: Role = "teacher"
    trained: bool = True
    twin: str | None = None
    teacher: str | None = None
    against: tuple[str, ...] = ()
    args: tuple[str, ...] = ()


@dataclass(frozen=True)
class Column:
    """A table column: its header and the metric key it shows (``train/err`` = the last epoch's)."""

    header: str
    key: str


@dataclass(frozen=True)
class Scoring:
    """What a table reports, and how a difference is put in scale.

    Args:
        columns: the metric columns after the net's (architecture, parameters, hidden units).
        compared: ``(split, metric key, metric name)`` on which each student is compared with its baseline.
        unit: what the standard error counts ("test images", "reference phones").
        count: the number of those in a scored run (from the tested CLI object).
        validate: whether each stage is also scored on the validation split (``mimic validate``).
        curves: panels of the curves figure: (title, y label, [(metric key, line style)]).
        curve_roles: the roles whose curves are drawn.
        paired: how students are compared with their twins on the kept test results: ``"mcnemar"`` (the
            exact McNemar test on ``predictions.npz``: classification of a fixed test set), ``"bootstrap"``
            (PER: a paired bootstrap over the utterances of ``utterances.npz``) or ``None``.
        note: a sentence under the table.
    """

    columns: tuple[Column, ...]
    compared: tuple[tuple[str, str, str], ...]
    unit: str
    count: Callable[[Any], int]
    validate: bool = False
    curves: tuple[tuple[str, str, tuple[tuple[str, str], ...]], ...] = ()
    curve_roles: tuple[Role, ...] = ("teacher", "baseline", "student")
    paired: Literal["mcnemar", "bootstrap"] | None = None
    note: str = ""


@dataclass(frozen=True)
class Experiment:
    """Args:
    name: the tool's name (``demo``) and ``run.experiment`` of its configs.
    title: the results page's heading.
    runs: where its configs put the runs, and where the results go.
    stages: in the order they run (teachers before their students).
    scoring: what the table reports.
    quick: arguments that make every stage a smoke run of seconds (``--quick``).
    prepare: makes the data of the stages that run first (``prepare(quick, stage names)``), e.g.
        synthesises a corpus.
    figures: draws the experiment's own figures from the rows into the results folder and returns the
        Markdown that shows them (``figures(rows, folder)``), e.g. the paper's Figures 1-3.
    published: a folder (``docs/results/...``) that receives a copy of the report, tables and figures.
    args: command-line overrides of every stage, before each stage's own (``--data.init_args.root=...``:
        configs shared with another experiment pointed at this one's data).
    """

    name: str
    title: str
    runs: Path
    stages: tuple[Stage, ...]
    scoring: Scoring
    quick: tuple[str, ...] = ()
    prepare: Callable[[bool, set[str]], None] | None = None
    figures: Callable[[list[Any], Path], list[str]] | None = None
    published: Path | None = None
    args: tuple[str, ...] = ()
