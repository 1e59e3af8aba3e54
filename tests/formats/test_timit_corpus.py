import numpy as np
import pytest
import soundfile

from mimic.formats.sphere import read_phn, read_sphere, sphere_header
from mimic.formats.timit_corpus import list_utterances
from tests.fixtures.timit import make_timit, sphere_bytes


@pytest.mark.parametrize("upper", [True, False])
def test_splits_from_speaker_lists(tmp_path, upper):
    splits = list_utterances(make_timit(tmp_path / "timit", upper), strict=False)
    assert {u.speaker for u in splits["train"]} == {"fcjf0", "mdab1"}
    assert {u.speaker for u in splits["dev"]} == {"faks0"} and {u.speaker for u in splits["test"]} == {"mdab0"}
    assert all(not u.name.startswith("sa") for s in splits.values() for u in s)
    assert [len(splits[s]) for s in ("train", "dev", "test")] == [4, 2, 2]
    assert all(u.phn.is_file() for s in splits.values() for u in s)


def test_strict_names_missing_speakers(tmp_path):
    with pytest.raises(
        FileNotFoundError, match=r"dev: speakers .*fdac1.*not found.*train: 4 utterances, expected 3696"
    ):
        list_utterances(make_timit(tmp_path / "timit"))


def test_root_without_timit(tmp_path):
    with pytest.raises(FileNotFoundError, match="no TIMIT under"):
        list_utterances(tmp_path)


def test_converted_twins_are_skipped(tmp_path):
    root = make_timit(tmp_path / "timit")
    speaker = root / "TRAIN/DR1/FCJF0"
    (speaker / "SI1027.WAV.wav").write_bytes(b"RIFF....")
    assert len([u for u in list_utterances(root, strict=False)["train"] if u.speaker == "fcjf0"]) == 2


def test_sphere_is_read_by_soundfile_and_by_us(tmp_path):
    samples = np.arange(-500, 500, dtype=np.int16)
    (tmp_path / "a.WAV").write_bytes(sphere_bytes(samples, "x_si1"))
    assert sphere_header(tmp_path / "a.WAV")["sample_count"] == "1000"
    audio, rate = read_sphere(tmp_path / "a.WAV")
    assert rate == 16000 and np.array_equal(audio, samples)
    assert np.array_equal(soundfile.read(tmp_path / "a.WAV", dtype="int16")[0], samples)


def test_truncated_and_foreign_audio(tmp_path):
    data = sphere_bytes(np.ones(1000, dtype=np.int16), "x_si1")
    (tmp_path / "cut.WAV").write_bytes(data[:-400])
    with pytest.raises(ValueError, match=r"cut.WAV: truncated: header says 1000 samples, the file holds 800"):
        read_sphere(tmp_path / "cut.WAV")
    (tmp_path / "riff.WAV").write_bytes(b"RIFF" + bytes(100))
    with pytest.raises(ValueError, match="riff.WAV: not a NIST SPHERE file"):
        read_sphere(tmp_path / "riff.WAV")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("0 100 h#\n100 abc\n", r"x.PHN:2: expected 'begin_sample end_sample phone'"),
        ("0 100 h#\n100 200 zz\n", r"x.PHN:2: unknown phone 'zz'"),
        ("0 100 h#\n100 2000 iy\n", r"x.PHN:2: segment ends at sample 2000, past the audio's 1000 samples"),
        ("0 100 h#\n150 200 iy\n", r"x.PHN:2: segment begins at 150, the previous one ended at 100"),
    ],
)
def test_bad_alignments(tmp_path, text, message):
    (tmp_path / "x.PHN").write_text(text)
    with pytest.raises(ValueError, match=message):
        read_phn(tmp_path / "x.PHN", num_samples=1000)


def test_missing_alignment(tmp_path):
    with pytest.raises(FileNotFoundError, match="missing phone alignment"):
        read_phn(tmp_path / "none.PHN", 10)
