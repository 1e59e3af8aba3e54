"""The event -> segment rules on hand-made espeak output (no espeak needed)."""

import numpy as np
import pytest

from mimic.synth.alignment import align, place, word_spans
from mimic.synth.espeak import Speech

RATE = 22050


def speech(pieces: list[tuple[str, int, bool]], text: str = "a cat", positions=None) -> Speech:
    """Audio made of (mnemonic, length, loud) pieces; a loud piece is a tone, a quiet one digital silence."""
    samples, phonemes, at = [], [], 0
    for i, (mnemonic, length, loud) in enumerate(pieces):
        samples.append((np.sin(np.arange(length) / 3) * 8000 * loud).astype(np.int16))
        phonemes.append((at, mnemonic, positions[i] if positions else 1))
        at += length
    words = {1: ("a",), 3: ("cat",)}
    return Speech(text, np.concatenate(samples), RATE, phonemes, words)


def as_tuples(segments):
    return [(s.begin, s.end, s.label) for s in segments]


def test_a_stop_takes_the_silence_before_it_as_its_closure():
    s = speech([("a", 1000, True), ("_", 300, False), ("k", 800, True)], positions=[1, 1, 3])
    # "_" is a zero-duration-free pause here: it stays a pause, and the closure cannot come from a pause
    segments = align(s)
    assert [seg.label for seg in segments][:2] == ["ae", "pau"]
    s = speech([("a", 1000, True), ("k", 800, True)], positions=[1, 3])
    s.samples[700:1000] = 0  # the vowel's last 300 samples are the closure's silence
    assert as_tuples(align(s)) == [(0, 700, "ae"), (700, 1000, "kcl"), (1000, 1800, "k")]


def test_a_voiced_closure_without_silence_is_the_first_half_of_the_stop():
    s = speech([("a", 1000, True), ("b", 800, True)], positions=[1, 3])
    assert as_tuples(align(s)) == [(0, 1000, "ae"), (1000, 1400, "bcl"), (1400, 1800, "b")]


def test_a_phoneme_rendered_inside_its_neighbour_takes_its_last_third():
    s = speech([("E", 900, True), ("l", 0, True), ("z", 600, True)], positions=[1, 1, 1])
    assert as_tuples(align(s)) == [(0, 600, "eh"), (600, 900, "l"), (900, 1500, "z")]


def test_pauses_at_the_ends_are_h_sharp_inside_they_are_pau_and_sequences_share_time():
    s = speech([("_:", 400, False), ("A@", 1000, True), ("_:", 300, False), ("_", 0, False), ("i:", 500, True)])
    s = Speech(s.text, s.samples, RATE, [(0, "_:", 1), *s.phonemes[1:], (2200, "_", 9)], s.words)
    s = Speech(s.text, np.concatenate([s.samples, np.zeros(100, np.int16)]), RATE, s.phonemes, s.words)
    assert as_tuples(align(s)) == [
        (0, 400, "h#"),
        (400, 900, "aa"),
        (900, 1400, "r"),
        (1400, 1700, "pau"),
        (1700, 2200, "iy"),
        (2200, 2300, "h#"),
    ]


def test_events_out_of_order_are_an_error():
    s = speech([("a", 100, True), ("k", 100, True)])
    bad = Speech(s.text, s.samples, RATE, [(100, "a", 1), (50, "k", 1)], s.words)
    with pytest.raises(ValueError, match="out of order"):
        align(bad)


def test_place_rescales_pads_with_h_sharp_and_stays_contiguous():
    s = speech([("a", 441, True), ("k", 441, True)], positions=[1, 3])
    s.samples[300:441] = 0
    segments = place(align(s), 16000 / RATE, 100, 100 + 640 + 50)
    assert segments[0].label == segments[-1].label == "h#"
    assert segments[0].begin == 0 and segments[-1].end == 790
    assert all(a.end == b.begin and a.end > a.begin for a, b in zip(segments, segments[1:], strict=False))
    assert segments[1].begin == 100  # speech starts after the lead-in


def test_words_spoken_as_one_are_shared_out_at_phone_boundaries():
    s = speech([("f", 300, True), ("O@", 600, True), ("D", 300, True), ("@", 300, True)], "four the")
    s = Speech("four the", s.samples, RATE, [(b, m, 1) for b, m, _ in s.phonemes], {1: ("four", "the")})
    assert word_spans(align(s), s) == [(0, 900, "four"), (900, 1500, "the")]
