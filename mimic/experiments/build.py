"""What a run of an experiment does with each stage, decided as a build tool decides: from the stage's
record (``mimic.stage_record``) and what the stage would read now (``stage_inputs``).

- ``done``: its record says done, its config, inputs and mimic version are unchanged, and the files it
  made are there: reused as it is. A config that only gained keys mimic added since, switched off at
  their defaults (``None``, ``false``, empty), counts as unchanged.
- ``score``: fitted but not scored (or its scores are gone): scored again from its best checkpoint.
- ``resume``: started but not done: its fit resumes from ``last.ckpt`` (exactly, as single runs do), or
  starts again if it was stopped before its first checkpoint.
- ``retrain`` ("inputs changed"): its config, an input or the mimic version changed, a stage it reads
  runs first, its checkpoint is gone or changed, or ``--force``: trained again from scratch, as is
  every stage that reads it (they find its new checkpoint changed).
- ``new``: never run.

A folder that holds what this experiment cannot vouch for (no record, a record that cannot be read, or
another experiment's stage) is moved aside, never trained over or reused.
"""

import shutil
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from mimic import __version__
from mimic.content_hash import content_hash
from mimic.experiments.experiment import Stage
from mimic.experiments.stage_inputs import StageInputs
from mimic.run_folder import RunFolder
from mimic.stage_record import BadRecord, StageRecord

Action = Literal["done", "score", "resume", "retrain", "new"]
LABELS: dict[Action, str] = {
    "done": "done",
    "score": "score",
    "resume": "resume",
    "retrain": "inputs changed",
    "new": "new",
}
CHANGES_OUTPUT = ("resume", "retrain", "new")  # actions after which a stage's checkpoint may differ
SET_ASIDE = ".set-aside"  # below the experiment's runs: folders moved out of the way


@dataclass(frozen=True)
class Decision:
    action: Action
    why: str
    set_aside: bool = False  # move the folder aside first (it is not this experiment's to delete)

    def line(self) -> str:
        return f"{LABELS[self.action]}: {self.why}"


def decide(
    experiment: str,
    stage: Stage,
    folder: RunFolder,
    inputs: StageInputs,
    kept: tuple[Path, ...],
    forced: bool = False,
    upstream: dict[str, Action] | None = None,
) -> Decision:
    """What to do with ``stage`` (of ``experiment``, in ``folder``) that would read ``inputs`` now.

    Args:
        kept: files the stage's scoring keeps besides ``scores.json`` (its test predictions).
        forced: ``--force`` names it or a stage it reads.
        upstream: stages it reads that run before it (planning: their new checkpoints are not made yet).
    """
    try:
        record = StageRecord.read(folder.record)
    except BadRecord as err:
        return Decision("retrain", f"{err}", set_aside=True)
    if record is None:
        if folder.stage_dir.is_dir() and any(folder.stage_dir.iterdir()):
            return Decision("retrain", f"{folder.stage_dir} has no record.json (left by a hand-run fit?)", True)
        return Decision("new", "not run yet")
    if (record.experiment, record.stage) != (experiment, stage.name):
        found = f"stage {record.stage!r} of experiment {record.experiment!r}"
        return Decision("retrain", f"{folder.record} is {found}", set_aside=True)
    if forced:
        return Decision("retrain", "--force")
    if record.version != __version__:
        return Decision("retrain", f"made by mimic {record.version}; this is mimic {__version__}")
    if record.config_hash != inputs.config_hash and not only_new_switches_off(record.config, inputs.config):
        return Decision("retrain", "config changed: " + config_changes(record.config, inputs.config))
    running = {name: action for name, action in (upstream or {}).items() if action in CHANGES_OUTPUT}
    if running:
        return Decision(
            "retrain", "reads " + ", ".join(f"{n} ({LABELS[a]}), which runs first" for n, a in running.items())
        )
    now = inputs.hashes()
    changed = sorted(name for name in set(now) | set(record.inputs) if now.get(name) != record.inputs.get(name))
    if changed:
        return Decision("retrain", "changed since it ran: " + "; ".join(changed))
    if record.state == "started":
        if not stage.trained:
            return Decision("score", "stopped while it was scored")
        if folder.last.is_file():
            return Decision("resume", f"stopped while fitting: resumes from {folder.last}")
        return Decision("resume", f"stopped before it wrote {folder.last.name}: starts again")
    if stage.trained and not folder.best.is_file():
        return Decision("retrain", f"{record.state}, but {folder.best} is gone")
    if record.state == "fitted":
        return Decision("score", "fitted, stopped while it was scored")
    if stage.trained and content_hash(folder.best) != record.output:
        return Decision("retrain", f"done, but {folder.best} changed after its record was written")
    missing = [str(p) for p in (folder.scores, *kept) if not p.is_file()]
    if missing:
        return Decision("score", f"done, but {', '.join(missing)} is gone")
    return Decision("done", f"record {record.id} of {record.written}")


