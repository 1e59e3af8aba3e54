"""espeak-ng's phoneme events -> TIMIT segments (``.PHN``) and word spans (``.WRD``).

espeak reports where each phoneme *begins*; a phoneme ends where the next begins. Three things do not
carry over one to one, and are decided here from the audio espeak made:

- Closures. espeak's stop phoneme starts at its release; the silence of the closure sits at the end of
  the phoneme before. That silent run (samples at or below ``SILENCE_LEVEL``) becomes the closure
  (``pcl`` before ``p``). A voiced closure has no silence to find; then the first half of the stop's own
  segment is its closure.
- Phonemes espeak renders inside their neighbour. A zero-length event (the ``l`` of "sells", voiced as
  the end of the vowel) takes the last third of the segment before it.
- Pauses are ``pau`` inside the utterance and ``h#`` at its ends; zero-length pause markers vanish.

Sequences (``A@`` -> ``aa r``) share their phoneme's time equally. Identical labels in a row within a
word, and runs of pauses, merge into one segment.
"""

from dataclasses import dataclass

import numpy as np

from mimic.synth.espeak import Speech
from mimic.synth.phone_map import CLOSURES, PAUSE, timit_labels

SILENCE_LEVEL = 32  # |sample| at or below this (-60 dBFS) is silence in espeak's noise-free output
MIN_CLOSURE_S = 0.002  # a silent run shorter than this is not taken for a closure
EDGE = "h#"


@dataclass
class Segment:
    begin: int  # first sample
    end: int  # one past the last sample
    label: str  # one of the 61 TIMIT labels
    word: int | None  # text position of the word it belongs to; None for pauses


def _silent_tail(samples: np.ndarray, begin: int, end: int) -> int:
    """Samples of silence at the end of ``samples[begin:end]``."""
    loud = np.flatnonzero(np.abs(samples[begin:end].astype(np.int32)) > SILENCE_LEVEL)
    return end - begin - (int(loud[-1]) + 1 if loud.size else 0)


def _phoneme_spans(speech: Speech) -> list[tuple[int, int, str, int]]:
    """(begin, end, mnemonic, text position) of each espeak phoneme; checks the events are ordered."""
    starts = [sample for sample, _, _ in speech.phonemes]
    if not starts:
        raise ValueError(f"espeak-ng reported no phonemes for {speech.text!r}")
    ordered = all(a <= b for a, b in zip(starts, starts[1:], strict=False))
    if not ordered or starts[0] < 0 or starts[-1] > len(speech.samples):
        raise ValueError(f"espeak-ng phoneme events out of order or past the audio for {speech.text!r}: {starts}")
    ends = [*starts[1:], len(speech.samples)]
    return [(b, e, m, t) for (b, m, t), e in zip(speech.phonemes, ends, strict=True)]


def align(speech: Speech) -> list[Segment]:
    """Contiguous TIMIT segments covering ``speech.samples`` (at espeak's sample rate)."""
    samples = speech.samples
    min_closure = round(MIN_CLOSURE_S * speech.sample_rate)
    spans = _phoneme_spans(speech)
    segments = [Segment(0, spans[0][0], PAUSE, None)]  # espeak's lead-in before the first phoneme
    for begin, end, mnemonic, position in spans:
        labels = timit_labels(mnemonic, speech.text)
        if labels == (PAUSE,):
            if end > begin:
                segments.append(Segment(begin, end, PAUSE, None))
            continue
        word = position if speech.word_of(position) is not None else None
        previous = segments[-1]
        if end == begin and previous.label != PAUSE:
            # rendered inside the previous phoneme: it gets that phoneme's last third
            begin = previous.end - (previous.end - previous.begin) // 3
            previous.end = begin
        if labels[0] in CLOSURES:
            closure, labels = labels[0], labels[1:]
            silent = 0
            if previous.label != PAUSE:
                # keep at least one sample of the previous phoneme
                silent = min(_silent_tail(samples, previous.begin, previous.end), previous.end - previous.begin - 1)
            if silent >= min_closure:
                previous.end -= silent
                segments.append(Segment(previous.end, begin, closure, word))
            else:
                middle = (begin + end) // 2
                segments.append(Segment(begin, middle, closure, word))
                begin = middle
        # the remaining labels share [begin, end) equally
        cuts = np.linspace(begin, end, len(labels) + 1).round().astype(int)
        for b, e, label in zip(cuts[:-1], cuts[1:], labels, strict=True):
            segments.append(Segment(int(b), int(e), label, word))
    return _tidy(segments)


def _tidy(segments: list[Segment]) -> list[Segment]:
    """Empty segments go; pauses at either end are the utterance's edges (``h#``); a run of pauses, or of
    one label within one word, merges into one segment."""
    segments = [s for s in segments if s.end > s.begin]
    for order in (segments, segments[::-1]):
        for segment in order:
            if segment.label != PAUSE:
                break
            segment.label = EDGE
    merged: list[Segment] = []
    for segment in segments:
        if merged and merged[-1].label == segment.label and merged[-1].word == segment.word:
            merged[-1].end = segment.end
        else:
            merged.append(segment)
    return merged


def place(segments: list[Segment], factor: float, offset: int, num_samples: int) -> list[Segment]:
    """Segments at another sample rate (positions times ``factor``), shifted by ``offset`` samples of
    lead-in, inside an utterance of ``num_samples``: the silence before and after is ``h#``, so the
    result starts and ends with ``h#`` as TIMIT's do. Segments that round to nothing go."""
    moved = [
        Segment(round(s.begin * factor) + offset, round(s.end * factor) + offset, s.label, s.word) for s in segments
    ]
    moved = [Segment(0, 0, EDGE, None), *moved, Segment(num_samples, num_samples, EDGE, None)]
    moved[0].end, moved[-1].begin = moved[1].begin, moved[-2].end
    return _tidy(moved)


def word_spans(segments: list[Segment], speech: Speech) -> list[tuple[int, int, str]]:
    """(begin, end, word) in order, as in a ``.WRD`` file: from a word's first phone to its last.

    Where espeak spoke several written words as one ("for the"), their span is shared out in proportion
    to their letters, each cut moved to the nearest phone boundary inside the span.
    """
    groups: dict[int, list[Segment]] = {}
    for s in segments:
        if s.word is not None:
            groups.setdefault(s.word, []).append(s)
    spans = []
    for position, members in sorted(groups.items(), key=lambda item: item[1][0].begin):
        words = [w.lower() for w in speech.word_of(position)]
        begin, end = members[0].begin, members[-1].end
        letters = np.cumsum([0, *map(len, words)]) / sum(map(len, words))
        boundaries = np.array([s.begin for s in members[1:]])
        cuts = [begin]
        for target in begin + letters[1:-1] * (end - begin):
            later = boundaries[boundaries > cuts[-1]]
            cuts.append(int(later[np.abs(later - target).argmin()]) if later.size else round(target))
        cuts.append(end)
        spans += [(b, e, w) for b, e, w in zip(cuts[:-1], cuts[1:], words, strict=True) if e > b]
    return spans
