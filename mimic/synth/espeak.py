"""libespeak-ng through ctypes: speech for a sentence, with the sample position of every phoneme.

Initialised with phoneme events (``espeakINITIALIZE_PHONEME_EVENTS``) in synchronous mode, espeak-ng calls
our synth callback with blocks of audio and an event list; each ``espeakEVENT_PHONEME`` carries the
phoneme's mnemonic and ``sample``, the index in the output stream where the phoneme begins. That is a
true alignment, not one estimated after the fact.

espeak-ng keeps wave-generator state (pitch flutter, phase) from one sentence to the next, so the same
sentence sounds slightly different the second time in a process. Determinism therefore comes from the
caller: synthesise a fixed sequence of sentences in a fresh process (``mimic.synth.worker``).
"""

import ctypes
import ctypes.util
from dataclasses import dataclass
from pathlib import Path

import numpy as np

LIBRARY_NAMES = ("espeak-ng", "libespeak-ng.so.1")
INSTALL_HINT = "install the Debian package 'espeak-ng' (it brings libespeak-ng1), e.g. `sudo apt-get install espeak-ng`"

# speak_lib.h (API revision 12)
_AUDIO_OUTPUT_SYNCHRONOUS = 2
_INITIALIZE_PHONEME_EVENTS = 0x0001
_EVENT_LIST_TERMINATED = 0
_EVENT_WORD = 1
_EVENT_PHONEME = 7
_CHARS_UTF8 = 1
_POS_CHARACTER = 1
_PUNCTUATION = '.,;:!?"()[]'
_PARAMETERS = {"rate": 1, "volume": 2, "pitch": 3, "range": 4, "wordgap": 7}


class _EventId(ctypes.Union):
    _fields_ = [("number", ctypes.c_int), ("name", ctypes.c_char_p), ("string", ctypes.c_char * 8)]


class _Event(ctypes.Structure):
    _fields_ = [
        ("type", ctypes.c_int),
        ("unique_identifier", ctypes.c_uint),
        ("text_position", ctypes.c_int),
        ("length", ctypes.c_int),
        ("audio_position", ctypes.c_int),  # ms
        ("sample", ctypes.c_int),  # output sample index where the event happens
        ("user_data", ctypes.c_void_p),
        ("id", _EventId),
    ]


_SynthCallback = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.POINTER(_Event))


class EspeakUnavailable(RuntimeError):
    """libespeak-ng cannot be loaded or initialised."""


def load_library() -> ctypes.CDLL:
    """The libespeak-ng shared library, or an error that says which package to install."""
    candidates = [ctypes.util.find_library("espeak-ng"), *LIBRARY_NAMES[1:]]
    errors = []
    for name in filter(None, candidates):
        try:
            return ctypes.CDLL(name)
        except OSError as err:
            errors.append(str(err))
    reason = "; ".join(errors) or "not on the library path"
    raise EspeakUnavailable(f"libespeak-ng not found ({reason}): {INSTALL_HINT}")


def espeak_version() -> str:
    """libespeak-ng's version string, e.g. ``1.51``."""
    lib = load_library()
    lib.espeak_Info.restype = ctypes.c_char_p
    return lib.espeak_Info(None).decode()


def espeak_available() -> bool:
    try:
        load_library()
    except EspeakUnavailable:
        return False
    return True


@dataclass(frozen=True)
class Speech:
    """One synthesised sentence."""

    text: str
    samples: np.ndarray  # (N,) int16 at ``sample_rate``
    sample_rate: int
    phonemes: list[tuple[int, str, int]]  # (first sample, espeak mnemonic, text position), in order
    words: dict[int, tuple[str, ...]]  # text position (1-based) -> the written words spoken from there

    def word_of(self, text_position: int) -> tuple[str, ...] | None:
        """The written word(s) a phoneme belongs to (pauses carry the position of punctuation: ``None``)."""
        return self.words.get(text_position) or None


