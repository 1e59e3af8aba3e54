"""A whole synthetic corpus in TIMIT's layout: plan the speakers and their sentences, run one worker process
per speaker (several at a time), show progress, and record how the corpus was made in ``SYNTH.json``."""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from mimic import atomic
from mimic.formats.timit_corpus import corpus_speakers
from mimic.synth.channel import TARGET_RATE
from mimic.synth.espeak import espeak_version
from mimic.synth.sentences import DEFAULT_SENTENCES, plan_sentences, read_sentences
from mimic.synth.speakers import make_speakers
from mimic.synth.variability import Variability
from mimic.synth.worker import job_json

MANIFEST = "SYNTH.json"
_OURS = ("train", "test", "transfer", MANIFEST.lower())  # what --overwrite replaces (any case); other files stay
TRANSFER_STREAM = 7  # transfer speakers draw from their own random stream, unlike any labeled corpus's


@dataclass(frozen=True)
class CorpusSettings:
    train_speakers: int = 40
    dev_speakers: int = 10
    test_speakers: int = 6
    seed: int = 0
    sentences: str = str(DEFAULT_SENTENCES)
    variability: Variability = Variability()  # the clean recordings unless asked

    def as_json(self) -> dict:
        """The settings as ``SYNTH.json`` records them (ranges as lists)."""
        return json.loads(json.dumps(asdict(self)))

    @classmethod
    def from_json(cls, values: dict) -> "CorpusSettings":
        return cls(**{**values, "variability": Variability.from_dict(values.get("variability", {}))})


def same_settings(recorded: dict, wanted: dict) -> bool:
    """Whether a corpus recorded with ``recorded`` (``SYNTH.json``'s settings) is one made with ``wanted``.
    The sentence lists count as the same when their files hold the same text: the default list's path is
    the package's, which differs from one checkout or install to the next."""
    if {k: v for k, v in recorded.items() if k != "sentences"} != {k: v for k, v in wanted.items() if k != "sentences"}:
        return False
    paths = [Path(str(settings.get("sentences", ""))) for settings in (recorded, wanted)]
    if paths[0] == paths[1]:
        return True
    return all(p.is_file() for p in paths) and paths[0].read_bytes() == paths[1].read_bytes()


def _prepare_output(out: Path, overwrite: bool) -> None:
    existing = sorted(p.name for p in out.iterdir()) if out.is_dir() else []
    if existing and not overwrite:
        shown = ", ".join(existing[:5]) + (", ..." if len(existing) > 5 else "")
        raise FileExistsError(f"{out} already holds files ({shown}); choose an empty directory or pass --overwrite")
    for name in existing:
        if name.lower() in _OURS:
            path = out / name
            shutil.rmtree(path) if path.is_dir() else path.unlink()
    out.mkdir(parents=True, exist_ok=True)


class _Progress:
    def __init__(self, total: int) -> None:
        self.total, self.done, self.utterances, self.seconds = total, 0, 0, 0.0
        self.started = time.monotonic()

    def update(self, summary: dict) -> None:
        self.done += 1
        self.utterances += summary["utterances"]
        self.seconds += summary["samples"] / TARGET_RATE
        elapsed = time.monotonic() - self.started
        end = "\n" if self.done == self.total else ""
        print(
            f"\r[mimic] synth-timit: {self.done}/{self.total} speakers, {self.utterances} utterances, "
            f"{self.seconds / 60:.1f} min of speech, {elapsed:.0f} s",
            end=end,
            file=sys.stderr,
            flush=True,
        )


def synthesise_corpus(out: str | Path, settings: CorpusSettings, workers: int | None = None, overwrite=False) -> dict:
    """Write the corpus under ``out``; returns the manifest (also saved as ``out/SYNTH.json``)."""
    out = Path(out)
    version = espeak_version()  # fails first, and clearly, where libespeak-ng is missing
    texts = read_sentences(settings.sentences)
    plan = plan_sentences(texts, settings.sentences)
    variability = settings.variability
    speakers = make_speakers(
        settings.train_speakers, settings.dev_speakers, settings.test_speakers, settings.seed, variability
    )
    _prepare_output(out, overwrite)
    turns = {"train": 0, "test": 0}
    jobs = []
    for speaker in speakers:
        sentences = plan.for_speaker(speaker.side, turns[speaker.side])
        jobs.append((speaker.name, job_json(out, speaker, sentences, variability, _babble_texts(plan, speaker.side))))
        turns[speaker.side] += 1
    progress = _run_all(out, jobs, workers)
    return _write_manifest(out, version, settings.as_json(), speakers, progress)


