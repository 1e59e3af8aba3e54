"""Settings chosen on validation: a row of the table is the best of several tries of one net.

A ``Choice`` names its tries (stages that differ in a setting: learning rate, epochs, augmentation ...);
the table shows the try with the lowest validation error under the choice's own name, which is what
students name as their twin, and a second table lists every try with its validation error, so that a
reader sees the twin and the mimic were given the same number of tries on the same validation split.
"""

from dataclasses import dataclass, replace

from mimic.report.format import percent
from mimic.report.rows import Row

METRIC_NAMES = {"val/err": "validation error", "val/per": "dev PER"}  # what the tries table calls them


@dataclass(frozen=True)
class Choice:
    """Args:
    name: the chosen row's stage name (what a student's ``twin`` names).
    model: the chosen row's label; the chosen try's own label follows it.
    tries: the stages tried, each run and scored on validation.
    by: the metric that chooses (lowest wins; ties go to the earlier try).
    """

    name: str
    model: str
    tries: tuple[str, ...]
    by: str = "val/err"


@dataclass(frozen=True)
class Chosen:
    choice: Choice
    tried: tuple[Row, ...]
    best: Row


def choose(rows: list[Row], choices: tuple[Choice, ...]) -> tuple[list[Row], list[Chosen]]:
    """``rows`` with each choice's tries replaced, where its first try stood, by the best of them (named
    as the choice); and what each choice tried. Choices whose tries are not all among ``rows`` (left out
    with ``--skip``) keep their tries as rows."""
    by_stage = {row.stage: row for row in rows}
    replaced: dict[str, Row | None] = {}  # try -> the row standing in its place (None: dropped)
    chosen = []
    for choice in choices:
        if not all(name in by_stage for name in choice.tries):
            continue
        tried = tuple(by_stage[name] for name in choice.tries)
        for row in tried:
            if choice.by not in row.scores:
                raise ValueError(f"stage {row.stage}: no {choice.by} to choose {choice.name} by (scored without it)")
        best = min(tried, key=lambda row: row.scores[choice.by])  # min keeps the first of equals
        chosen.append(Chosen(choice, tried, best))
        stand_in = replace(best, stage=choice.name, model=f"{choice.model} ({best.model})")
        replaced |= {name: None for name in choice.tries} | {choice.tries[0]: stand_in}
    table = [replaced.get(row.stage, row) for row in rows]
    return [row for row in table if row is not None], chosen


def tries_table(chosen: list[Chosen]) -> list[str]:
    """Markdown: every try of every choice with the metric that chose, the chosen one marked."""
    if not chosen:
        return []
    by = chosen[0].choice.by
    metric = METRIC_NAMES.get(by, by)
    lines = [
        "Settings chosen on validation: each row above that names a choice is the try below with the lowest",
        f"{metric}; the nets on labels and the mimics of one table get the same number of tries.",
        "",
        f"| Chosen row | Try | {metric} | |",
        "|---|---|---:|---|",
    ]
    for c in chosen:
        for row in c.tried:
            mark = "chosen" if row is c.best else ""
            lines.append(f"| {c.choice.model} | {row.model} | {percent(row.scores[c.choice.by])} | {mark} |")
    return lines
