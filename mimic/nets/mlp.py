"""Deep fully connected net: the paper's DNN (``2k-2k-2k`` + dropout)."""

from torch import Tensor, nn

from mimic.nets.base import Net
from mimic.nets.notation import units


def relu_stack(in_features: int, hidden: list[int], num_classes: int, dropout: float) -> list[nn.Module]:
    """Linear -> ReLU -> dropout for each hidden width, then the linear output layer."""
    layers: list[nn.Module] = []
    for width in hidden:
        layers += [nn.Linear(in_features, width), nn.ReLU(), nn.Dropout(dropout)]
        in_features = width
    return [*layers, nn.Linear(in_features, num_classes)]


class DeepMLP(Net):
    """Stack of ReLU layers with dropout, then a linear classifier.

    Args:
        in_shape: shape of one input sample; it is flattened.
        num_classes: number of logits.
        hidden: width of each hidden layer, e.g. ``[2000, 2000, 2000]``.
        dropout: dropout after each hidden layer.
        input_dropout: dropout on the flattened input.
    """

    def __init__(
        self,
        in_shape: list[int],
        num_classes: int,
        hidden: list[int] = (2000, 2000, 2000),
        dropout: float = 0.5,
        input_dropout: float = 0.0,
    ) -> None:
        hidden = [int(h) for h in hidden]
        super().__init__(in_shape, num_classes, hidden=hidden, dropout=dropout, input_dropout=input_dropout)
        self.layers = nn.Sequential(
            nn.Flatten(), nn.Dropout(input_dropout), *relu_stack(self.in_features, hidden, num_classes, dropout)
        )

    def forward(self, x: Tensor) -> Tensor:
        return self.layers(x)  # (B, *in_shape) -> (B, C)

    def describe(self) -> str:
        return "-".join(units(h) for h in self.init_args["hidden"])
