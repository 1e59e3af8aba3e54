"""What an experiment is, as data: its stages, where they run, what they read, and what its table reports.

Each stage is exactly ``mimic fit`` (unless only scored) then ``mimic validate`` / ``mimic test`` on its
best checkpoint, with the stage's configs; ``mimic.experiments.runner`` runs them in order and
``mimic.report`` writes the table, the curves and the comparison of each student with the same net
trained on labels.
"""

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mimic.report.choices import Choice
from mimic.report.page import Report
from mimic.report.scoring import Role, Scoring


@dataclass(frozen=True)
class Stage:
    """One row of the results table.

    Args:
        name: ``run.stage``: the run lands in ``runs/<experiment>/<name>/``.
        model: the row's label.
        configs: relative to ``configs/``, applied in order (later ones overlay earlier ones).
        role: ``teacher``, ``baseline`` (a net trained on labels to compare with) or ``student``.
        trained: ``False`` for stages that are only scored (an ensemble of checkpoints).
        reads: the stages whose ``best.ckpt`` this one reads, in order: a student's teachers (their
            ensemble), an ensemble's members. The runner passes them to the stage's config.
        twin: a student's label-trained twin: the stage of the same net trained on labels.
        teacher: the stage whose scores are the teacher's (for the share of the gap a student closes).
        against: further stages a student is compared with (the deep net of about its size).
        args: command-line overrides of this stage alone, after its configs (``--trainer.max_epochs=2``).
        quick: overrides of this stage alone under ``--quick``, after ``args`` (a few-labels stage's
            ``labeled_size`` scaled to the smoke run's images).
    """

    name: str
    model: str
    configs: tuple[str, ...]
    role: Role = "teacher"
    trained: bool = True
    reads: tuple[str, ...] = ()
    twin: str | None = None
    teacher: str | None = None
    against: tuple[str, ...] = ()
    args: tuple[str, ...] = ()
    quick: tuple[str, ...] = ()


@dataclass(frozen=True)
class Experiment:
    """Args:
    name: the command's name (``mimic demo``) and ``run.experiment`` of its stages.
    title: the results page's heading.
    runs: where the stages run (``runs/<name>``), and where the results go.
    stages: in the order they run (what a stage reads before it).
    scoring: what the table reports.
    quick: arguments that make every stage a smoke run of seconds (``--quick``).
    prepare: makes the data of the stages that run (``prepare(quick, stage names)``), e.g. a corpus.
    figures: the experiment's own figures (``mimic.report.page.Report``).
    published: a folder (``docs/results/...``) that receives a copy of the results page.
    args: command-line overrides of every stage, before each stage's own.
    choices: rows chosen on validation among tries of one net (``mimic.report.choices``); needs a
        scoring that validates.
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
    choices: tuple[Choice, ...] = ()

    @property
    def report(self) -> Report:
        return Report(self.name, self.title, self.runs, self.scoring, self.figures, self.published, self.choices)


def seeded(seed: int) -> str:
    """A stage's override: its seed."""
    return f"--seed_everything={seed}"


def width(hidden: int) -> str:
    """A stage's override: the hidden units of its (shallow) net."""
    return f"--model.init_args.net.init_args.hidden={hidden}"
