"""Features of a whole split, computed once with a progress line and cached on disk as one array.

The cache file holds the frames of every utterance one after another (N, D), the utterance offsets, the
183-class frame targets and each utterance's reference phone sequence; it is named by the split and a
hash of the feature settings, and read back with ``weights_only=True``. It also records a fingerprint of
the source files (path, size, modification time of every ``.WAV`` and ``.PHN``), so that a corpus that
was regenerated or replaced in place (``mimic data synth-timit --overwrite``) is never read from stale
features.
"""

import hashlib
import sys
from dataclasses import dataclass, field
from pathlib import Path

import torch
from torch import Tensor

from mimic.atomic import atomic_file
from mimic.batch import NO_LABEL
from mimic.data.timit.features import FeatureSettings, num_frames, utterance_features
from mimic.data.timit.targets import frame_targets
from mimic.formats.sphere import read_phn, read_sphere
from mimic.formats.timit_corpus import Utterance
from mimic.formats.timit_phones import PHONE_INDEX


@dataclass
class SplitFeatures:
    features: Tensor  # (N, D) float32
    offsets: Tensor  # (U + 1,) int64 frame offsets of the utterances
    targets: Tensor  # (N,) int64, 183 classes
    phones: Tensor  # (P,) int64 reference phones (61-set indices) of all utterances, concatenated
    phone_offsets: Tensor  # (U + 1,) int64
    names: list[str]  # "speaker/utterance"
    skipped: list[str] = field(default_factory=list)  # "speaker/utterance: reason" when skip_bad

    def reference(self, utterance: int) -> list[int]:
        return self.phones[self.phone_offsets[utterance] : self.phone_offsets[utterance + 1]].tolist()

    def to_file(self) -> dict:
        state = {k: getattr(self, k) for k in ("features", "offsets", "targets", "phones", "phone_offsets")}
        return {**state, "names": list(self.names), "skipped": list(self.skipped)}


def concatenate(first: SplitFeatures, second: SplitFeatures) -> SplitFeatures:
    """``second``'s utterances after ``first``'s: frame ``i`` of ``second`` becomes ``len(first) + i``."""
    return SplitFeatures(
        features=torch.cat([first.features, second.features]),
        offsets=torch.cat([first.offsets, second.offsets[1:] + first.offsets[-1]]),
        targets=torch.cat([first.targets, second.targets]),
        phones=torch.cat([first.phones, second.phones]),
        phone_offsets=torch.cat([first.phone_offsets, second.phone_offsets[1:] + first.phone_offsets[-1]]),
        names=[*first.names, *second.names],
        skipped=[*first.skipped, *second.skipped],
    )


def _progress(split: str, done: int, total: int) -> None:
    end = "\n" if done == total else ""
    print(f"\r[mimic] TIMIT {split} features: {done}/{total} utterances", end=end, file=sys.stderr, flush=True)


def compute_split(
    utterances: list[Utterance], split: str, settings: FeatureSettings, skip_bad: bool = False
) -> SplitFeatures:
    """Read and featurise every utterance; a bad one stops the run unless ``skip_bad`` (then it is listed)."""
    features, targets, phones, names, skipped = [], [], [], [], []
    for done, utterance in enumerate(utterances, 1):
        name = f"{utterance.speaker}/{utterance.name}"
        try:
            samples, rate = read_sphere(utterance.wav)
            # transfer speech has no transcription: its frames are unlabeled, its phone list empty
            segments = read_phn(utterance.phn, len(samples)) if utterance.phn is not None else []
            frames = utterance_features(samples, rate, settings)  # (T, D)
            if len(frames) != num_frames(len(samples), rate, settings):
                raise ValueError(f"{utterance.wav}: {len(frames)} frames, expected the Kaldi count")
            shift = int(rate * settings.frame_shift_ms / 1000)
            window = int(rate * settings.frame_length_ms / 1000)
            if utterance.phn is None:
                frame_labels = torch.full((len(frames),), NO_LABEL, dtype=torch.long)
            else:
                frame_labels = frame_targets(segments, len(frames), shift, window)  # (T,)
        except (ValueError, FileNotFoundError) as err:
            if not skip_bad:
                raise
            skipped.append(f"{name}: {err}")
            continue
        features.append(frames)
        targets.append(frame_labels)
        phones.append(torch.tensor([PHONE_INDEX[p] for _, _, p in segments], dtype=torch.long))
        names.append(name)
        if done % 50 == 0 or done == len(utterances):
            _progress(split, done, len(utterances))
    if not features:
        raise ValueError(f"TIMIT {split}: no usable utterances ({len(skipped)} skipped)")

    def offsets_of(parts: list[Tensor]) -> Tensor:
        return torch.tensor([0] + [len(p) for p in parts]).cumsum(0)

    return SplitFeatures(
        features=torch.cat(features),
        offsets=offsets_of(features),
        targets=torch.cat(targets),
        phones=torch.cat(phones),
        phone_offsets=offsets_of(phones),
        names=names,
        skipped=skipped,
    )


def source_fingerprint(utterances: list[Utterance]) -> str:
    """A hash of where the split's files are and of their size and modification time."""
    digest = hashlib.sha1()
    for u in utterances:
        for path in (u.wav, u.phn) if u.phn is not None else (u.wav,):
            stat = path.stat() if path.is_file() else None
            digest.update(f"{path.resolve()}|{stat and stat.st_size}|{stat and stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()


def load_or_compute(
    utterances: list[Utterance],
    split: str,
    settings: FeatureSettings,
    cache_dir: str | Path | None,
    skip_bad: bool = False,
) -> SplitFeatures:
    """The split's features from ``cache_dir`` if computed before with the same settings from the same files."""
    if cache_dir is None:
        return compute_split(utterances, split, settings, skip_bad)
    path = Path(cache_dir) / f"timit-{split}-{settings.key()}.pt"
    source = source_fingerprint(utterances)
    if path.is_file():
        cached = torch.load(path, map_location="cpu", weights_only=True)
        if cached.pop("source", None) == source:
            return SplitFeatures(**cached)
    computed = compute_split(utterances, split, settings, skip_bad)
    with atomic_file(path) as f:  # a killed run never leaves half a cache
        torch.save({**computed.to_file(), "source": source}, f)
    return computed
