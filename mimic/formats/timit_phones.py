"""TIMIT's 61 phones, the 183 tri-state frame targets, and the 61 -> 39 folding used for scoring.

Facts from ``shared/reference/timit.md`` (Lee & Hon 1989 folding, as in Kaldi's ``phones.60-48-39.map``).
A frame's target is ``3 * phone + state``: each phone segment is split into three equal parts (begin,
middle, end), the usual stand-in for HMM state alignments.
"""

PHONE_GROUPS = {  # the 61 labels by class
    "stops": "b d g p t k dx q",
    "closures": "bcl dcl gcl pcl tcl kcl",
    "affricates": "jh ch",
    "fricatives": "s sh z zh f th v dh",
    "nasals": "m n ng em en eng nx",
    "semivowels": "l r w y hh hv el",  # and glides
    "vowels": "iy ih eh ey ae aa aw ay ah ao oy ow uh uw ux er ax ix axr ax-h",
    "others": "pau epi h#",
}
PHONES = tuple(phone for group in PHONE_GROUPS.values() for phone in group.split())  # the 61 labels
PHONE_INDEX = {phone: i for i, phone in enumerate(PHONES)}
STATES_PER_PHONE = 3
NUM_TARGETS = STATES_PER_PHONE * len(PHONES)  # 183
# what each frame target means, in target order 3 * phone + state: '<phone>/<state>', state 0..2
TARGET_NAMES = tuple(f"{phone}/{state}" for phone in PHONES for state in range(STATES_PER_PHONE))

_FOLDED = {
    "ao": "aa",
    "ax": "ah",
    "ax-h": "ah",
    "axr": "er",
    "hv": "hh",
    "ix": "ih",
    "el": "l",
    "em": "m",
    "en": "n",
    "nx": "n",
    "eng": "ng",
    "zh": "sh",
    "ux": "uw",
    **{silence: "sil" for silence in ["bcl", "dcl", "gcl", "pcl", "tcl", "kcl", "h#", "pau", "epi"]},
}
DELETED = frozenset({"q"})  # glottal stops are deleted before scoring
PHONES_39 = tuple(sorted({_FOLDED.get(p, p) for p in PHONES if p not in DELETED}))


def fold(phone: str) -> str | None:
    """The 39-class scoring label of a TIMIT phone; ``None`` for phones deleted before scoring (``q``)."""
    if phone not in PHONE_INDEX:
        raise KeyError(f"unknown TIMIT phone {phone!r}; expected one of the 61 labels")
    return None if phone in DELETED else _FOLDED.get(phone, phone)


def target_to_phone(target: int) -> int:
    """183-class target -> index of its phone among the 61."""
    return target // STATES_PER_PHONE


def fold_sequence(phones: list[int]) -> list[str]:
    """Phone indices -> the scored sequence: folded to 39, ``q`` deleted, repeats collapsed."""
    folded = [f for f in (fold(PHONES[p]) for p in phones) if f is not None]
    return [f for i, f in enumerate(folded) if i == 0 or f != folded[i - 1]]
