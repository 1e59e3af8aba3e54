"""espeak-ng's English phoneme mnemonics -> TIMIT's 61 labels: one table.

A value is the TIMIT label sequence the mnemonic stands for, in General American as TIMIT transcribes
it: stops and affricates come with their closure (``p`` -> ``pcl p``, ``tS`` -> ``tcl ch``), r-coloured
vowels with their ``r`` (``A@`` -> ``aa r``), the flap ``t#`` is ``dx`` and the glottal stop ``?`` is ``q``.
Every espeak pause is ``pau``; :mod:`mimic.synth.alignment` turns the pauses at an utterance's ends into
``h#`` and decides where in the audio each closure lies.

The keys cover the phonemes of espeak-ng's ``en`` and ``en-us`` tables and the consonants those inherit
and use. A mnemonic not in the table is an error (:class:`UnknownPhoneme`), never a silent drop.
"""

PAUSE = "pau"

_TABLE = {
    # pauses of every length, and the clause and intonation-group breaks
    **dict.fromkeys(["_", "_:", "_::", "_!", "_|", "||", "_;_", "_^_"], PAUSE),
    # reduced vowels
    **dict.fromkeys(["@", "@2", "@5", "@#", "@-", "a#", "a#2", "a2"], "ax"),
    **dict.fromkeys(["I2", "I#", "I2#"], "ix"),
    "3": "axr",  # lettER
    "3:": "er",  # NURSE
    "@L": "el",  # bottLE
    # full vowels (General American: LOT and PALM are aa; BATH is ae)
    **dict.fromkeys(["a", "aa"], "ae"),
    **dict.fromkeys(["A:", "A#", "0", "0#", "02", "A~"], "aa"),
    **dict.fromkeys(["O:", "O", "O2", "O~"], "ao"),
    **dict.fromkeys(["E", "E2", "E#", "e#"], "eh"),
    **dict.fromkeys(["eI", "e:", "e"], "ey"),
    "I": "ih",
    **dict.fromkeys(["i", "i:"], "iy"),
    "U": "uh",
    **dict.fromkeys(["u:", "u"], "uw"),
    **dict.fromkeys(["oU", "oU#", "o:", "o"], "ow"),
    "V": "ah",
    "aI": "ay",
    "aU": "aw",
    "OI": "oy",
    # r-coloured vowels: the vowel, then r (or er after a diphthong)
    "A@": "aa r",
    **dict.fromkeys(["O@", "o@"], "ao r"),
    "e@": "eh r",
    **dict.fromkeys(["i@", "i@3", "IR"], "ih r"),
    "U@": "uh r",
    "VR": "ah r",
    **dict.fromkeys(["aI@", "aI3"], "ay er"),
    "aU@": "aw er",
    # syllabic consonants
    "m-": "em",
    "n-": "en",
    "N-": "eng",
    "l-": "el",
    # stops and affricates, with the closure TIMIT marks before them
    "p": "pcl p",
    **dict.fromkeys(["t", "t2"], "tcl t"),
    "k": "kcl k",
    "b": "bcl b",
    **dict.fromkeys(["d", "d#"], "dcl d"),
    "g": "gcl g",
    "tS": "tcl ch",
    "dZ": "dcl jh",
    **dict.fromkeys(["t#", "*"], "dx"),  # American flap: waTer
    "?": "q",
    # fricatives
    "f": "f",
    "v": "v",
    "T": "th",
    "D": "dh",
    "s": "s",
    **dict.fromkeys(["z", "z#", "z/2"], "z"),
    "S": "sh",
    "Z": "zh",
    **dict.fromkeys(["h", "x"], "hh"),
    # nasals, liquids, glides (";" and "r-" are the linking glides espeak inserts between words)
    "m": "m",
    "n": "n",
    "N": "ng",
    **dict.fromkeys(["l", "l/", "l/2"], "l"),
    **dict.fromkeys(["r", "r/", "r-"], "r"),
    **dict.fromkeys(["j", ";"], "y"),
    **dict.fromkeys(["w", "w#"], "w"),
}
ESPEAK_TO_TIMIT: dict[str, tuple[str, ...]] = {mnemonic: tuple(labels.split()) for mnemonic, labels in _TABLE.items()}
CLOSURES = frozenset({"bcl", "dcl", "gcl", "pcl", "tcl", "kcl"})


class UnknownPhoneme(KeyError):
    """espeak-ng emitted a phoneme the table does not map."""

    def __str__(self) -> str:  # KeyError would print the repr of the message
        return self.args[0]


def timit_labels(mnemonic: str, context: str = "") -> tuple[str, ...]:
    """The TIMIT labels of one espeak phoneme; ``context`` (the sentence) goes into the error message."""
    try:
        return ESPEAK_TO_TIMIT[mnemonic]
    except KeyError:
        where = f" in {context!r}" if context else ""
        raise UnknownPhoneme(
            f"espeak-ng phoneme {mnemonic!r}{where} is not in mimic.synth.phone_map's table; add its TIMIT "
            "labels there (the table maps espeak's English phonemes onto the 61 TIMIT labels)"
        ) from None