def synthesise_transfer(
    out: str | Path, labeled: str | Path, speakers: int, seed: int = 0, workers: int | None = None, overwrite=False
) -> dict:
    """Unlabeled speech for students, to go with the corpus at ``labeled`` (made by ``synthesise_corpus``):
    ``speakers`` new training-side speakers, recorded as the labeled corpus was (its variability), reading
    its training sentences without the SA pair, written as ``.WAV`` only under ``out/TRANSFER/``."""
    out, labeled = Path(out), Path(labeled)
    made_with = labeled / MANIFEST
    if not made_with.is_file():
        raise FileNotFoundError(
            f"{labeled} has no {MANIFEST}: transfer speech is made to match a corpus that synth-timit made"
        )
    if out.resolve() == labeled.resolve() or labeled.resolve() in out.resolve().parents:
        raise ValueError(f"--out {out} lies inside the labeled corpus {labeled}: transfer speech needs its own folder")
    if speakers < 1:
        raise ValueError(f"at least one transfer speaker is needed, got {speakers}")
    version = espeak_version()
    settings = CorpusSettings.from_json(json.loads(made_with.read_text())["settings"])
    plan = plan_sentences(read_sentences(settings.sentences), settings.sentences)
    taken = frozenset(corpus_speakers(labeled))
    voices = make_speakers(
        speakers, 0, 0, (settings.seed, TRANSFER_STREAM, seed), settings.variability, taken, side="transfer"
    )
    _prepare_output(out, overwrite)
    jobs = []
    for turn, speaker in enumerate(voices, start=settings.train_speakers):  # the labeled speakers' turns come first
        sentences = plan.for_speaker("train", turn)[len(plan.sa) :]  # SA sentences are never used in training
        text = job_json(out, speaker, sentences, settings.variability, _babble_texts(plan, "train"), transcribe=False)
        jobs.append((speaker.name, text))
    progress = _run_all(out, jobs, workers)
    made = {"transfer_for": str(labeled.resolve()), "transfer_speakers": speakers, "transfer_seed": seed}
    return _write_manifest(out, version, {**settings.as_json(), **made}, voices, progress)


def _babble_texts(plan, side: str) -> tuple[str, ...]:
    """Babble talkers read their own side's sentences: no test sentence is ever heard in training."""
    return tuple(s.text for kind in ("sx", "si") for s in plan.pools[side][kind])


def _run_all(out: Path, jobs: list[tuple[str, str]], workers: int | None) -> _Progress:
    progress = _Progress(len(jobs))
    with tempfile.TemporaryDirectory(prefix="mimic-synth-") as scratch:
        _run_workers(jobs, Path(scratch), workers or os.cpu_count() or 1, progress)
    return progress


def _write_manifest(out: Path, version: str, settings: dict, speakers: list, progress: _Progress) -> dict:
    manifest = {
        "generator": "mimic data synth-timit",
        "espeak_ng": version,
        "settings": settings,
        "speakers": {s.name: {"folder": s.folder, "voice": s.voice, "rate": s.rate} for s in speakers},
        "utterances": progress.utterances,
        "minutes": round(progress.seconds / 60, 2),
    }
    atomic.write_text(out / MANIFEST, json.dumps(manifest, indent=1) + "\n")
    return manifest


def _run_workers(jobs: list[tuple[str, str]], scratch: Path, workers: int, progress: _Progress) -> None:
    """Run ``python -m mimic.synth.worker`` on each (speaker name, job JSON), ``workers`` at a time; a
    failure stops all."""
    pending = list(enumerate(jobs))
    running: dict[subprocess.Popen, str] = {}
    try:
        while pending or running:
            while pending and len(running) < workers:
                index, (name, text) = pending.pop(0)
                job = scratch / f"{index}.json"
                job.write_text(text)
                command = [sys.executable, "-m", "mimic.synth.worker", str(job)]
                process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                running[process] = name
            for process in [p for p in running if p.poll() is not None]:
                name = running.pop(process)
                stdout, stderr = process.communicate()
                if process.returncode != 0:
                    tail = "\n".join(stderr.strip().splitlines()[-15:])
                    raise RuntimeError(f"synthesising speaker {name} failed:\n{tail}")
                progress.update(json.loads(stdout.strip().splitlines()[-1]))
            time.sleep(0.02)
    finally:
        for process in running:
            process.kill()
            process.wait()
