"""NIST SPHERE audio (TIMIT's ``.WAV``) and ``.PHN`` phone alignments, read with the checks a bad copy needs,
and written as the LDC disc lays them out (for fixtures and the synthetic corpus)."""

from pathlib import Path

import numpy as np
import soundfile

from mimic.formats.timit_phones import PHONE_INDEX

HEADER_MAGIC = b"NIST_1A"
HEADER_SIZE = 1024


def sphere_bytes(samples: np.ndarray, utterance_id: str, database_id: str = "TIMIT") -> bytes:
    """A 1024-byte ``NIST_1A`` header with TIMIT's fields, then the (N,) samples as little-endian 16-bit."""
    samples = np.asarray(samples)
    if samples.ndim != 1 or samples.dtype != np.int16:
        raise ValueError(f"SPHERE writer: expected (N,) int16 samples, got {samples.shape} {samples.dtype}")
    fields = [
        f"database_id -s{len(database_id)} {database_id}",
        "database_version -s3 1.0",
        f"utterance_id -s{len(utterance_id)} {utterance_id}",
        "channel_count -i 1",
        f"sample_count -i {len(samples)}",
        "sample_rate -i 16000",
        f"sample_min -i {int(samples.min(initial=0))}",
        f"sample_max -i {int(samples.max(initial=0))}",
        "sample_n_bytes -i 2",
        "sample_byte_format -s2 01",
        "sample_sig_bits -i 16",
        "end_head",
    ]
    header = f"NIST_1A\n   {HEADER_SIZE}\n" + "\n".join(fields) + "\n"
    return header.encode("ascii").ljust(HEADER_SIZE, b" ") + samples.astype("<i2").tobytes()


def sphere_header(path: Path) -> dict[str, str]:
    """The ``key -type value`` fields of a SPHERE header (values as text)."""
    with open(path, "rb") as f:
        head = f.read(1024)
    if not head.startswith(HEADER_MAGIC):
        raise ValueError(f"{path}: not a NIST SPHERE file (expected it to begin with 'NIST_1A', found {head[:7]!r})")
    lines = head.decode("ascii", errors="replace").splitlines()
    try:
        header_size = int(lines[1])
    except (IndexError, ValueError) as err:
        raise ValueError(f"{path}: SPHERE header size missing on line 2") from err
    fields = {}
    for line in lines[2:]:
        if line.strip() == "end_head":
            return {**fields, "_header_size": str(header_size)}
        parts = line.split(maxsplit=2)
        if len(parts) == 3:
            fields[parts[0]] = parts[2]
    raise ValueError(f"{path}: SPHERE header has no 'end_head' within its first 1024 bytes")


def read_sphere(path: str | Path) -> tuple[np.ndarray, int]:
    """16-bit mono SPHERE audio as (N,) int16 and its sample rate; a truncated file is an error."""
    path = Path(path)
    header = sphere_header(path)
    expected = int(header.get("sample_count", -1))
    try:
        samples, rate = soundfile.read(path, dtype="int16")
    except (RuntimeError, soundfile.LibsndfileError) as err:
        raise ValueError(f"{path}: libsndfile cannot read it as SPHERE audio ({err})") from err
    if samples.ndim != 1:
        raise ValueError(f"{path}: expected mono audio, found {samples.shape[1]} channels")
    stored = (path.stat().st_size - int(header["_header_size"])) // 2
    if expected >= 0 and stored < expected:
        raise ValueError(f"{path}: truncated: header says {expected} samples, the file holds {stored}")
    return samples, rate


def read_phn(path: str | Path, num_samples: int) -> list[tuple[int, int, str]]:
    """``begin end phone`` segments of a ``.PHN`` file, checked to be contiguous, known, and inside the audio."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: missing phone alignment (every .WAV needs its .PHN)")
    segments = []
    for number, line in enumerate(path.read_text().splitlines(), 1):
        if not line.strip():
            continue
        parts = line.split()
        if len(parts) != 3 or not parts[0].isdigit() or not parts[1].isdigit():
            raise ValueError(f"{path}:{number}: expected 'begin_sample end_sample phone', found {line!r}")
        begin, end, phone = int(parts[0]), int(parts[1]), parts[2]
        if phone not in PHONE_INDEX:
            raise ValueError(f"{path}:{number}: unknown phone {phone!r}; expected one of the 61 TIMIT labels")
        if end <= begin:
            raise ValueError(f"{path}:{number}: segment ends ({end}) before it begins ({begin})")
        if segments and begin != segments[-1][1]:
            raise ValueError(f"{path}:{number}: segment begins at {begin}, the previous one ended at {segments[-1][1]}")
        if end > num_samples:
            raise ValueError(f"{path}:{number}: segment ends at sample {end}, past the audio's {num_samples} samples")
        segments.append((begin, end, phone))
    if not segments:
        raise ValueError(f"{path}: no phone segments")
    return segments
