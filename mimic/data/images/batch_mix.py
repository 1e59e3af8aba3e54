"""Mixup and CutMix between the images of a training batch: function matching's extra inputs (Beyer et al.
2022), and the label-trained twin's regulariser.

A share of each batch's images is replaced by a mix of two images of the batch (labeled or not), made on
the training device after the batch got there, before the teacher labels it: the teacher and the student
see the same mixed view. ``y`` keeps the first image's label, ``y_mix`` (B,) holds the partner's and
``mix_weight`` (B,) the first image's share (1 for images left alone): a net trained on labels learns
``w * CE(y) + (1 - w) * CE(y_mix)``; a mimic needs none of it. The draws are keyed by (run seed, epoch,
batch, rank), so a resumed run mixes as the uninterrupted one did.

- mixup (Zhang et al. 2018): ``w * a + (1 - w) * b`` with ``w ~ Beta(alpha, alpha)``;
- CutMix (Yun et al. 2019): a box of about ``1 - w`` of the image taken from b; ``w`` is then the share of
  a's pixels that the box left.
"""

from typing import Literal

import numpy as np
import torch
from torch import Tensor

from mimic import batch as keys
from mimic.data.keyed_random import generator as keyed_generator

MixKind = Literal["none", "mixup", "cutmix"]


class BatchMix:
    """Args:
    kind: ``"mixup"`` or ``"cutmix"``.
    alpha: the Beta distribution's parameter (1: the weight is uniform).
    share: the share of each batch's images replaced by a mix.
    seed: the run's seed (``torch.initial_seed()`` after ``seed_everything``).
    """

    def __init__(self, kind: MixKind, alpha: float, share: float, seed: int) -> None:
        if kind not in ("mixup", "cutmix"):
            raise ValueError(f"data.mix must be 'none', 'mixup' or 'cutmix', got {kind!r}")
        if not alpha > 0 or not 0.0 < share <= 1.0:
            raise ValueError(f"data.mix_alpha must be positive and data.mix_share in (0, 1], got {alpha}, {share}")
        self.kind, self.alpha, self.share, self.seed = kind, alpha, share, seed

    def draws(self, size: int, epoch: int, batch: int) -> dict[str, np.ndarray]:
        """On the host, for a batch of ``size`` images: each one's partner, its weight (1 where it is not
        mixed) and its CutMix box's centre."""
        seed = int(torch.randint(2**62, (1,), generator=keyed_generator(self.seed, epoch, batch)))
        rng = np.random.default_rng(seed)
        mixed = rng.random(size) < self.share  # (B,)
        partner = rng.permutation(size)  # (B,)
        weight = rng.beta(self.alpha, self.alpha, size)  # (B,)
        # CutMix's box: side fractions sqrt(1 - w), centre anywhere (the box is clipped at the borders)
        centre = rng.random((size, 2))  # (B, 2) as fractions of (H, W)
        return {"partner": partner, "weight": np.where(mixed, weight, 1.0), "centre": centre}  # weight 1: left alone

    def __call__(self, batch: dict[str, Tensor], epoch: int, number: int) -> dict[str, Tensor]:
        """Mix ``batch`` (on its device) in place of its images; ``number`` names the batch within
        ``epoch`` (and the rank) for the draws."""
        x = batch[keys.X]  # (B, C, H, W) uint8
        d = self.draws(len(x), epoch, number)
        device = x.device
        partner = torch.from_numpy(d["partner"]).to(device)
        weight = torch.from_numpy(d["weight"]).float().to(device)  # (B,)
        if self.kind == "mixup":
            w = weight.view(-1, 1, 1, 1)
            mixed = (w * x.float() + (1 - w) * x[partner].float()).round_().to(x.dtype)
        else:
            mixed, weight = self._cut(x, partner, weight, torch.from_numpy(d["centre"]).float().to(device))
        labels = batch[keys.Y]
        return batch | {keys.X: mixed, keys.MIX_PARTNER_Y: labels[partner], keys.MIX_WEIGHT: weight}

    @staticmethod
    def _cut(x: Tensor, partner: Tensor, weight: Tensor, centre: Tensor) -> tuple[Tensor, Tensor]:
        b, _, h, w = x.shape
        side = (1 - weight).sqrt()  # (B,) the box's sides as fractions of the image's
        half_h, half_w = side * h / 2, side * w / 2
        top = (centre[:, 0] * h - half_h).round().clamp(0, h).long()  # (B,)
        bottom = (centre[:, 0] * h + half_h).round().clamp(0, h).long()
        left = (centre[:, 1] * w - half_w).round().clamp(0, w).long()
        right = (centre[:, 1] * w + half_w).round().clamp(0, w).long()
        rows = torch.arange(h, device=x.device).view(1, h, 1)
        cols = torch.arange(w, device=x.device).view(1, 1, w)
        inside = (
            (rows >= top.view(b, 1, 1))
            & (rows < bottom.view(b, 1, 1))
            & (cols >= left.view(b, 1, 1))
            & (cols < right.view(b, 1, 1))
        )  # (B, H, W)
        mixed = torch.where(inside.unsqueeze(1), x[partner], x)  # (B, C, H, W)
        kept = 1.0 - inside.flatten(1).float().mean(1)  # (B,) the share of the first image's pixels
        return mixed, kept
