"""One speaker's recordings, synthesised in a process of its own: ``python -m mimic.synth.worker JOB.json``.

A fresh process per speaker makes the corpus byte-identical run after run (espeak-ng carries wave
generator state from sentence to sentence within a process, see :mod:`mimic.synth.espeak`), lets the
speakers be made in parallel, and keeps the worker light: numpy and ctypes, no torch.

The speaker's files are written into ``<SPEAKER>.partial/`` and the folder is renamed when all are
there, so an interrupted run never leaves a speaker that looks complete.
"""

import json
import shutil
import sys
from dataclasses import asdict
from pathlib import Path

import numpy as np

from mimic.formats.sphere import sphere_bytes
from mimic.synth.acoustics import babble, room_response
from mimic.synth.alignment import align, place, word_spans
from mimic.synth.channel import FLAT, Channel, record, recording_length, resample_coloured, resampled_length
from mimic.synth.espeak import Espeak
from mimic.synth.sentences import Sentence
from mimic.synth.speakers import LANGUAGE, VARIANTS, Speaker
from mimic.synth.variability import Variability

BABBLE_SENTENCES_PER_TALKER = 2


def job_json(
    root: Path,
    speaker: Speaker,
    sentences: list[Sentence],
    variability: Variability = Variability(),
    babble_texts: tuple[str, ...] = (),
    transcribe: bool = True,
) -> str:
    return json.dumps(
        {
            "transcribe": transcribe,
            "root": str(root),
            "speaker": asdict(speaker),
            "sentences": [asdict(s) for s in sentences],
            "variability": variability.summary(),
            "babble_texts": list(babble_texts),
        }
    )


def _speaker_from(fields: dict) -> Speaker:
    channel = fields.pop("channel")
    channel["resonances"] = tuple(tuple(r) for r in channel["resonances"])
    return Speaker(**fields, channel=Channel(**channel))


def _lines(rows: list[tuple[int, int, str]]) -> str:
    return "".join(f"{b} {e} {label}\n" for b, e, label in rows)


def babble_talkers(
    engine: Espeak, speaker: Speaker, texts: tuple[str, ...], variability: Variability
) -> list[np.ndarray]:
    """Other voices reading ``texts`` (their side's sentences), each a (N,) float64 track at 16 kHz."""
    rng = np.random.default_rng([speaker.seed, 2])
    talkers = []
    for _ in range(variability.babble_talkers):
        variants = VARIANTS[variability.voices]["m" if rng.random() < 0.5 else "f"]
        engine.set_voice(f"{LANGUAGE}+{rng.choice(variants)}")
        engine.set("rate", int(rng.integers(140, 196)))
        engine.set("pitch", int(rng.integers(30, 71)))
        chosen = rng.choice(len(texts), size=min(BABBLE_SENTENCES_PER_TALKER, len(texts)), replace=False)
        spoken = [engine.speak(texts[i]) for i in chosen]
        talkers.append(np.concatenate([resample_coloured(s.samples, s.sample_rate, FLAT) for s in spoken]))
    return talkers


def synthesise_speaker(
    root: Path,
    speaker: Speaker,
    sentences: list[Sentence],
    variability: Variability = Variability(),
    babble_texts: tuple[str, ...] = (),
    transcribe: bool = True,
) -> dict:
    """Write the speaker's ``.WAV/.PHN/.WRD/.TXT`` files (only ``.WAV`` for unlabeled transfer speech,
    ``transcribe=False``); returns counts for the progress line."""
    engine = Espeak()
    talkers = babble_talkers(engine, speaker, babble_texts, variability) if variability.babble > 0 else []
    engine.set_voice(speaker.voice)
    engine.set("rate", speaker.rate)
    engine.set("pitch", speaker.pitch)
    engine.set("range", speaker.pitch_range)
    final = root / speaker.folder
    partial = final.with_name(final.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    total = 0
    for index, sentence in enumerate(sentences):
        # what varies from one utterance to the next: its own stream, so that the clean corpus stays as it was
        vary = np.random.default_rng([speaker.seed, index, 1])
        if variability.rate_jitter > 0:
            engine.set("rate", round(speaker.rate * (1 + vary.uniform(-1, 1) * variability.rate_jitter)))
        if variability.pitch_jitter > 0:
            jitter = int(vary.integers(-variability.pitch_jitter, variability.pitch_jitter + 1))
            engine.set("pitch", min(max(speaker.pitch + jitter, 0), 100))
        speech = engine.speak(sentence.text)
        segments = align(speech)
        room = noise = None
        if vary.random() < variability.reverb:
            room = room_response(vary.uniform(*variability.rt60_s), vary.uniform(*variability.drr_db), vary)
        if talkers and vary.random() < variability.babble:
            length = recording_length(len(speech.samples), speech.sample_rate, speaker.channel)
            noise = (babble(talkers, length, vary), vary.uniform(*variability.snr_db))
        rng = np.random.default_rng([speaker.seed, index])
        audio, lead = record(speech.samples, speech.sample_rate, speaker.channel, rng, room, noise)
        # positions scale with the resampler's exact length ratio, so the last one lands on the audio's end
        factor = resampled_length(len(speech.samples), speech.sample_rate) / len(speech.samples)
        segments = place(segments, factor, lead, len(audio))
        stem = partial / sentence.id
        stem.with_suffix(".WAV").write_bytes(sphere_bytes(audio, f"{speaker.name}_{sentence.id.lower()}"))
        if transcribe:
            stem.with_suffix(".PHN").write_text(_lines([(s.begin, s.end, s.label) for s in segments]))
            stem.with_suffix(".WRD").write_text(_lines(word_spans(segments, speech)))
            stem.with_suffix(".TXT").write_text(f"0 {len(audio)} {sentence.text}\n")
        total += len(audio)
    if final.exists():
        shutil.rmtree(final)
    partial.rename(final)
    return {"speaker": speaker.name, "utterances": len(sentences), "samples": total}


def main(argv: list[str]) -> int:
    job = json.loads(Path(argv[0]).read_text())
    sentences = [Sentence(**s) for s in job["sentences"]]
    variability = Variability.from_dict(job["variability"])
    speaker = _speaker_from(job["speaker"])
    summary = synthesise_speaker(
        Path(job["root"]), speaker, sentences, variability, tuple(job["babble_texts"]), job["transcribe"]
    )
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
