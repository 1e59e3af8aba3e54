"""How much a synthetic corpus varies beyond its voices: noise (stationary or babble) at an SNR range,
reverberant rooms, microphone channels, and speaking rate and pitch that move within a speaker.

Real speech is hard for a frame classifier because of this variability, and it is where deep nets pay
off; espeak-ng's clean voices alone make a corpus that a shallow net already masters. The defaults
(``PRESETS["clean"]``) are the generator's original recordings, unchanged byte for byte; ``"hard"`` turns
every kind of variability on.
"""

from dataclasses import asdict, dataclass, fields, replace
from typing import Literal

Voices = Literal["basic", "many"]


@dataclass(frozen=True)
class Variability:
    """Args:
    snr_db: range of the speech-to-noise ratio, drawn per speaker (stationary noise) or per utterance (babble).
    babble: share of the utterances whose noise is babble (other synthetic talkers) instead of stationary.
    babble_talkers: talkers summed into one babble track.
    reverb: share of the utterances recorded in a reverberant room.
    rt60_s: range of the rooms' reverberation time (60 dB decay), seconds.
    drr_db: range of the direct-to-reverberant energy ratio, dB.
    rate_jitter: each utterance's speaking rate is the speaker's times 1 +- up to this.
    pitch_jitter: each utterance's base pitch is the speaker's +- up to this (espeak's 0-100 scale).
    channel_db: largest gain of a speaker's two channel resonances, +- dB.
    voices: ``basic`` (espeak's m1-m8, f1-f5) or ``many`` (35 more of espeak-ng's human-sounding variants).
    """

    snr_db: tuple[float, float] = (22.0, 40.0)
    babble: float = 0.0
    babble_talkers: int = 4
    reverb: float = 0.0
    rt60_s: tuple[float, float] = (0.2, 0.8)
    drr_db: tuple[float, float] = (0.0, 10.0)
    rate_jitter: float = 0.0
    pitch_jitter: int = 0
    channel_db: float = 8.0
    voices: Voices = "basic"

    def __post_init__(self) -> None:
        for name, (low, high) in _RANGES.items():
            value = getattr(self, name)
            values = value if isinstance(value, tuple) else (value,)
            if isinstance(value, tuple) and (len(value) != 2 or value[0] > value[1]):
                raise ValueError(f"{_option(name)} takes LOW HIGH with LOW <= HIGH, got {_shown(value)}")
            if any(not low <= v <= high for v in values):
                raise ValueError(f"{_option(name)} must lie in [{low}, {high}], got {_shown(value)}")
        if self.voices not in ("basic", "many"):
            raise ValueError(f"--voices must be basic or many, got {self.voices!r}")

    @classmethod
    def from_dict(cls, values: dict) -> "Variability":
        """From ``asdict`` output (JSON turns the ranges into lists)."""
        return cls(**{k: tuple(v) if isinstance(v, list) else v for k, v in values.items()})

    def with_options(self, **options) -> "Variability":
        """This variability with the options that were given (``None``: keep)."""
        known = {f.name for f in fields(self)}
        return replace(self, **{k: v for k, v in options.items() if k in known and v is not None})

    def summary(self) -> dict:
        return asdict(self)


_RANGES = {  # option: what the generator accepts (wider makes no sense or breaks the recording)
    "snr_db": (-10.0, 60.0),
    "babble": (0.0, 1.0),
    "babble_talkers": (1, 12),
    "reverb": (0.0, 1.0),
    "rt60_s": (0.05, 2.0),
    "drr_db": (-10.0, 30.0),
    "rate_jitter": (0.0, 0.5),
    "pitch_jitter": (0, 40),
    "channel_db": (0.0, 24.0),
}


def _option(name: str) -> str:
    return "--" + name.replace("_", "-")


def _shown(value) -> str:
    return " ".join(str(v) for v in value) if isinstance(value, tuple) else str(value)


PRESETS = {
    "clean": Variability(),
    # Every kind on: noise from 0 to 20 dB, half of it babble, two thirds of the utterances reverberant,
    # rate +-15% and pitch +-10 within a speaker, stronger channels, 48 voices.
    "hard": Variability(
        snr_db=(0.0, 20.0),
        babble=0.5,
        reverb=0.67,
        rt60_s=(0.2, 0.9),
        drr_db=(-3.0, 10.0),
        rate_jitter=0.15,
        pitch_jitter=10,
        channel_db=14.0,
        voices="many",
    ),
}
