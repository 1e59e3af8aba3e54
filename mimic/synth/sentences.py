"""Which sentences each speaker reads, with TIMIT-style utterance ids.

As in TIMIT's design, every speaker reads the two SA sentences (which the standard recipe, and so
``TIMITDataModule``, leaves out), five SX sentences each shared with other speakers, and three SI
sentences. The sentence list is split so that no sentence read on the test side is ever read on the
training side: of the lines after the SA pair, every fifth goes to the test side. Within a side, lines
alternate between the SX and SI pools, and speakers take pool entries in turn, so that every sentence is
read by about the same number of speakers.
"""

from dataclasses import dataclass
from pathlib import Path

DEFAULT_SENTENCES = Path(__file__).with_name("sentences.txt")
SX_PER_SPEAKER, SI_PER_SPEAKER = 5, 3
_SX_BASE, _SI_BASE = 3, 453  # TIMIT numbers SX from 3 and SI from 453 upwards


@dataclass(frozen=True)
class Sentence:
    id: str  # "SA1", "SX17", "SI470": the utterance's file name
    text: str


@dataclass(frozen=True)
class SentencePlan:
    sa: tuple[Sentence, ...]
    pools: dict[str, dict[str, tuple[Sentence, ...]]]  # side -> "sx"/"si" -> sentences

    def for_speaker(self, side: str, turn: int) -> list[Sentence]:
        """The ten sentences of the ``turn``-th speaker (0-based) on ``side``."""
        chosen = list(self.sa)
        for kind, count in (("sx", SX_PER_SPEAKER), ("si", SI_PER_SPEAKER)):
            pool = self.pools[side][kind]
            chosen += [pool[(turn * count + k) % len(pool)] for k in range(count)]
        return chosen


def read_sentences(path: str | Path = DEFAULT_SENTENCES) -> list[str]:
    """Non-empty lines that do not start with '#'."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"sentence list {path} does not exist")
    lines = [line.strip() for line in path.read_text(encoding="utf-8").splitlines()]
    return [line for line in lines if line and not line.startswith("#")]


def plan_sentences(texts: list[str], source: str = "the sentence list") -> SentencePlan:
    """SA, SX and SI sentences for both sides from ``texts`` (the first two are the SA pair)."""
    sa, rest = texts[:2], texts[2:]
    sides: dict[str, dict[str, list[Sentence]]] = {"train": {"sx": [], "si": []}, "test": {"sx": [], "si": []}}
    for i, text in enumerate(rest):
        side = sides["test" if i % 5 == 4 else "train"]
        kind = "sx" if len(side["sx"]) <= len(side["si"]) else "si"
        side[kind].append(Sentence(f"SX{_SX_BASE + i}" if kind == "sx" else f"SI{_SI_BASE + i}", text))
    short = [
        f"{name} {kind.upper()} pool has {len(pool)}"
        for name, pools in sides.items()
        for kind, pool in pools.items()
        if len(pool) < {"sx": SX_PER_SPEAKER, "si": SI_PER_SPEAKER}[kind]
    ]
    if len(sa) < 2 or short:
        raise ValueError(
            f"{source}: {len(texts)} sentences are too few ({'; '.join(short) or 'no SA pair'}); each speaker "
            f"reads 2 SA, {SX_PER_SPEAKER} SX and {SI_PER_SPEAKER} SI sentences from its side's pools, and every "
            "fifth sentence after the SA pair goes to the test side: give at least 47 sentences"
        )
    pools = {name: {kind: tuple(pool) for kind, pool in p.items()} for name, p in sides.items()}
    return SentencePlan(tuple(Sentence(f"SA{k + 1}", t) for k, t in enumerate(sa)), pools)
