"""``synth-timit --transfer-for``: unlabeled speech that matches a synthetic corpus and never overlaps it."""

import json

import pytest

from mimic.formats.timit_corpus import corpus_speakers, list_transfer
from mimic.synth.corpus import synthesise_transfer
from mimic.tools.data import main as data_main
from tests.fixtures.synth import needs_espeak


@needs_espeak
def test_transfer_speech_is_audio_only_from_new_speakers_and_deterministic(tiny_corpus, tmp_path):
    manifest = synthesise_transfer(tmp_path / "a", tiny_corpus, speakers=2, workers=2)
    synthesise_transfer(tmp_path / "b", tiny_corpus, speakers=2, workers=1)
    files = sorted(p.relative_to(tmp_path / "a") for p in (tmp_path / "a").rglob("*") if p.is_file())
    assert {p.suffix for p in files} == {".WAV", ".json"}
    assert all(p.parts[0] == "TRANSFER" and not p.name.startswith("SA") for p in files if p.suffix == ".WAV")
    assert all((tmp_path / "a" / p).read_bytes() == (tmp_path / "b" / p).read_bytes() for p in files)
    labeled = corpus_speakers(tiny_corpus)
    assert len(list_transfer(tmp_path / "a", labeled)) == 2 * 8  # 5 SX + 3 SI each, all readable as transfer
    assert manifest["settings"]["transfer_for"] == str(tiny_corpus.resolve())
    made_with = json.loads((tiny_corpus / "SYNTH.json").read_text())["settings"]
    assert manifest["settings"]["variability"] == made_with["variability"]  # recorded as the labeled corpus


@needs_espeak
def test_transfer_options_that_would_change_the_recording_are_refused(tiny_corpus, tmp_path, capsys):
    with pytest.raises(SystemExit):
        data_main(["synth-timit", "--out", str(tmp_path / "t"), "--transfer-for", str(tiny_corpus), "--reverb", "1"])
    assert (
        "error: data synth-timit: --reverb: transfer speech is recorded as its labeled corpus was"
        in capsys.readouterr().err
    )
    with pytest.raises(SystemExit):
        data_main(["synth-timit", "--out", str(tiny_corpus / "inside"), "--transfer-for", str(tiny_corpus)])
    assert "lies inside the labeled corpus" in capsys.readouterr().err
