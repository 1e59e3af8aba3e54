"""Who reads what, and who they are: sentence plan, speakers, channel (no espeak needed)."""

import re

import numpy as np
import pytest

from mimic.formats.timit_corpus import CORE_TEST_SPEAKERS, DEV_SPEAKERS
from mimic.synth.channel import Channel, record, resample_coloured
from mimic.synth.sentences import plan_sentences, read_sentences
from mimic.synth.speakers import make_speakers


def test_no_test_side_sentence_is_read_on_the_training_side():
    plan = plan_sentences(read_sentences())
    train = {s.text for pool in plan.pools["train"].values() for s in pool}
    test = {s.text for pool in plan.pools["test"].values() for s in pool}
    assert train and test and not train & test
    for side in ("train", "test"):
        for turn in range(7):
            chosen = plan.for_speaker(side, turn)
            ids = [s.id for s in chosen]
            assert ids[:2] == ["SA1", "SA2"] and len(set(ids)) == 10
            assert sum(i.startswith("SX") for i in ids) == 5 and sum(i.startswith("SI") for i in ids) == 3


def test_one_id_per_text_and_timit_numbering():
    plan = plan_sentences(read_sentences())
    sentences = [s for side in plan.pools.values() for pool in side.values() for s in pool]
    assert len({s.id for s in sentences}) == len({s.text for s in sentences}) == len(sentences)
    assert all(re.fullmatch(r"SX\d+|SI\d+", s.id) for s in sentences)


def test_too_few_sentences_is_an_error_that_says_how_many_are_needed():
    with pytest.raises(ValueError, match="mine.txt.*at least 47"):
        plan_sentences([f"Sentence {i}." for i in range(20)], "mine.txt")


def test_speakers_have_timit_names_and_the_test_side_uses_the_standard_lists():
    speakers = make_speakers(train=30, dev=5, test=3, seed=1)
    assert len({s.name for s in speakers}) == 38
    assert all(re.fullmatch(r"[mf][a-z]{3}\d", s.name) for s in speakers)
    train = [s for s in speakers if s.side == "train"]
    test = [s for s in speakers if s.side == "test"]
    assert not {s.name for s in train} & (DEV_SPEAKERS | CORE_TEST_SPEAKERS)
    assert sum(s.name in DEV_SPEAKERS for s in test) == 5 and sum(s.name in CORE_TEST_SPEAKERS for s in test) == 3
    assert all(s.variant.startswith(s.sex) for s in speakers)  # female names get female voices
    assert re.fullmatch(r"TRAIN/DR[1-8]/[MF][A-Z]{3}\d", train[0].folder)
    assert make_speakers(30, 5, 3, seed=1) == speakers
    assert make_speakers(30, 5, 3, seed=2) != speakers


def test_more_test_speakers_than_the_lists_hold_is_an_error():
    with pytest.raises(ValueError, match="0..24"):
        make_speakers(train=2, dev=1, test=25, seed=0)


def test_resampling_keeps_a_tone_where_it_was():
    flat = Channel(tilt_db=0.0, resonances=(), snr_db=30.0, lead_s=0.1, trail_s=0.1)
    tone = np.sin(2 * np.pi * 1000 * np.arange(22050) / 22050) * 10000
    out = resample_coloured(tone, 22050, flat)
    assert len(out) == 16000
    spectrum = np.abs(np.fft.rfft(out))
    assert abs(int(spectrum.argmax()) - 1000) <= 1  # 1 Hz bins
    assert np.sqrt(np.mean(out**2)) == pytest.approx(10000 / np.sqrt(2), rel=0.01)


def test_recording_adds_lead_in_noise_at_the_asked_snr_and_a_sane_level():
    channel = Channel(tilt_db=0.0, resonances=(), snr_db=20.0, lead_s=0.1, trail_s=0.2)
    tone = (np.sin(2 * np.pi * 440 * np.arange(22050) / 22050) * 10000).astype(np.int16)
    audio, lead = record(tone, 22050, channel, np.random.default_rng(0))
    assert audio.dtype == np.int16 and lead == 1600 and len(audio) == 1600 + 16000 + 3200
    noise = audio[:lead].astype(float)
    speech = audio[lead + 100 : lead + 15900].astype(float)
    snr = 10 * np.log10(np.mean(speech**2) / np.mean(noise**2))
    assert 17 < snr < 23
    assert 32767 * 10 ** (-12.5 / 20) <= np.abs(audio).max() <= 32767 * 10 ** (-2.5 / 20)
