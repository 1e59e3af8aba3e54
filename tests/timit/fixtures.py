"""A TIMIT-layout fixture corpus: SPHERE headers laid out like the LDC disc's, ``.PHN`` alignments."""

from pathlib import Path

import numpy as np

from mimic.formats.sphere import sphere_bytes

PHONES_OF_UTTERANCE = ["h#", "sh", "iy", "hh", "ae", "dcl", "d", "h#"]


def write_utterance(folder: Path, name: str, seed: int, upper: bool = True) -> None:
    rng = np.random.default_rng(seed)
    bounds = np.cumsum([0, *rng.integers(800, 2400, len(PHONES_OF_UTTERANCE))])
    samples = (rng.normal(0, 2000, bounds[-1])).astype(np.int16)
    wav, phn = (f"{name}.WAV", f"{name}.PHN") if upper else (f"{name}.wav", f"{name}.phn")
    (folder / wav).write_bytes(sphere_bytes(samples, f"{folder.name.lower()}_{name.lower()}"))
    lines = [f"{b} {e} {p}" for b, e, p in zip(bounds[:-1], bounds[1:], PHONES_OF_UTTERANCE, strict=True)]
    (folder / phn).write_text("\n".join(lines) + "\n")


def make_timit(root: Path, upper: bool = True) -> Path:
    """Train speakers fcjf0 and mdab1; test speakers faks0 (dev), mdab0 (core test), mxyz0 (neither)."""
    case = str.upper if upper else str.lower
    speakers = {("train", "dr1", "fcjf0"): 0, ("train", "dr2", "mdab1"): 10, ("test", "dr1", "faks0"): 20}
    speakers |= {("test", "dr1", "mdab0"): 30, ("test", "dr3", "mxyz0"): 40}
    for (side, dialect, speaker), seed in speakers.items():
        folder = root / case(side) / case(dialect) / case(speaker)
        folder.mkdir(parents=True)
        for offset, name in enumerate(("SA1", "SI1027", "SX37")):
            write_utterance(folder, case(name), seed + offset, upper)
    return root
