"""The speakers of a synthetic corpus: who they are (TIMIT-style names, sex, dialect region) and how they
sound (espeak voice variant, pitch, pitch range, speaking rate, channel)."""

from dataclasses import dataclass

import numpy as np

from mimic.formats.timit_corpus import CORE_TEST_SPEAKERS, DEV_SPEAKERS
from mimic.synth.channel import Channel
from mimic.synth.variability import Variability

MALE_VARIANTS = tuple(f"m{i}" for i in range(1, 9))  # espeak-ng-data/voices/!v
FEMALE_VARIANTS = tuple(f"f{i}" for i in range(1, 6))
# --voices many: the human-sounding rest of espeak-ng's variants (no robots, whispers or monsters); a
# variant without a gender line is male in espeak.
# fmt: off
MORE_MALE_VARIANTS = (
    "Andy", "Denis", "Diogo", "Henrique", "Hugo", "Lee", "Marco", "antonio", "michel", "miguel", "sandro",
    "travis", "victor", "adam", "david", "ed", "edward", "john", "paul", "robert", "max", "benjamin", "iven",
    "klatt", "klatt2",
)
MORE_FEMALE_VARIANTS = ("Alicia", "Andrea", "Annie", "anika", "aunty", "belinda", "linda", "steph", "steph2", "steph3")
# fmt: on
VARIANTS = {
    "basic": {"m": MALE_VARIANTS, "f": FEMALE_VARIANTS},
    "many": {"m": (*MALE_VARIANTS, *MORE_MALE_VARIANTS), "f": (*FEMALE_VARIANTS, *MORE_FEMALE_VARIANTS)},
}
LANGUAGE = "en-us"  # General American, as TIMIT's transcriptions
MALE_SHARE = 0.7  # TIMIT's speakers are about 70% male
_LETTERS = "abcdefghijklmnopqrstuvwxyz"


@dataclass(frozen=True)
class Speaker:
    name: str  # lower case, TIMIT style: sex letter, three initials, a digit ("mabc0")
    side: str  # "train" or "test" (TIMIT's TRAIN/ and TEST/)
    dialect: int  # 1..8, the DR folder
    variant: str  # espeak voice variant (m1..m8, f1..f5)
    pitch: int  # espeak base pitch, 0-100
    pitch_range: int  # espeak pitch range, 0-100
    rate: int  # words per minute
    channel: Channel
    seed: int  # of the speaker's recording noise and levels

    @property
    def sex(self) -> str:
        return self.name[0]

    @property
    def voice(self) -> str:
        return f"{LANGUAGE}+{self.variant}"

    @property
    def folder(self) -> str:
        """Relative path of the speaker's folder, as on the LDC disc: ``TRAIN/DR3/MABC0``."""
        return f"{self.side.upper()}/DR{self.dialect}/{self.name.upper()}"


def _voice(name: str, side: str, rng: np.random.Generator, variability: Variability) -> Speaker:
    variants = VARIANTS[variability.voices][name[0]]
    return Speaker(
        name=name,
        side=side,
        dialect=int(rng.integers(1, 9)),
        variant=str(rng.choice(variants)),
        pitch=int(rng.integers(30, 71)),
        pitch_range=int(rng.integers(30, 81)),
        rate=int(rng.integers(140, 196)),
        channel=Channel.draw(rng, variability.snr_db, variability.channel_db),
        seed=int(rng.integers(2**31)),
    )


def make_speakers(
    train: int,
    dev: int,
    test: int,
    seed: int | tuple[int, ...],
    variability: Variability = Variability(),
    taken: frozenset[str] = frozenset(),
    side: str = "train",
) -> list[Speaker]:
    """``train`` new speakers for ``side`` (TRAIN/; TRANSFER/ for unlabeled speech) named unlike any of
    ``taken``, and for TEST/ the first ``dev`` and ``test`` names of the standard dev and core-test lists in
    a seeded order, so that ``TIMITDataModule`` splits the corpus as TIMIT."""
    if not 0 <= dev <= len(DEV_SPEAKERS) or not 0 <= test <= len(CORE_TEST_SPEAKERS):
        raise ValueError(
            f"dev speakers must be 0..{len(DEV_SPEAKERS)} and core-test speakers 0..{len(CORE_TEST_SPEAKERS)} "
            f"(the standard lists' sizes); got {dev} and {test}"
        )
    if train < 1:
        raise ValueError(f"at least one training speaker is needed, got {train}")
    rng = np.random.default_rng(seed)
    taken = set(DEV_SPEAKERS | CORE_TEST_SPEAKERS | taken)
    names = []
    while len(names) < train:
        sex = "m" if rng.random() < MALE_SHARE else "f"
        name = sex + "".join(rng.choice(list(_LETTERS), 3)) + "0"
        if name not in taken:
            taken.add(name)
            names.append(name)
    test_side = [*rng.permutation(sorted(DEV_SPEAKERS))[:dev], *rng.permutation(sorted(CORE_TEST_SPEAKERS))[:test]]
    return [_voice(n, side, rng, variability) for n in names] + [
        _voice(str(n), "test", rng, variability) for n in test_side
    ]
