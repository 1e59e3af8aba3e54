"""The paper's TIMIT CNN (``c-p-2k-2k-2k``): convolution along frequency only, max-pooling, three ReLU layers."""

from torch import Tensor, nn

from mimic.nets.base import Net
from mimic.nets.inputs import InputNorm
from mimic.nets.mlp import relu_stack
from mimic.nets.notation import units


class SpeechCNN(Net):
    """Input frames (context window x features) are split into streams (static, delta, delta-delta); each
    (frame, stream) pair is a channel of a 1-D convolution over the feature (frequency) axis.

    Args:
        in_shape: ``[frames, features]``, e.g. ``[15, 123]``; ``features`` must split into ``streams``.
        num_classes: number of logits (183).
        streams: feature streams per frame (3: static, delta, delta-delta).
        filters: convolution filters.
        kernel_size: filter width along frequency.
        pool: max-pooling size and stride along frequency.
        hidden: widths of the fully connected ReLU layers (``2000, 2000, 2000``).
        dropout: dropout after each fully connected layer.
        input_norm: raw-input normalisation fitted on the training split (see ``Net``).
    """

    def __init__(
        self,
        in_shape: list[int] | None = None,
        num_classes: int | None = None,
        streams: int = 3,
        filters: int = 200,
        kernel_size: int = 8,
        pool: int = 3,
        hidden: list[int] = (2000, 2000, 2000),
        dropout: float = 0.5,
        input_norm: InputNorm = "standardise",
    ) -> None:
        hidden = [int(h) for h in hidden]
        super().__init__(in_shape, num_classes, input_norm)
        frames, features = self.in_shape
        if features % streams:
            raise ValueError(f"SpeechCNN: {features} features per frame do not split into {streams} streams")
        self.streams, self.bands = streams, features // streams
        self.conv = nn.Sequential(
            nn.Conv1d(frames * streams, filters, kernel_size), nn.ReLU(), nn.MaxPool1d(pool), nn.Flatten()
        )
        pooled = filters * ((self.bands - kernel_size + 1) // pool)
        self.head = nn.Sequential(*relu_stack(pooled, hidden, num_classes, dropout))

    def classify(self, x: Tensor) -> Tensor:
        b, frames, _ = x.shape  # (B, W, S * F)
        channels = x.reshape(b, frames * self.streams, self.bands)  # (B, W * S, F): one channel per frame and stream
        return self.head(self.conv(channels))  # (B, C)

    def describe(self) -> str:
        return "c-p-" + "-".join(units(h) for h in self.init_args["hidden"])
