"""One table, one set of inputs: the rows of a results table must come from stages made of the same things.

Each row's record (``mimic.stage_record``) says what the stage read; the table is refused, in one line,
when a stage read another stage's checkpoint other than the one that stage's record says it made (a
teacher trained again after its students), when two stages read different versions of the same data, or
when the records are not all done by one mimic version.
"""

from pathlib import Path

from mimic.report.rows import Row
from mimic.stage_record import CHECKPOINT_INPUT

AGAIN = "run the experiment's command again: it trains again whatever is stale"


def disagreement(rows: list[Row]) -> str | None:
    """Why ``rows`` cannot share a table, or ``None``. Rows without a record (made by hand) are not checked."""
    recorded = [row for row in rows if row.record is not None]
    for row in recorded:
        if row.record.state != "done":
            return f"stage {row.stage}: its record ({row.folder.record}) says {row.record.state}, not done; {AGAIN}"
    versions = sorted({row.record.version for row in recorded})
    if len(versions) > 1:
        return f"the stages' records come from mimic {' and '.join(versions)}; {AGAIN}"
    made = {row.folder.best.resolve(): row for row in recorded if row.record.output}
    first_read: dict[str, tuple[str, str]] = {}  # input -> (its hash, the first stage that read it)
    for row in recorded:
        for name, digest in sorted(row.record.inputs.items()):
            maker = made.get(Path(name.removeprefix(CHECKPOINT_INPUT)).resolve())
            if name.startswith(CHECKPOINT_INPUT) and maker is not None and maker.record.output != digest:
                return (
                    f"stage {row.stage} read {maker.stage}'s checkpoint {digest[:12]}, but {maker.stage}'s record "
                    f"says it made {maker.record.output[:12]}: one of them is stale; {AGAIN}"
                )
            hashed, stage = first_read.setdefault(name, (digest, row.stage))
            if hashed != digest:
                return f"stages {stage} and {row.stage} read different contents of {name}; {AGAIN}"
    return None


def record_ids(rows: list[Row]) -> str:
    """The sentence under the table that names each row's record."""
    named = ", ".join(f"{row.stage} `{row.record.id}`" for row in rows if row.record is not None)
    return f"Each row's record (`<stage>/record.json`: what it read and made, by content): {named}." if named else ""
