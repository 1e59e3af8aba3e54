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

from mimic.synth.channel import TARGET_RATE
from mimic.synth.espeak import espeak_version
from mimic.synth.sentences import DEFAULT_SENTENCES, plan_sentences, read_sentences
from mimic.synth.speakers import make_speakers
from mimic.synth.variability import Variability
from mimic.synth.worker import job_json

MANIFEST = "SYNTH.json"
_OURS = ("train", "test", MANIFEST.lower())  # what --overwrite replaces (any case); other files stay


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
        # babble talkers read their own side's sentences: no test sentence is ever heard in training
        babble_texts = tuple(s.text for kind in ("sx", "si") for s in plan.pools[speaker.side][kind])
        jobs.append((speaker, plan.for_speaker(speaker.side, turns[speaker.side]), babble_texts))
        turns[speaker.side] += 1
    progress = _Progress(len(jobs))
    with tempfile.TemporaryDirectory(prefix="mimic-synth-") as scratch:
        _run_workers(out, jobs, variability, Path(scratch), workers or os.cpu_count() or 1, progress)
    manifest = {
        "generator": "mimic data synth-timit",
        "espeak_ng": version,
        "settings": settings.as_json(),
        "speakers": {s.name: {"folder": s.folder, "voice": s.voice, "rate": s.rate} for s in speakers},
        "utterances": progress.utterances,
        "minutes": round(progress.seconds / 60, 2),
    }
    (out / MANIFEST).write_text(json.dumps(manifest, indent=1) + "\n")
    return manifest


def _run_workers(
    out: Path, jobs: list, variability: Variability, scratch: Path, workers: int, progress: _Progress
) -> None:
    """Run ``python -m mimic.synth.worker`` for each speaker, ``workers`` at a time; a failure stops all."""
    pending = list(enumerate(jobs))
    running: dict[subprocess.Popen, str] = {}
    try:
        while pending or running:
            while pending and len(running) < workers:
                index, (speaker, sentences, babble_texts) = pending.pop(0)
                job = scratch / f"{index}.json"
                job.write_text(job_json(out, speaker, sentences, variability, babble_texts))
                command = [sys.executable, "-m", "mimic.synth.worker", str(job)]
                process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                running[process] = speaker.name
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
