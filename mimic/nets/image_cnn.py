"""Convolutional image teacher: ``32c-p-64c-p-256fc`` style stacks (the paper's CIFAR teacher shape)."""

from typing import Literal

from torch import Tensor, nn

from mimic.nets.base import Net
from mimic.nets.inputs import InputNorm
from mimic.nets.notation import units
from mimic.nets.stochastic_pool import StochasticPool2d


class ImageCNN(Net):
    """Blocks of conv -> (batch norm) -> ReLU -> 2x2 max-pool, then ReLU fully connected layers with dropout.

    Args:
        in_shape: ``[channels, height, width]``.
        num_classes: number of logits (from the DataModule).
        channels: output channels of each conv block, e.g. ``[128, 128, 128]``.
        kernel_size: square kernel of every conv (padded to keep the size).
        fc: widths of the fully connected layers after the conv stack.
        dropout: dropout before each fully connected layer.
        batch_norm: batch norm after each conv (trains faster; the paper's teacher had none).
        pool: ``max`` (2x2) or ``stochastic`` (3x3, stride 2, Zeiler & Fergus 2013, as the paper's CIFAR
            teacher); both halve the height and width.
        input_norm: raw-input normalisation fitted on the training split (see ``Net``).
    """

    def __init__(
        self,
        in_shape: list[int] | None = None,
        num_classes: int | None = None,
        channels: list[int] = (32, 64),
        kernel_size: int = 3,
        fc: list[int] = (256,),
        dropout: float = 0.5,
        batch_norm: bool = True,
        pool: Literal["max", "stochastic"] = "max",
        input_norm: InputNorm = "standardise",
    ) -> None:
        channels, fc = [int(c) for c in channels], [int(f) for f in fc]
        super().__init__(in_shape, num_classes, input_norm)
        in_channels, height, width = self.in_shape
        blocks: list[nn.Module] = []
        for c in channels:
            blocks.append(nn.Conv2d(in_channels, c, kernel_size, padding=kernel_size // 2, bias=not batch_norm))
            if batch_norm:
                blocks.append(nn.BatchNorm2d(c))
            pooling = StochasticPool2d(3, stride=2, padding=1) if pool == "stochastic" else nn.MaxPool2d(2)
            blocks += [nn.ReLU(), pooling]
            in_channels, height, width = c, height // 2, width // 2
        self.features = nn.Sequential(*blocks)
        head: list[nn.Module] = [nn.Flatten()]
        features = in_channels * height * width
        for f in fc:
            head += [nn.Dropout(dropout), nn.Linear(features, f), nn.ReLU()]
            features = f
        head += [nn.Dropout(dropout), nn.Linear(features, num_classes)]
        self.head = nn.Sequential(*head)

    def classify(self, x: Tensor) -> Tensor:
        return self.head(self.features(x))  # (B, C_in, H, W) -> (B, C_feat, H/2^n, W/2^n) -> (B, C)

    def describe(self) -> str:
        convs = [f"{c}c-p" for c in self.init_args["channels"]]
        return "-".join(convs + [f"{units(f)}fc" for f in self.init_args["fc"]])
