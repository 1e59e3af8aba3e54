"""Deep fully connected net: the paper's DNN (``2k-2k-2k`` + dropout)."""

from torch import Tensor, nn

from mimic.nets.base import Net
from mimic.nets.inputs import InputNorm
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
        in_shape: shape of one input sample (from the DataModule); it is flattened.
        num_classes: number of logits (from the DataModule).
        hidden: width of each hidden layer, e.g. ``[2000, 2000, 2000]``.
        dropout: dropout after each hidden layer.
        input_dropout: dropout on the flattened input.
        input_norm: raw-input normalisation fitted on the training split (see ``Net``).
    """

    def __init__(
        self,
        in_shape: list[int] | None = None,
        num_classes: int | None = None,
        hidden: list[int] = (2000, 2000, 2000),
        dropout: float = 0.5,
        input_dropout: float = 0.0,
        input_norm: InputNorm = "standardise",
    ) -> None:
        hidden = [int(h) for h in hidden]
        super().__init__(in_shape, num_classes, input_norm)
        self.layers = nn.Sequential(
            nn.Flatten(), nn.Dropout(input_dropout), *relu_stack(self.in_features, hidden, num_classes, dropout)
        )

    def classify(self, x: Tensor) -> Tensor:
        return self.layers(x)  # (B, *in_shape) -> (B, C)

    def describe(self) -> str:
        return "-".join(units(h) for h in self.init_args["hidden"])
