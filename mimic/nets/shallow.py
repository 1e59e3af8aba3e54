"""Shallow nets: one wide ReLU hidden layer, optionally behind a linear low-rank bottleneck.

``ShallowNet`` is the paper's SNN (``8k``) and SNN-MIMIC (``250L-8k``: x -> U -> V -> ReLU -> beta).
``ConvShallowNet`` puts one conv + pool layer in front (``128c-p-1200L-30k``), the paper's CIFAR student.
The bottleneck U has no bias and no nonlinearity: it only factorises the input-to-hidden matrix
W (H x D) into V U with U (k x D) and V (H x k), so training costs O(k(D + H)) instead of O(HD).
"""

from torch import Tensor, nn

from mimic.nets.base import Net
from mimic.nets.inputs import InputNorm
from mimic.nets.notation import units


def _wide_layer(in_features: int, hidden: int, bottleneck: int | None, num_classes: int, dropout: float):
    """in_features -> [U: bottleneck, linear] -> V: hidden -> ReLU -> dropout -> beta: num_classes."""
    layers: list[nn.Module] = []
    if bottleneck:
        layers.append(nn.Linear(in_features, bottleneck, bias=False))  # U
        in_features = bottleneck
    layers += [nn.Linear(in_features, hidden), nn.ReLU(), nn.Dropout(dropout), nn.Linear(hidden, num_classes)]
    return layers


def _shallow_name(bottleneck: int | None, hidden: int) -> str:
    return (f"{bottleneck}L-" if bottleneck else "") + units(hidden)


class ShallowNet(Net):
    """One hidden layer; with ``bottleneck`` set, a linear layer of that width comes first.

    Args:
        in_shape: shape of one input sample (from the DataModule); it is flattened.
        num_classes: number of logits (from the DataModule).
        hidden: width of the ReLU hidden layer (``8k`` = 8000).
        bottleneck: width ``k`` of the linear bottleneck, or ``None`` for a plain one-hidden-layer net.
        dropout: dropout on the hidden layer (the paper's label-trained SNNs use it, the mimics do not).
        input_dropout: dropout on the input.
        input_norm: raw-input normalisation fitted on the training split (see ``Net``).
    """

    def __init__(
        self,
        in_shape: list[int] | None = None,
        num_classes: int | None = None,
        hidden: int = 8000,
        bottleneck: int | None = None,
        dropout: float = 0.0,
        input_dropout: float = 0.0,
        input_norm: InputNorm = "standardise",
    ) -> None:
        super().__init__(in_shape, num_classes, input_norm)
        layers = [nn.Flatten(), nn.Dropout(input_dropout)]
        layers += _wide_layer(self.in_features, hidden, bottleneck, num_classes, dropout)
        self.layers = nn.Sequential(*layers)

    def classify(self, x: Tensor) -> Tensor:
        return self.layers(x)  # (B, *in_shape) -> (B, D) -> (B, k) -> (B, H) -> (B, C)

    def describe(self) -> str:
        return _shallow_name(self.init_args["bottleneck"], self.init_args["hidden"])


class ConvShallowNet(Net):
    """One conv + ReLU + max-pool layer, then the bottleneck and the wide hidden layer.

    Args:
        in_shape: ``[channels, height, width]``.
        num_classes: number of logits (from the DataModule).
        channels: conv filters (the paper: 64 or 128).
        kernel_size: square conv kernel, padded to keep the size.
        pool: max-pool window.
        pool_stride: max-pool stride; default ``pool``. The paper's counts (~54M and ~70M parameters, ~110k
            and ~190k hidden units) come out with 3x3 windows at stride 2, i.e. 15x15 pooled maps.
        bottleneck: linear bottleneck width (the paper: 1200), or ``None``.
        hidden: width of the ReLU hidden layer (the paper: 30k).
        dropout: dropout on the hidden layer.
        input_dropout: dropout on the input image (the paper's SNN-30k trained on labels uses both).
        input_norm: raw-input normalisation fitted on the training split (see ``Net``).
    """

    def __init__(
        self,
        in_shape: list[int] | None = None,
        num_classes: int | None = None,
        channels: int = 128,
        kernel_size: int = 5,
        pool: int = 2,
        pool_stride: int | None = None,
        bottleneck: int | None = 1200,
        hidden: int = 30000,
        dropout: float = 0.0,
        input_dropout: float = 0.0,
        input_norm: InputNorm = "standardise",
    ) -> None:
        super().__init__(in_shape, num_classes, input_norm)
        in_channels, height, width = self.in_shape
        stride = pool_stride or pool
        self.input_dropout = nn.Dropout(input_dropout)  # outside `features`: weight names stay as before
        self.features = nn.Sequential(
            nn.Conv2d(in_channels, channels, kernel_size, padding=kernel_size // 2),
            nn.ReLU(),
            nn.MaxPool2d(pool, stride),
            nn.Flatten(),
        )
        pooled = [(size - pool) // stride + 1 for size in (height, width)]  # no padding: floor((n - k) / s) + 1
        flat = channels * pooled[0] * pooled[1]
        self.head = nn.Sequential(*_wide_layer(flat, hidden, bottleneck, num_classes, dropout))

    def classify(self, x: Tensor) -> Tensor:
        return self.head(self.features(self.input_dropout(x)))  # (B, C_in, H, W) -> (B, c*H'*W') -> (B, C)

    def describe(self) -> str:
        conv = f"{self.init_args['channels']}c-p-"
        return conv + _shallow_name(self.init_args["bottleneck"], self.init_args["hidden"])
