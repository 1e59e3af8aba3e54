"""Deep fully connected net: the paper's DNN (``2k-2k-2k`` + dropout)."""

from torch import Tensor, nn

from mimic.nets.base import Net
from mimic.nets.notation import units


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
        layers: list[nn.Module] = [nn.Flatten(), nn.Dropout(input_dropout)]
        width = self.in_features
        for h in hidden:
            layers += [nn.Linear(width, h), nn.ReLU(), nn.Dropout(dropout)]
            width = h
        layers.append(nn.Linear(width, num_classes))
        self.layers = nn.Sequential(*layers)

    def forward(self, x: Tensor) -> Tensor:
        return self.layers(x)  # (B, *in_shape) -> (B, C)

    def describe(self) -> str:
        return "-".join(units(h) for h in self.init_args["hidden"])