class Espeak:
    """One espeak-ng engine in this process (the library is a singleton: make one ``Espeak`` per process)."""

    def __init__(self) -> None:
        self._lib = load_library()
        self.sample_rate = self._lib.espeak_Initialize(_AUDIO_OUTPUT_SYNCHRONOUS, 0, None, _INITIALIZE_PHONEME_EVENTS)
        if self.sample_rate <= 0:
            raise EspeakUnavailable(f"espeak_Initialize failed ({self.sample_rate}): is espeak-ng-data installed?")
        self._blocks: list[np.ndarray] = []
        self._phonemes: list[tuple[int, str, int]] = []
        self._words: set[int] = set()  # text positions where words begin
        self._callback = _SynthCallback(self._receive)  # kept on self: ctypes must not free it
        self._lib.espeak_SetSynthCallback(self._callback)

    def _receive(self, wav, num_samples: int, events) -> int:
        if wav and num_samples > 0:
            self._blocks.append(np.ctypeslib.as_array(wav, shape=(num_samples,)).copy())
        i = 0
        while events[i].type != _EVENT_LIST_TERMINATED:
            event = events[i]
            if event.type == _EVENT_PHONEME:
                name = bytes(event.id.string).split(b"\0")[0].decode("utf-8")
                self._phonemes.append((event.sample, name, event.text_position))
            elif event.type == _EVENT_WORD:
                self._words.add(event.text_position)
            i += 1
        return 0  # 0: go on synthesising

    def variants(self) -> list[str]:
        """Names of the voice variants installed with espeak-ng-data (``m1``, ``f3``, ``klatt``...)."""
        data = ctypes.c_char_p()
        self._lib.espeak_Info.restype = ctypes.c_char_p
        self._lib.espeak_Info(ctypes.byref(data))
        folder = Path(data.value.decode()) / "voices" / "!v" if data.value else None
        return sorted(p.name for p in folder.iterdir()) if folder and folder.is_dir() else []

    def set_voice(self, name: str) -> None:
        """A voice such as ``en-us`` or ``en-us+f3`` (language + variant)."""
        language, _, variant = name.partition("+")
        # espeak falls back to the plain voice for an unknown variant without a word: check it ourselves
        if variant and variant not in self.variants():
            raise ValueError(f"espeak-ng has no voice {name!r}: no variant {variant!r} in espeak-ng-data/voices/!v")
        if self._lib.espeak_SetVoiceByName(name.encode("utf-8")) != 0:
            raise ValueError(f"espeak-ng has no voice {name!r} (list them with `espeak-ng --voices`)")

    def set(self, parameter: str, value: int) -> None:
        """rate (words per minute), volume, pitch and range (0-100), wordgap (10 ms units)."""
        if self._lib.espeak_SetParameter(_PARAMETERS[parameter], int(value), 0) != 0:
            raise ValueError(f"espeak-ng refused {parameter}={value}")

    def speak(self, text: str) -> Speech:
        self._blocks, self._phonemes, self._words = [], [], set()
        data = text.encode("utf-8")
        status = self._lib.espeak_Synth(data, len(data) + 1, 0, _POS_CHARACTER, 0, _CHARS_UTF8, None, None)
        if status != 0 or self._lib.espeak_Synchronize() != 0:
            raise RuntimeError(f"espeak-ng failed (status {status}) on {text!r}")
        samples = np.concatenate(self._blocks) if self._blocks else np.zeros(0, np.int16)
        # A word event's position counts characters from 1. espeak sometimes speaks several written words
        # as one ("for the"): a group is every token up to the next word event, without punctuation, as
        # TIMIT's .WRD files write words ("didn't", not espeak's "didn").
        starts = sorted(self._words)
        words = {}
        for position, following in zip(starts, [*starts[1:], len(text) + 1], strict=True):
            tokens = (token.strip(_PUNCTUATION) for token in text[position - 1 : following - 1].split())
            words[position] = tuple(token for token in tokens if token)
        return Speech(text, samples.astype(np.int16), self.sample_rate, self._phonemes, words)
