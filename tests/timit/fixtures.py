"""A TIMIT-layout fixture corpus: SPHERE headers laid out like the LDC disc's, ``.PHN`` alignments."""

from pathlib import Path

import numpy as np

PHONES_OF_UTTERANCE = ["h#", "sh", "iy", "hh", "ae", "dcl", "d", "h#"]


def sphere_bytes(samples: np.ndarray, utterance_id: str) -> bytes:
    """A 1024-byte NIST_1A header as TIMIT's, then little-endian 16-bit samples."""
    fields = [
        "database_id -s5 TIMIT",
        "database_version -s3 1.0",
        f"utterance_id -s{len(utterance_id)} {utterance_id}",
        "channel_count -i 1",
        f"sample_count -i {len(samples)}",
        "sample_rate -i 16000",
        f"sample_min -i {int(samples.min())}",
        f"sample_max -i {int(samples.max())}",
        "sample_n_bytes -i 2",
        "sample_byte_format -s2 01",
        "sample_sig_bits -i 16",
        "end_head",
    ]
    header = ("NIST_1A\n   1024\n" + "\n".join(fields) + "\n").encode("ascii")
    return header.ljust(1024, b" ") + samples.astype("<i2").tobytes()


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
