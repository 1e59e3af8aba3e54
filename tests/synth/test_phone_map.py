import pytest

from mimic.formats.timit_phones import PHONES
from mimic.synth.phone_map import CLOSURES, ESPEAK_TO_TIMIT, UnknownPhoneme, timit_labels
from tests.fixtures.synth import needs_espeak


def test_every_label_in_the_table_is_one_of_the_61():
    labels = {label for sequence in ESPEAK_TO_TIMIT.values() for label in sequence}
    assert labels <= set(PHONES)
    assert "h#" not in labels  # utterance edges are decided by the alignment, not the table


def test_stops_and_affricates_come_with_their_closure():
    assert timit_labels("p") == ("pcl", "p")
    assert timit_labels("dZ") == ("dcl", "jh")
    assert timit_labels("tS") == ("tcl", "ch")
    for labels in ESPEAK_TO_TIMIT.values():
        # a closure only ever opens a sequence, and is followed by its release
        assert all(label not in CLOSURES for label in labels[1:])
        assert labels[0] not in CLOSURES or len(labels) == 2


def test_general_american_vowels_and_the_flap():
    assert timit_labels("0") == ("aa",)  # LOT
    assert timit_labels("A@") == ("aa", "r")  # START
    assert timit_labels("t#") == ("dx",)
    assert timit_labels("?") == ("q",)
    assert timit_labels("_:") == ("pau",)


def test_an_unknown_phoneme_is_an_error_naming_it_and_the_sentence():
    with pytest.raises(UnknownPhoneme, match=r"'Q\^'.*'a test'.*phone_map"):
        timit_labels("Q^", "a test")


@needs_espeak
def test_the_table_covers_every_phoneme_espeak_speaks_for_our_sentences():
    from mimic.synth.espeak import Espeak
    from mimic.synth.sentences import read_sentences

    engine = Espeak()
    engine.set_voice("en-us")
    spoken = {m for text in read_sentences() for _, m, _ in engine.speak(text).phonemes}
    assert spoken - set(ESPEAK_TO_TIMIT) == set()
    assert len(spoken) > 50
