"""Whether an ensemble earns its place: it must beat each of its members on validation, or the page says
it does not (an ensemble of near-identical members costs several times the inference for nothing)."""

from mimic.report.format import percent
from mimic.report.rows import Row

VALIDATION = "val/err"


def ensemble_lines(rows: list[Row]) -> list[str]:
    """One line per ensemble row whose members are rows too, on the validation error."""
    by_stage = {row.stage: row for row in rows}
    lines = []
    for ensemble in (row for row in rows if row.members):
        members = [by_stage[name] for name in ensemble.members if name in by_stage]
        if not members or VALIDATION not in ensemble.scores or any(VALIDATION not in m.scores for m in members):
            continue
        ours = ensemble.scores[VALIDATION]
        theirs = ", ".join(percent(m.scores[VALIDATION]) for m in members)
        beaten = [m.model for m in members if m.scores[VALIDATION] <= ours]
        if beaten:
            verdict = f"does **not** beat every member: {', '.join(beaten)} does as well or better"
        else:
            verdict = "beats each of its members"
        lines.append(f"- {ensemble.model} on validation: {percent(ours)} against its members' {theirs}: it {verdict}.")
    return lines