def config_changes(before: dict[str, Any], after: dict[str, Any], shown: int = 3) -> str:
    """The dotted keys whose values differ, with their values (the first ``shown``)."""
    old, new = _flat(before), _flat(after)
    keys = sorted(k for k in set(old) | set(new) if old.get(k, "(unset)") != new.get(k, "(unset)"))
    said = [f"{k} {old.get(k, '(unset)')!r} -> {new.get(k, '(unset)')!r}" for k in keys[:shown]]
    return ", ".join(said) + (f" and {len(keys) - shown} more" if len(keys) > shown else "")


# What a new constructor argument resolves to when a config does not set it, where it is a feature
# switched off: the stage's results cannot depend on it.
OFF = (None, False, [], {})


def only_new_switches_off(before: dict[str, Any], after: dict[str, Any]) -> bool:
    """Whether the configs differ only by keys ``before`` lacks that ``after`` holds switched off (``None``,
    ``false``, empty): an argument mimic gained since the stage ran, at its default. A stage that ran before
    ``StudentModule`` had ``centre_logits`` is not trained again for it; a new key set on, or any changed
    value, still is."""
    old, new = _flat(before), _flat(after)
    differing = [k for k in set(old) | set(new) if old.get(k, _UNSET) != new.get(k, _UNSET)]
    return all(k not in old and any(new[k] == off and type(new[k]) is type(off) for off in OFF) for k in differing)


_UNSET = object()


def _flat(config: Any, prefix: str = "") -> dict[str, Any]:
    if not isinstance(config, dict):
        return {prefix: config}
    out: dict[str, Any] = {}
    for key, value in config.items():
        out |= _flat(value, f"{prefix}{key}.") if isinstance(value, dict) else {f"{prefix}{key}": value}
    return out


def dependents(forced: set[str], reads: dict[str, list[str]]) -> set[str]:
    """``forced`` and every stage that reads one of them, directly or not (``reads``: stage -> stages read)."""
    found = set(forced)
    grew = True
    while grew:
        more = {stage for stage, read in reads.items() if stage not in found and found & set(read)}
        found |= more
        grew = bool(more)
    return found


def make_room(folder: RunFolder, set_aside: bool) -> Path | None:
    """Empty the stage's folder for a fresh fit: its contents deleted, or (``set_aside``) the folder moved
    to ``<runs>/.set-aside/<stage>-<time>``, which is returned. Either way the folder leaves in one rename,
    so that a kill meanwhile never leaves half of it behind to be taken for a stage."""
    aside_dir = folder.stage_dir.parent / SET_ASIDE
    for leftover in aside_dir.glob(".deleting-*"):  # what a kill interrupted the deletion of
        shutil.rmtree(leftover, ignore_errors=True)
    if not folder.stage_dir.exists():
        return None
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
    aside = aside_dir / f"{'' if set_aside else '.deleting-'}{folder.stage_dir.name}-{stamp}"
    aside_dir.mkdir(parents=True, exist_ok=True)
    folder.stage_dir.rename(aside)
    if set_aside:
        return aside
    shutil.rmtree(aside)
    return None


def clear_all_but_record(folder: RunFolder) -> None:
    """A fit that starts again keeps nothing of the one stopped before its first checkpoint but its record."""
    if not folder.stage_dir.is_dir():
        return
    for path in folder.stage_dir.iterdir():
        if path != folder.record:
            shutil.rmtree(path) if path.is_dir() else path.unlink()
