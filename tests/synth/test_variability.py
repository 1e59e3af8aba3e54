"""The recordings' variability: rooms decay as asked, noise sits at the asked SNR, babble is babble, the
options are checked, and a corpus with every option on is still byte-identical run after run."""

import hashlib
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from mimic.formats.sphere import read_sphere
from mimic.synth.acoustics import babble, reverberate, room_response, scaled_noise
from mimic.synth.corpus import synthesise_corpus
from mimic.synth.variability import PRESETS, Variability
from mimic.tools.data import main as data_main
from tests.fixtures.synth import TINY, needs_espeak

RATE = 16000


def _decay_time(response: np.ndarray) -> float:
    """RT60 from Schroeder's backward-integrated energy decay, fitted from -5 to -25 dB (T20 x 3)."""
    energy = np.cumsum((response[1:] ** 2)[::-1])[::-1]  # the tail alone: the direct path is not the room
    decay_db = 10 * np.log10(energy / energy[0])
    t = np.arange(1, len(response)) / RATE
    fitted = (decay_db <= -5) & (decay_db >= -25)
    slope = np.polyfit(t[fitted], decay_db[fitted], 1)[0]  # dB per second
    return -60.0 / slope


@pytest.mark.parametrize(("rt60", "drr_db"), [(0.3, 0.0), (0.8, 6.0), (1.5, -3.0)])
def test_a_room_decays_in_the_asked_time_with_the_asked_direct_to_reverberant_ratio(rt60, drr_db):
    response = room_response(rt60, drr_db, np.random.default_rng(1), RATE)
    assert _decay_time(response) == pytest.approx(rt60, rel=0.1)
    assert 10 * np.log10(response[0] ** 2 / np.sum(response[1:] ** 2)) == pytest.approx(drr_db, abs=1e-6)


def test_the_direct_path_is_not_delayed_and_the_length_is_kept():
    response = room_response(0.4, 3.0, np.random.default_rng(0), RATE)
    click = np.zeros(8000)
    click[100] = 1.0
    wet = reverberate(click, response)
    assert len(wet) == len(click) and np.argmax(np.abs(wet)) == 100  # phone boundaries stay put
    np.testing.assert_allclose(wet[100 : 100 + len(response)], response, atol=1e-12)


def test_noise_is_scaled_to_the_asked_snr():
    noise = np.random.default_rng(0).standard_normal(10_000) * 7.0
    scaled = scaled_noise(noise, power=4.0, snr_db=5.0)
    assert 10 * np.log10(4.0 / np.mean(scaled**2)) == pytest.approx(5.0, abs=1e-9)


def test_babble_sums_talkers_at_equal_power_and_loops_short_ones():
    rng = np.random.default_rng(0)
    quiet, loud = rng.standard_normal(300) * 0.1, rng.standard_normal(5000) * 50.0
    track = babble([quiet, loud], 2000, np.random.default_rng(1))
    assert track.shape == (2000,)
    assert np.mean(track**2) == pytest.approx(2.0, rel=0.15)  # two unit-power talkers, nearly uncorrelated
    alone = babble([quiet], 2000, np.random.default_rng(1))
    np.testing.assert_allclose(alone[:300], alone[300:600])  # the 300-sample talker repeats


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--snr-db", "5", "100"], "--snr-db must lie in [-10.0, 60.0], got 5.0 100.0"),
        (["--rt60-s", "0.9", "0.2"], "--rt60-s takes LOW HIGH with LOW <= HIGH, got 0.9 0.2"),
        (["--babble", "1.5"], "--babble must lie in [0.0, 1.0], got 1.5"),
        (["--reverb", "-0.1"], "--reverb must lie in [0.0, 1.0], got -0.1"),
        (["--rate-jitter", "0.9"], "--rate-jitter must lie in [0.0, 0.5], got 0.9"),
        (["--pitch-jitter", "50"], "--pitch-jitter must lie in [0, 40], got 50"),
        (["--babble-talkers", "0"], "--babble-talkers must lie in [1, 12], got 0"),
    ],
)
def test_out_of_range_options_are_refused_with_the_allowed_range(tmp_path, capsys, options, message):
    with pytest.raises(SystemExit) as stopped:
        data_main(["synth-timit", "--out", str(tmp_path / "c"), *options])
    assert stopped.value.code == 2
    assert capsys.readouterr().err.strip() == f"mimic: error: data synth-timit: {message}"
    assert not (tmp_path / "c").exists()


def test_a_preset_with_options_changed_keeps_the_rest():
    varied = PRESETS["hard"].with_options(babble=0.0, snr_db=(10.0, 30.0), out="ignored")
    assert varied == replace(PRESETS["hard"], babble=0.0, snr_db=(10.0, 30.0))
    assert Variability.from_dict(varied.summary()) == varied  # as SYNTH.json stores it


def _digest(root: Path) -> str:
    files = sorted(p for p in root.rglob("*") if p.is_file() and p.name != "SYNTH.json")
    return hashlib.sha256(b"".join(p.read_bytes() for p in files)).hexdigest()


@needs_espeak
def test_every_option_on_is_still_deterministic_and_varies_within_a_speaker(tiny_corpus, tmp_path):
    hard = replace(TINY, variability=PRESETS["hard"])
    first, again = tmp_path / "hard", tmp_path / "again"
    manifest = synthesise_corpus(first, hard, workers=2)
    synthesise_corpus(again, hard, workers=1)
    assert _digest(first) == _digest(again) != _digest(tiny_corpus)
    assert manifest["settings"]["variability"]["voices"] == "many"
    # the same speaker's utterances against the clean corpus: rate jitter stretches each by its own factor
    speaker = next(p.relative_to(first) for p in first.glob("TRAIN/*/*") if p.is_dir())
    ratios = []
    for wav in sorted((first / speaker).glob("*.WAV")):
        hard_audio, _ = read_sphere(wav)
        clean_audio, _ = read_sphere(tiny_corpus / speaker / wav.name)
        ratios.append(len(hard_audio) / len(clean_audio))
    assert np.std(ratios) > 0.02
    # noise at 0-20 dB instead of 22-40: the lead-in silence is far louder relative to the speech
    hard_audio, _ = read_sphere(sorted((first / speaker).glob("*.WAV"))[0])
    clean_audio, _ = read_sphere(sorted((tiny_corpus / speaker).glob("*.WAV"))[0])

    def lead_to_all(audio):
        audio = audio.astype(np.float64)
        return np.sqrt(np.mean(audio[:800] ** 2) / np.mean(audio**2))

    assert lead_to_all(hard_audio) > 3 * lead_to_all(clean_audio)
