"""Frame features for TIMIT: log mel filter banks + log energy, with deltas, and context windows.

The paper's input: 40 log mel banks + log energy = 41, with first and second temporal derivatives = 123 per
frame (25 ms Hamming window, 10 ms shift), +/- 7 frames of context = 15 x 123 = 1845 inputs. The context
windows are never materialised for a whole split (about 8 GB for TIMIT's training frames in float32):
``ContextWindows`` assembles them per batch from the (frames, 123) array by index arithmetic.
"""

import hashlib
import json
from dataclasses import asdict, dataclass

import numpy as np
import torch
import torchaudio
from torch import Tensor


@dataclass(frozen=True)
class FeatureSettings:
    """Args:
    num_mel_bins: mel filter banks.
    energy: append the log energy of the frame.
    deltas: append first and second temporal derivatives (x3 the width).
    frame_length_ms: analysis window (Hamming).
    frame_shift_ms: hop between frames.
    """

    num_mel_bins: int = 40
    energy: bool = True
    deltas: bool = True
    frame_length_ms: float = 25.0
    frame_shift_ms: float = 10.0

    @property
    def dim(self) -> int:
        return (self.num_mel_bins + int(self.energy)) * (3 if self.deltas else 1)

    def key(self) -> str:
        """Short stable hash naming the on-disk feature cache of these settings."""
        return hashlib.sha256(json.dumps(asdict(self), sort_keys=True).encode()).hexdigest()[:12]


def utterance_features(samples: np.ndarray, sample_rate: int, settings: FeatureSettings) -> Tensor:
    """(T, settings.dim) float32 features of one utterance; frame t covers samples from t * shift."""
    wave = torch.from_numpy(samples.astype(np.float32)).unsqueeze(0)  # (1, N), int16 scale as Kaldi expects
    banks = torchaudio.compliance.kaldi.fbank(
        wave,
        num_mel_bins=settings.num_mel_bins,
        frame_length=settings.frame_length_ms,
        frame_shift=settings.frame_shift_ms,
        sample_frequency=sample_rate,
        window_type="hamming",
        use_energy=settings.energy,
        dither=0.0,  # deterministic features: the cache must not depend on a random draw
    )  # (T, banks + energy)
    if not settings.deltas:
        return banks
    by_time = banks.T  # (D, T): compute_deltas works along the last axis
    first = torchaudio.functional.compute_deltas(by_time)
    second = torchaudio.functional.compute_deltas(first)
    return torch.cat([by_time, first, second]).T.contiguous()  # (T, 3D)


def num_frames(num_samples: int, sample_rate: int, settings: FeatureSettings) -> int:
    """Frames Kaldi's fbank makes of ``num_samples`` (windows wholly inside the signal)."""
    window = int(sample_rate * settings.frame_length_ms / 1000)
    shift = int(sample_rate * settings.frame_shift_ms / 1000)
    return 0 if num_samples < window else 1 + (num_samples - window) // shift


class ContextWindows:
    """Frames with +/- ``context`` neighbours, gathered per batch; edges repeat the utterance's end frames.

    Args:
        features: (N, D) frames of all utterances, one after another.
        offsets: (U + 1,) int64: utterance u holds rows ``offsets[u]:offsets[u + 1]``.
        context: neighbours on each side (7 gives 15 frames).
    """

    def __init__(self, features: Tensor, offsets: Tensor, context: int = 7) -> None:
        if offsets[0] != 0 or offsets[-1] != len(features):
            raise ValueError(f"offsets must run from 0 to {len(features)}, got {offsets[0]}..{offsets[-1]}")
        self.features, self.offsets, self.context = features, offsets, context
        self.shifts = torch.arange(-context, context + 1, device=features.device)  # (W,)

    def to(self, device: torch.device) -> "ContextWindows":
        """The same windows with the frames on ``device``, where they are then gathered (``frames`` too)."""
        return ContextWindows(self.features.to(device), self.offsets.to(device), self.context)

    def __len__(self) -> int:
        return len(self.features)

    def __call__(self, frames: Tensor) -> Tensor:
        """(B,) global frame indices, on the features' device -> (B, 2 * context + 1, D) windows there."""
        utterance = torch.searchsorted(self.offsets, frames, right=True) - 1  # (B,)
        first, last = self.offsets[utterance], self.offsets[utterance + 1] - 1  # (B,), (B,)
        rows = (frames[:, None] + self.shifts).clamp(first[:, None], last[:, None])  # (B, W)
        return self.features[rows]  # (B, W, D)
