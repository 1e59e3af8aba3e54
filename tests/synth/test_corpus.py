"""The corpus espeak-ng makes: TIMIT's layout and formats, readable by our reader, deterministic."""

import hashlib
import json
import re
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import soundfile

from mimic.cli import main
from mimic.formats.sphere import read_phn, read_sphere, sphere_header
from mimic.formats.timit_corpus import list_utterances
from mimic.formats.timit_phones import PHONES
from mimic.synth import espeak
from mimic.synth.corpus import CorpusSettings, same_settings, synthesise_corpus
from tests.fixtures.synth import TINY, needs_espeak


def digest(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha1(p.read_bytes()).hexdigest() for p in root.rglob("*") if p.is_file()}


@needs_espeak
def test_layout_is_timits(tiny_corpus):
    speakers = sorted(p.relative_to(tiny_corpus).as_posix() for p in tiny_corpus.glob("*/*/*"))
    assert len(speakers) == 4
    assert all(re.fullmatch(r"(TRAIN|TEST)/DR[1-8]/[MF][A-Z]{3}\d", s) for s in speakers)
    for speaker in speakers:
        files = sorted(p.name for p in (tiny_corpus / speaker).iterdir())
        stems = {f.split(".")[0] for f in files}
        assert len(stems) == 10 and {"SA1", "SA2"} <= stems
        assert all(re.fullmatch(r"SA[12]|SX\d+|SI\d+", s) for s in stems)
        assert files == sorted(f"{s}.{ext}" for s in stems for ext in ("PHN", "TXT", "WAV", "WRD"))
    assert not list(tiny_corpus.rglob("*.partial"))
    manifest = json.loads((tiny_corpus / "SYNTH.json").read_text())
    assert manifest["utterances"] == 40 and manifest["settings"]["seed"] == TINY.seed


@needs_espeak
def test_timit_reader_splits_it_like_timit(tiny_corpus):
    splits = list_utterances(tiny_corpus, strict=False)
    assert {k: len(v) for k, v in splits.items()} == {"train": 16, "dev": 8, "test": 8}  # SA left out


@needs_espeak
def test_audio_is_16khz_16bit_sphere_readable_by_soundfile_and_our_reader(tiny_corpus):
    for wav in sorted(tiny_corpus.rglob("*.WAV"))[:12]:
        header = sphere_header(wav)
        assert wav.read_bytes().startswith(b"NIST_1A\n   1024\n")
        assert header["sample_rate"] == "16000" and header["sample_n_bytes"] == "2"
        assert header["sample_byte_format"] == "01" and header["channel_count"] == "1"
        info = soundfile.info(str(wav))
        assert info.samplerate == 16000 and info.channels == 1 and info.subtype == "PCM_16"
        samples, rate = read_sphere(wav)
        assert len(samples) == int(header["sample_count"]) == info.frames
        assert np.abs(samples.astype(int)).max() > 1000  # there is speech, not silence


@needs_espeak
def test_phone_segments_are_contiguous_cover_the_audio_and_use_the_61_labels(tiny_corpus):
    seen = set()
    for wav in sorted(tiny_corpus.rglob("*.WAV")):
        samples, _ = read_sphere(wav)
        segments = read_phn(wav.with_suffix(".PHN"), len(samples))  # checks contiguity and known labels
        assert segments[0][0] == 0 and segments[-1][1] == len(samples)
        assert segments[0][2] == segments[-1][2] == "h#"
        seen |= {p for _, _, p in segments}
        words = [line.split() for line in wav.with_suffix(".WRD").read_text().splitlines()]
        text = wav.with_suffix(".TXT").read_text().split(maxsplit=2)
        assert text[:2] == ["0", str(len(samples))]
        spoken = [w.strip(".,;:!?").lower() for w in text[2].split()]
        assert [w for _, _, w in words] == spoken
        assert all(0 < int(b) < int(e) <= len(samples) for b, e, _ in words)
    assert seen <= set(PHONES) and len(seen) > 35


@needs_espeak
def test_same_arguments_give_byte_identical_files(tiny_corpus, tmp_path):
    again = tmp_path / "again"
    synthesise_corpus(again, TINY, workers=1)  # another order of work and another worker count
    assert digest(again) == digest(tiny_corpus)
    other = tmp_path / "other"
    synthesise_corpus(other, replace(TINY, seed=TINY.seed + 1), workers=2)
    assert digest(other) != digest(tiny_corpus)


@needs_espeak
def test_a_directory_with_other_files_is_refused_unless_overwrite(tmp_path, capsys):
    out = tmp_path / "corpus"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    args = ["data", "synth-timit", "--out", str(out), "--speakers", "1", "--dev-speakers", "1", "--test-speakers", "0"]
    with pytest.raises(SystemExit):
        main(args)
    assert "already holds files (notes.txt)" in capsys.readouterr().err and not (out / "TRAIN").exists()
    (out / "TRAIN" / "DR1" / "MOLD0").mkdir(parents=True)  # a stale speaker from an earlier corpus
    main([*args, "--overwrite"])
    assert (out / "notes.txt").read_text() == "mine"  # --overwrite replaces the corpus, nothing else
    assert not (out / "TRAIN" / "DR1" / "MOLD0").exists()
    assert len(list(out.glob("*/*/*"))) == 2


def test_without_the_library_the_error_names_the_package(monkeypatch, tmp_path, capsys):
    def missing(name):
        raise OSError(f"{name}: cannot open shared object file")

    monkeypatch.setattr(espeak.ctypes.util, "find_library", lambda name: None)
    monkeypatch.setattr(espeak.ctypes, "CDLL", missing)
    with pytest.raises(espeak.EspeakUnavailable, match="install the Debian package 'espeak-ng'"):
        espeak.load_library()
    with pytest.raises(SystemExit):
        main(["data", "synth-timit", "--out", str(tmp_path / "x")])
    assert "apt-get install espeak-ng" in capsys.readouterr().err
    assert not (tmp_path / "x").exists()


@needs_espeak
def test_a_failing_speaker_stops_the_run_and_is_named(tmp_path):
    from mimic.synth.corpus import _Progress, _run_workers
    from mimic.synth.sentences import plan_sentences, read_sentences
    from mimic.synth.speakers import make_speakers
    from mimic.synth.worker import job_json

    speaker = replace(make_speakers(1, 0, 0, seed=0)[0], variant="no-such-variant")
    sentences = plan_sentences(read_sentences()).for_speaker("train", 0)
    with pytest.raises(RuntimeError, match=rf"speaker {speaker.name} failed:(.|\n)*no variant 'no-such-variant'"):
        _run_workers([(speaker.name, job_json(tmp_path, speaker, sentences))], tmp_path, 1, _Progress(1))
    assert not (tmp_path / speaker.folder).exists()  # nothing that looks like a finished speaker


def test_a_corpus_made_by_another_checkout_is_the_same_corpus(tmp_path):
    """SYNTH.json records the sentence list's path; the same text at another path is the same corpus."""
    recorded = CorpusSettings().as_json()
    elsewhere = tmp_path / "sentences.txt"
    elsewhere.write_bytes(Path(recorded["sentences"]).read_bytes())
    assert same_settings(recorded, {**recorded, "sentences": str(elsewhere)})
    elsewhere.write_text("Another sentence entirely.\n")
    assert not same_settings(recorded, {**recorded, "sentences": str(elsewhere)})
    assert not same_settings(recorded, {**recorded, "seed": 1})
