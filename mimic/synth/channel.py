"""From espeak's clean 22.05 kHz output to a 16 kHz, 16-bit "recording": a speaker's channel and room.

Resampling is done in the frequency domain with numpy's FFT: the spectrum up to 8 kHz is kept (an ideal
low-pass) and, in the same step, shaped by the speaker's channel colouring. numpy's FFT gives the same
numbers on every run and thread count, which keeps the corpus byte-identical for a given seed.
"""

from dataclasses import dataclass

import numpy as np

from mimic.synth.acoustics import reverberate, scaled_noise, speech_power

TARGET_RATE = 16000


@dataclass(frozen=True)
class Channel:
    """A speaker's microphone and room: a smooth frequency response and background noise."""

    tilt_db: float  # gain at 8 kHz relative to 0 Hz (log-frequency ramp), dB
    resonances: tuple[tuple[float, float, float], ...]  # (centre Hz, gain dB, width octaves)
    snr_db: float  # speech power over noise power
    lead_s: float  # silence before the speech (TIMIT's opening h#)
    trail_s: float  # silence after it

    @classmethod
    def draw(
        cls, rng: np.random.Generator, snr_db: tuple[float, float] = (22.0, 40.0), resonance_db: float = 8.0
    ) -> "Channel":
        # two broad bumps or dips: centre log-uniform in 250 Hz..6 kHz, +-resonance_db, 0.4..1.5 octaves wide
        resonances = tuple(
            (
                float(np.exp(rng.uniform(np.log(250), np.log(6000)))),
                rng.uniform(-resonance_db, resonance_db),
                rng.uniform(0.4, 1.5),
            )
            for _ in range(2)
        )
        return cls(
            tilt_db=float(rng.uniform(-8, 4)),
            resonances=resonances,
            snr_db=float(rng.uniform(*snr_db)),
            lead_s=float(rng.uniform(0.1, 0.25)),
            trail_s=float(rng.uniform(0.1, 0.25)),
        )

    def gain(self, freqs: np.ndarray) -> np.ndarray:
        """Linear amplitude gain at ``freqs`` (Hz)."""
        octaves = np.log2(np.maximum(freqs, 50.0) / 50.0)  # 0 at 50 Hz and below
        db = self.tilt_db * octaves / np.log2(TARGET_RATE / 2 / 50.0)
        for centre, gain_db, width in self.resonances:
            db = db + gain_db * np.exp(-0.5 * ((octaves - np.log2(centre / 50.0)) / width) ** 2)
        return 10.0 ** (db / 20.0)


def resampled_length(n: int, rate: int) -> int:
    """Samples at 16 kHz of ``n`` samples at ``rate``."""
    return round(n * TARGET_RATE / rate)


def recording_length(n: int, rate: int, channel: Channel) -> int:
    """Samples of the recording ``record`` makes of ``n`` samples at ``rate``."""
    return round(channel.lead_s * TARGET_RATE) + resampled_length(n, rate) + round(channel.trail_s * TARGET_RATE)


FLAT = Channel(tilt_db=0.0, resonances=(), snr_db=0.0, lead_s=0.0, trail_s=0.0)  # for babble talkers


def resample_coloured(samples: np.ndarray, rate: int, channel: Channel) -> np.ndarray:
    """(N,) audio at ``rate`` -> (resampled_length(N, rate),) float64 at 16 kHz through the channel."""
    n_in = len(samples)
    n_out = resampled_length(n_in, rate)
    spectrum = np.fft.rfft(samples.astype(np.float64))
    kept = spectrum[: n_out // 2 + 1]
    if len(kept) < n_out // 2 + 1:  # upsampling: pad with zeros above the input's Nyquist
        kept = np.concatenate([kept, np.zeros(n_out // 2 + 1 - len(kept), complex)])
    freqs = np.arange(len(kept)) * rate / n_in
    return np.fft.irfft(kept * channel.gain(freqs), n_out) * (n_out / n_in)


def record(
    samples: np.ndarray,
    rate: int,
    channel: Channel,
    rng: np.random.Generator,
    room: np.ndarray | None = None,
    noise: tuple[np.ndarray, float] | None = None,
) -> tuple[np.ndarray, int]:
    """espeak's (N,) int16 -> (M,) int16 at 16 kHz with lead-in and trailing silence, through the
    speaker's channel and optionally a ``room`` (impulse response), plus background noise: stationary at
    the channel's SNR, or ``noise`` = (a babble track of at least M samples, its SNR in dB). Peak-normalised
    to a random recording level; also returns the lead-in in samples (where speech starts)."""
    speech = resample_coloured(samples, rate, channel)
    lead, trail = round(channel.lead_s * TARGET_RATE), round(channel.trail_s * TARGET_RATE)
    audio = np.concatenate([np.zeros(lead), speech, np.zeros(trail)])
    power = speech_power(speech)  # of the dry speech: the SNR is what was asked, with or without a room
    if room is not None:
        audio = reverberate(audio, room)
    if noise is None:
        audio = audio + rng.normal(0.0, np.sqrt(power / 10.0 ** (channel.snr_db / 10.0)), len(audio))
    else:
        track, snr_db = noise
        audio = audio + scaled_noise(track[: len(audio)], power, snr_db)
    level = 10.0 ** (rng.uniform(-12.0, -3.0) / 20.0)  # peak at -12..-3 dBFS
    audio = audio * (level * 32767.0 / np.abs(audio).max())
    return np.clip(np.round(audio), -32768, 32767).astype(np.int16), lead
