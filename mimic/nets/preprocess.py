"""What a model made elsewhere expects of its input, applied to the raw images mimic's DataModules give.

mimic's image nets take raw uint8 pixels (B, C, H, W) and normalise them themselves. A torchvision or
TorchScript model expects floats of its own size, channels and normalisation: ``Preprocess`` makes them
from the very tensor the student sees (augmentation included), so a 224-pixel, 3-channel teacher can
label the views of a 28-pixel grey student.
"""

import torch
import torch.nn.functional as F
from torch import Tensor, nn

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)
LUMA = (0.299, 0.587, 0.114)  # ITU-R BT.601: three channels to one


class Preprocess(nn.Module):
    """Raw images (B, C, H, W), pixel values 0..255, -> the model's input (B, channels, *size) float32.

    Args:
        size: the model's input size, ``[height, width]`` (or one side for a square); ``None`` keeps the
            images' own. Resized bilinearly with antialiasing.
        channels: the model's input channels: 1 or 3 (grey images are repeated, colour ones weighted to
            grey by BT.601 luma).
        mean, std: per channel, on pixels scaled to 0..1 (ImageNet's by default); one value applies to
            every channel.
    """

    def __init__(
        self,
        size: int | list[int] | None = None,
        channels: int = 3,
        mean: tuple[float, ...] = IMAGENET_MEAN,
        std: tuple[float, ...] = IMAGENET_STD,
    ) -> None:
        super().__init__()
        if channels not in (1, 3):
            raise ValueError(f"preprocess.channels must be 1 or 3, got {channels}")
        self.size = None if size is None else ((size, size) if isinstance(size, int) else tuple(size))
        if self.size is not None and (len(self.size) != 2 or min(self.size) < 1):
            raise ValueError(f"preprocess.size must be one side or [height, width] of at least 1, got {size}")
        mean, std = _per_channel(mean, channels, "mean"), _per_channel(std, channels, "std")
        if min(std) <= 0:
            raise ValueError(f"preprocess.std must be positive, got {std}")
        self.channels = channels
        self.register_buffer("mean", torch.tensor(mean).view(1, channels, 1, 1), persistent=False)
        self.register_buffer("std", torch.tensor(std).view(1, channels, 1, 1), persistent=False)
        self.register_buffer("luma", torch.tensor(LUMA).view(1, 3, 1, 1), persistent=False)

    def forward(self, x: Tensor) -> Tensor:
        if x.dim() != 4:
            raise ValueError(f"Preprocess takes images (B, C, H, W), got a tensor of shape {tuple(x.shape)}")
        x = x.float() / 255.0  # (B, C, H, W) in 0..1
        if x.shape[1] != self.channels:
            if x.shape[1] == 1:  # grey -> colour
                x = x.expand(-1, self.channels, -1, -1)
            elif x.shape[1] == 3:  # colour -> grey
                x = (x * self.luma).sum(dim=1, keepdim=True)
            else:
                raise ValueError(f"Preprocess takes images of 1 or 3 channels, got {x.shape[1]}")
        if self.size is not None and tuple(x.shape[-2:]) != self.size:
            x = F.interpolate(x, size=self.size, mode="bilinear", align_corners=False, antialias=True)
        return (x - self.mean) / self.std  # (B, channels, *size)

    def settings(self) -> dict:
        """The arguments that rebuild it (what a config or a net's spec holds)."""
        return {
            "size": None if self.size is None else list(self.size),
            "channels": self.channels,
            "mean": self.mean.flatten().tolist(),
            "std": self.std.flatten().tolist(),
        }


def _per_channel(values: float | tuple[float, ...] | list[float], channels: int, key: str) -> list[float]:
    values = [float(values)] if isinstance(values, int | float) else [float(v) for v in values]
    if len(values) == 1:
        return values * channels
    if len(values) != channels:
        raise ValueError(f"preprocess.{key} needs 1 or {channels} values (one per channel), got {len(values)}")
    return values
