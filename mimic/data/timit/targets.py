"""The 183 frame targets of an utterance: each phone segment of its ``.PHN`` split into three states."""

import torch
from torch import Tensor

from mimic.formats.timit_phones import PHONE_INDEX, STATES_PER_PHONE


def frame_targets(segments: list[tuple[int, int, str]], num_frames: int, shift: int = 160, window: int = 400) -> Tensor:
    """183-class target of each frame, from the phone segment under the frame's centre.

    Args:
        segments: ``(begin_sample, end_sample, phone)`` as in a ``.PHN`` file, contiguous.
        num_frames: frames of the utterance.
        shift: frame shift in samples (10 ms at 16 kHz).
        window: window length in samples (25 ms); the centre of frame t is ``t * shift + window / 2``.

    Returns:
        (num_frames,) int64. A segment splits into three equal parts: states 0 (begin), 1, 2 (end).
    """
    begins = torch.tensor([b for b, _, _ in segments], dtype=torch.float64)
    ends = torch.tensor([e for _, e, _ in segments], dtype=torch.float64)
    phones = torch.tensor([PHONE_INDEX[p] for _, _, p in segments])
    centres = torch.arange(num_frames, dtype=torch.float64) * shift + window / 2  # (T,)
    # the segment holding each centre; centres past the last segment stay in it
    which = torch.searchsorted(ends, centres, right=True).clamp(max=len(segments) - 1)  # (T,)
    fraction = (centres - begins[which]) / (ends[which] - begins[which])
    state = (fraction * STATES_PER_PHONE).floor().clamp(0, STATES_PER_PHONE - 1).long()
    return phones[which] * STATES_PER_PHONE + state
