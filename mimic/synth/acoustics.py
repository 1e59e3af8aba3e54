"""Rooms and noise for synthetic recordings: room impulse responses, convolution, mixing at an SNR, babble.

The room is the statistical (Polack) model of a diffuse reverberant field: a direct path, then
Gaussian noise whose envelope decays by 60 dB in RT60 seconds, scaled so that the direct path's energy
over the tail's is the asked direct-to-reverberant ratio. It reproduces the two numbers that set how
much a room smears speech (decay time and DRR) without modelling a room's geometry. All arithmetic is
numpy (FFT convolution), so a seed gives the same bytes on every machine.
"""

import numpy as np

_DECAY_60_DB = np.log(1e3)  # amplitude falls by 1e3 (60 dB) over RT60: exp(-6.91 t / RT60)
_ONSET_S = 0.0025  # the first reflections arrive a few ms after the direct sound


def room_response(rt60_s: float, drr_db: float, rng: np.random.Generator, rate: int = 16000) -> np.ndarray:
    """(L,) impulse response at ``rate``: 1 at t = 0 (the direct path), then a decaying diffuse tail."""
    length = int(round(1.2 * rt60_s * rate))  # past the 60 dB point
    t = np.arange(length) / rate
    tail = rng.standard_normal(length) * np.exp(-_DECAY_60_DB * t / rt60_s)
    tail[: int(round(_ONSET_S * rate)) + 1] = 0.0
    tail *= np.sqrt(10.0 ** (-drr_db / 10.0) / np.sum(tail**2))  # direct energy is 1
    tail[0] = 1.0
    return tail


def reverberate(audio: np.ndarray, response: np.ndarray) -> np.ndarray:
    """(N,) audio through a room: the first N samples of the convolution (the direct path is not delayed,
    so phone boundaries stay where they were)."""
    size = len(audio) + len(response) - 1
    spectrum = np.fft.rfft(audio, size) * np.fft.rfft(response, size)
    return np.fft.irfft(spectrum, size)[: len(audio)]


def speech_power(speech: np.ndarray) -> float:
    """Mean power of the voiced samples (above 1% of the peak): pauses do not dilute it."""
    voiced = speech[np.abs(speech) > 0.01 * np.abs(speech).max(initial=1.0)]
    return float(np.mean(voiced**2)) if voiced.size else 1.0


def scaled_noise(noise: np.ndarray, power: float, snr_db: float) -> np.ndarray:
    """``noise`` scaled so that ``power`` over its mean power is ``snr_db``."""
    return noise * np.sqrt(power / 10.0 ** (snr_db / 10.0) / max(float(np.mean(noise**2)), 1e-20))


def babble(talkers: list[np.ndarray], length: int, rng: np.random.Generator) -> np.ndarray:
    """(length,) babble: each talker's speech from a random point (looped), at equal power, summed."""
    track = np.zeros(length)
    for speech in talkers:
        start = int(rng.integers(len(speech)))
        segment = speech[(start + np.arange(length)) % len(speech)]  # loops the talker where it is short
        track += segment / np.sqrt(max(float(np.mean(segment**2)), 1e-20))
    return track
