"""Finding TIMIT on disk (LDC layout, upper or lower case) and splitting it as the standard recipe does.

train: every TRAIN speaker (462 x 8 = 3696 utterances); dev: the 50 listed TEST speakers (400);
core test: the 24 listed TEST speakers (192). SA sentences are excluded everywhere.
"""

from dataclasses import dataclass
from pathlib import Path

_CORE_TEST = """
    mdab0 mwbt0 felc0 mtas1 mwew0 fpas0 mjmp0 mlnt0 fpkt0 mlll0 mtls0 fjlm0
    mbpm0 mklt0 fnlp0 mcmj0 mjdh0 fmgd0 mgrt0 mnjm0 fdhc0 mjln0 mpam0 fmld0
"""
_DEV = """
    faks0 fdac1 fjem0 mgwt0 mjar0 mmdb1 mmdm2 mpdf0 fcmh0 fkms0 mbdg0 mbwm0 mcsh0
    fadg0 fdms0 fedw0 mgjf0 mglb0 mrtk0 mtaa0 mtdt0 mthc0 mwjg0 fnmr0 frew0 fsem0
    mbns0 mmjr0 mdls0 mdlf0 mdvc0 mers0 fmah0 fdrw0 mrcs0 mrjm4 fcal1 mmwh0 fjsj0
    majc0 mjsw0 mreb0 fgjd0 fjmg0 mroa0 mteb0 mjfc0 mrjr0 fmml0 mrws1
"""
CORE_TEST_SPEAKERS = frozenset(_CORE_TEST.split())  # 24
DEV_SPEAKERS = frozenset(_DEV.split())  # 50
EXPECTED_UTTERANCES = {"train": 3696, "dev": 400, "test": 192}


@dataclass(frozen=True)
class Utterance:
    split: str  # train, dev, test, or transfer (unlabeled speech)
    speaker: str  # lower case, e.g. "fcjf0"
    name: str  # lower case utterance id, e.g. "si1027"
    wav: Path
    phn: Path | None  # None for transfer speech


def _child(folder: Path, name: str) -> Path | None:
    """The entry of ``folder`` called ``name`` in any case."""
    for entry in folder.iterdir():
        if entry.name.lower() == name.lower():
            return entry
    return None


def find_sides(root: str | Path) -> tuple[Path, Path]:
    """The TRAIN and TEST folders under ``root`` (or under ``root/timit`` or ``root/data``)."""
    root = Path(root)
    if not root.is_dir():
        raise FileNotFoundError(f"TIMIT root {root} does not exist")
    for base in (root, _child(root, "timit"), _child(root, "data")):
        if base is None or not base.is_dir():
            continue
        train, test = _child(base, "train"), _child(base, "test")
        if train and test and train.is_dir() and test.is_dir():
            return train, test
    raise FileNotFoundError(
        f"no TIMIT under {root}: expected TRAIN/ and TEST/ (any case) holding DR1..DR8/<SPEAKER>/<UTT>.WAV, "
        "as on the LDC93S1 disc"
    )


def _alignment_of(wav: Path) -> Path:
    """The ``.PHN`` beside a ``.WAV``, in whichever case it exists (the upper-case name if neither does)."""
    for suffix in (".PHN", ".phn"):
        if wav.with_suffix(suffix).is_file():
            return wav.with_suffix(suffix)
    return wav.with_suffix(".PHN" if wav.suffix.isupper() else ".phn")


def _utterances(side: Path, split_of) -> list[Utterance]:
    found = []
    for dialect in sorted(side.iterdir()):
        if not (dialect.is_dir() and dialect.name.lower().startswith("dr")):
            continue
        for speaker_dir in sorted(dialect.iterdir()):
            split = split_of(speaker_dir.name.lower()) if speaker_dir.is_dir() else None
            if split is None:
                continue
            for wav in sorted(speaker_dir.iterdir()):
                # '.WAV' is SPHERE; converted '.WAV.wav' twins are skipped; SA sentences are excluded.
                stem = wav.stem.lower()
                if wav.suffix.lower() != ".wav" or stem.endswith(".wav") or stem.startswith("sa"):
                    continue
                found.append(Utterance(split, speaker_dir.name.lower(), stem, wav, _alignment_of(wav)))
    return found


def list_utterances(root: str | Path, strict: bool = True) -> dict[str, list[Utterance]]:
    """Utterances of each split. ``strict`` requires the full corpus and names what is missing."""
    train_side, test_side = find_sides(root)

    def test_split(speaker: str) -> str | None:
        return "dev" if speaker in DEV_SPEAKERS else "test" if speaker in CORE_TEST_SPEAKERS else None

    utterances = _utterances(train_side, lambda speaker: "train") + _utterances(test_side, test_split)
    splits = {split: [u for u in utterances if u.split == split] for split in EXPECTED_UTTERANCES}
    if strict:
        problems = []
        for split, speakers in (("dev", DEV_SPEAKERS), ("test", CORE_TEST_SPEAKERS)):
            missing = sorted(speakers - {u.speaker for u in splits[split]})
            if missing:
                problems.append(f"{split}: speakers {', '.join(missing)} not found under {test_side}")
        for split, expected in EXPECTED_UTTERANCES.items():
            if len(splits[split]) != expected:
                problems.append(f"{split}: {len(splits[split])} utterances, expected {expected}")
        if problems:
            raise FileNotFoundError(f"incomplete TIMIT at {root}: " + "; ".join(problems) + " (strict=False to allow)")
    return splits


TRANSCRIPTION_SUFFIXES = (".phn", ".wrd", ".txt")


def corpus_speakers(root: str | Path) -> set[str]:
    """Every speaker folder of a TIMIT-layout corpus, on either side, in any split or none."""
    speakers = set()
    for side in find_sides(root):
        for dialect in (d for d in side.iterdir() if d.is_dir() and d.name.lower().startswith("dr")):
            speakers |= {s.name.lower() for s in dialect.iterdir() if s.is_dir()}
    return speakers


def list_transfer(root: str | Path, labeled_speakers: set[str]) -> list[Utterance]:
    """Unlabeled speech for students: every ``.WAV`` below ``root`` (``<SPEAKER>/<UTT>.WAV`` at any depth).

    It must stay unlabeled and unseen: a transcription file (``.PHN``, ``.WRD``, ``.TXT``) anywhere below
    ``root`` means it is labeled data, and a speaker folder named as one of ``labeled_speakers`` would put
    a labeled (possibly a test) speaker's voice into training; both are refused, naming the file or folder.
    """
    root = Path(root)
    if not root.is_dir():
        raise FileNotFoundError(f"transfer speech folder {root} does not exist")
    found = []
    for path in sorted(root.rglob("*")):
        if path.suffix.lower() in TRANSCRIPTION_SUFFIXES:
            raise ValueError(
                f"{path}: the transfer speech folder {root} holds transcriptions; it must hold unlabeled "
                "audio only (.WAV), never a labeled corpus"
            )
        if path.suffix.lower() != ".wav" or path.stem.lower().endswith(".wav"):
            continue
        speaker = path.parent.name.lower()
        if speaker in labeled_speakers:
            raise ValueError(
                f"{path.parent}: transfer speaker {speaker} is also a speaker of the labeled corpus; transfer "
                "speech must come from other speakers"
            )
        found.append(Utterance("transfer", speaker, path.stem.lower(), path, None))
    if not found:
        raise FileNotFoundError(f"transfer speech folder {root} holds no .WAV files")
    return found
