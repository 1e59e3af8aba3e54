import pytest
import torch

from mimic.data.timit.features import FeatureSettings
from mimic.data.timit.prepare import load_or_compute
from mimic.formats.timit_corpus import list_utterances
from mimic.formats.timit_phones import PHONES
from tests.fixtures.timit import PHONES_OF_UTTERANCE, make_timit


def test_split_features_are_cached_once(tmp_path, capsys):
    splits = list_utterances(make_timit(tmp_path / "timit"), strict=False)
    settings = FeatureSettings()
    first = load_or_compute(splits["train"], "train", settings, tmp_path / "cache")
    assert "TIMIT train features: 4/4 utterances" in capsys.readouterr().err
    assert first.features.shape[1] == 123 and len(first.offsets) == 5
    assert len(first.targets) == len(first.features) and int(first.targets.max()) < 183
    assert [PHONES[p] for p in first.reference(0)] == PHONES_OF_UTTERANCE
    again = load_or_compute(splits["train"], "train", settings, tmp_path / "cache")
    assert capsys.readouterr().err == ""  # read from the cache, nothing recomputed
    torch.testing.assert_close(again.features, first.features)
    assert len(list((tmp_path / "cache").iterdir())) == 1


def test_bad_utterance_stops_or_is_skipped_and_reported(tmp_path):
    root = make_timit(tmp_path / "timit")
    (root / "TRAIN/DR1/FCJF0/SX37.PHN").write_text("0 100 h#\n100 200 zz\n")
    splits = list_utterances(root, strict=False)
    with pytest.raises(ValueError, match="SX37.PHN:2: unknown phone 'zz'"):
        load_or_compute(splits["train"], "train", FeatureSettings(), None)
    kept = load_or_compute(splits["train"], "train", FeatureSettings(), None, skip_bad=True)
    assert len(kept.names) == 3 and kept.skipped[0].startswith("fcjf0/sx37: ")


def test_a_corpus_rewritten_in_place_is_not_read_from_stale_features(tmp_path, capsys):
    root = make_timit(tmp_path / "timit")
    cache = tmp_path / "cache"
    first = load_or_compute(list_utterances(root, strict=False)["train"], "train", FeatureSettings(), cache)
    # same speakers and names, other audio (as `mimic data synth-timit --overwrite` with another seed)
    wav = root / "TRAIN/DR1/FCJF0/SI1027.WAV"
    data = bytearray(wav.read_bytes())
    data[1024:] = bytes(len(data) - 1024)  # silence
    wav.write_bytes(bytes(data))
    capsys.readouterr()
    again = load_or_compute(list_utterances(root, strict=False)["train"], "train", FeatureSettings(), cache)
    assert "TIMIT train features" in capsys.readouterr().err  # recomputed
    assert not torch.equal(again.features, first.features)
