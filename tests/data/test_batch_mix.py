"""Mixup and CutMix between a batch's images (``data.mix``): what is mixed, the labels' weights, the
draws keyed by (seed, epoch, batch), and the mixed-label cross-entropy."""

import pytest
import torch
import torch.nn.functional as F

from mimic import batch as keys
from mimic.data.images.batch_mix import BatchMix
from mimic.tasks.losses import label_loss, unmixed_labels


def _batch(n: int = 64) -> dict:
    x = torch.arange(n, dtype=torch.uint8).view(n, 1, 1, 1).expand(n, 1, 8, 8).clone() * 3  # image i filled with 3i
    return {keys.X: x, keys.Y: torch.arange(n) % 10, keys.INDEX: torch.arange(n)}


@pytest.mark.parametrize("kind", ["mixup", "cutmix"])
def test_a_share_of_the_images_are_mixed_with_a_partner_and_the_rest_left_alone(kind):
    mix = BatchMix(kind, alpha=1.0, share=0.5, seed=3)
    batch = _batch()
    out = mix(dict(batch), epoch=2, number=5)
    draws = mix.draws(64, 2, 5)
    weight, partner = out[keys.MIX_WEIGHT], torch.from_numpy(draws["partner"])
    alone = weight == 1
    assert 10 < int((~alone).sum()) < 54  # about half
    assert torch.equal(out[keys.X][alone], batch[keys.X][alone])
    assert torch.equal(out[keys.MIX_PARTNER_Y], batch[keys.Y][partner]) and torch.equal(out[keys.Y], batch[keys.Y])
    first, second = batch[keys.X].float(), batch[keys.X][partner].float()
    if kind == "mixup":  # each pixel the weighted mean of the two images'
        expected = (weight.view(-1, 1, 1, 1) * first + (1 - weight.view(-1, 1, 1, 1)) * second).round()
        assert torch.equal(out[keys.X].float(), expected)
    else:  # each pixel from one of the two; the weight is the share of the first image's pixels
        from_first = out[keys.X].float() == first
        assert ((out[keys.X].float() == second) | from_first).all()
        differs = first != second
        share = (from_first | ~differs).float().flatten(1).mean(1)
        torch.testing.assert_close(share[differs.flatten(1).any(1)], weight[differs.flatten(1).any(1)])
    # the same (seed, epoch, batch) mixes the same way; another batch differently
    assert torch.equal(mix(dict(batch), 2, 5)[keys.X], out[keys.X])
    assert not torch.equal(mix(dict(batch), 2, 6)[keys.X], out[keys.X])


def test_bad_mix_settings_are_refused():
    with pytest.raises(ValueError, match="data.mix must be"):
        BatchMix("blend", 1.0, 0.5, 0)
    with pytest.raises(ValueError, match="mix_share"):
        BatchMix("mixup", 1.0, 0.0, 0)


def test_mixed_labels_are_learned_in_proportion_and_left_out_of_errors():
    logits = torch.randn(4, 10)
    batch = {
        keys.Y: torch.tensor([1, 2, 3, 4]),
        keys.MIX_PARTNER_Y: torch.tensor([5, 2, 7, 8]),
        keys.MIX_WEIGHT: torch.tensor([1.0, 0.3, 0.5, 1.0]),
    }
    ce = lambda y: F.cross_entropy(logits, y, reduction="none")  # noqa: E731
    w = batch[keys.MIX_WEIGHT]
    expected = (w * ce(batch[keys.Y]) + (1 - w) * ce(batch[keys.MIX_PARTNER_Y])).mean()
    torch.testing.assert_close(label_loss(logits, batch), expected)
    torch.testing.assert_close(label_loss(logits, {keys.Y: batch[keys.Y]}), F.cross_entropy(logits, batch[keys.Y]))
    assert unmixed_labels(batch).tolist() == [1, keys.NO_LABEL, keys.NO_LABEL, 4]


def test_a_fit_mixes_its_training_batches_and_says_its_inputs_are_random(in_tmp, fashion_root):
    from mimic.cli import main
    from tests.fixtures.configs import teacher_config, write_config

    config = teacher_config(fashion_root, mix="cutmix", mix_share=1.0)
    fitted = main(["fit", "--config", write_config(in_tmp / "mixed.yaml", config)])
    data = fitted.datamodule
    assert data.random_inputs("train") and not data.random_inputs("val")
    assert data._batch_mix.kind == "cutmix"  # made by the first training batch's hook
    # every training image was a mix: none had a single label to score a training error on
    assert "train/err" not in fitted.trainer.callback_metrics or fitted.trainer.callback_metrics["train/err"].isnan()
