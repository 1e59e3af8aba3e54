import numpy as np
import pytest
import torch

from mimic.data.timit.features import ContextWindows, FeatureSettings, num_frames, utterance_features


def test_feature_shape_and_frame_count():
    settings = FeatureSettings()
    assert settings.dim == 123
    samples = (np.random.default_rng(0).normal(0, 1000, 16000)).astype(np.int16)
    features = utterance_features(samples, 16000, settings)
    assert features.shape == (num_frames(16000, 16000, settings), 123) == (98, 123)
    assert torch.isfinite(features).all()
    # deltas of a constant signal part vanish; the static part is the first 41 columns
    plain = utterance_features(samples, 16000, FeatureSettings(deltas=False, energy=False))
    assert plain.shape == (98, 40)
    torch.testing.assert_close(features[:, 1:41], plain)


def test_settings_key_changes_with_settings():
    assert FeatureSettings().key() == FeatureSettings().key() != FeatureSettings(num_mel_bins=24).key()


def _naive_window(features, offsets, frame, context):
    u = next(i for i in range(len(offsets) - 1) if offsets[i] <= frame < offsets[i + 1])
    rows = []
    for k in range(frame - context, frame + context + 1):
        rows.append(features[min(max(k, offsets[u]), offsets[u + 1] - 1)])
    return torch.stack(rows)


@pytest.mark.parametrize("context", [0, 2, 7])
def test_context_windows_against_naive_reference(context):
    features = torch.randn(23, 4)
    offsets = torch.tensor([0, 3, 4, 15, 23])  # includes a one-frame utterance
    windows = ContextWindows(features, offsets, context)
    frames = torch.arange(23)
    got = windows(frames)
    assert got.shape == (23, 2 * context + 1, 4)
    for f in range(23):
        torch.testing.assert_close(got[f], _naive_window(features, offsets.tolist(), f, context))


def test_context_windows_check_offsets():
    with pytest.raises(ValueError, match="offsets must run from 0 to 5"):
        ContextWindows(torch.zeros(5, 2), torch.tensor([0, 3]))
