import pytest
import torch

from mimic.data.timit.targets import frame_targets
from mimic.formats.timit_phones import (
    NUM_TARGETS,
    PHONES,
    PHONES_39,
    fold,
    fold_sequence,
    target_to_phone,
)


def test_phone_sets():
    assert len(PHONES) == len(set(PHONES)) == 61 and NUM_TARGETS == 183
    assert len(PHONES_39) == 39
    expected_39 = (
        "aa ae ah aw ay b ch d dh dx eh er ey f g hh ih iy jh k l m n ng ow oy p r s sh sil t th uh uw v w y z"
    )
    assert sorted(PHONES_39) == sorted(expected_39.split())


def test_folding():
    assert fold("ao") == "aa" and fold("ax-h") == "ah" and fold("pau") == "sil" and fold("h#") == "sil"
    assert fold("q") is None and fold("iy") == "iy"
    with pytest.raises(KeyError, match="unknown TIMIT phone 'xx'"):
        fold("xx")
    index = {p: i for i, p in enumerate(PHONES)}
    # h# pau -> sil sil -> collapsed; q deleted; ix -> ih
    seq = [index[p] for p in ["h#", "pau", "q", "ix", "ih", "bcl", "b", "h#"]]
    assert fold_sequence(seq) == ["sil", "ih", "sil", "b", "sil"]


def test_targets_and_inverse():
    assert all(target_to_phone(3 * p + s) == p for p in range(61) for s in range(3))


def test_frame_targets_split_segments_in_three():
    # h# for 0..960 samples, iy for 960..1920, h# to 2400; frames every 160 samples, centre +200
    segments = [(0, 960, "h#"), (960, 1920, "iy"), (1920, 2400, "h#")]
    targets = frame_targets(segments, num_frames=14)
    h, iy = PHONES.index("h#"), PHONES.index("iy")
    centres = [t * 160 + 200 for t in range(14)]
    for t, c in enumerate(centres):
        begin, end, phone = next(s for s in segments if s[0] <= c < s[1]) if c < 2400 else segments[-1]
        state = min(2, int(3 * (c - begin) / (end - begin)))
        assert targets[t].item() == 3 * PHONES.index(phone) + state, t
    assert targets[0].item() == 3 * h and targets[7].item() // 3 == iy
    assert targets.dtype == torch.int64
