"""``TorchvisionNet``: a torchvision classification architecture trained by mimic, like any of its nets.

Its input handling is declared, not fitted: a ``Preprocess`` (size, channels, mean, std) in front of the
torchvision model, so that the model's weights alone (``mimic export --format torchvision``) and the same
declared preprocessing reproduce its logits anywhere: as an outside teacher (``mimic.nets.outside``), or
in a program that never heard of mimic.
"""

from torch import Tensor

from mimic.nets.base import Net
from mimic.nets.preprocess import IMAGENET_MEAN, IMAGENET_STD, Preprocess
from mimic.nets.torchvision_models import build_architecture


class TorchvisionNet(Net):
    """Args:
    in_shape: ``[channels, height, width]`` of the raw images (from the DataModule).
    num_classes: from the DataModule.
    arch: a torchvision classification architecture (``resnet18``, ``mobilenet_v3_small`` ...), built
        untrained.
    size, channels, mean, std: its ``Preprocess``: the model's input size, channels and normalisation.
    """

    def __init__(
        self,
        in_shape: list[int] | None = None,
        num_classes: int | None = None,
        arch: str = "resnet18",
        size: int | list[int] | None = None,
        channels: int = 3,
        mean: tuple[float, ...] = IMAGENET_MEAN,
        std: tuple[float, ...] = IMAGENET_STD,
    ) -> None:
        super().__init__(in_shape, num_classes, input_norm="none")
        if len(self.in_shape) != 3:
            raise ValueError(f"TorchvisionNet takes images [channels, height, width], got in_shape {list(in_shape)}")
        self.preprocess = Preprocess(size, channels, mean, std)
        self.model = build_architecture(arch, self.num_classes)

    def classify(self, x: Tensor) -> Tensor:
        return self.model(self.preprocess(x))  # (B, C, H, W) raw -> (B, channels, *size) -> (B, classes)

    def describe(self) -> str:
        return f"torchvision {self.init_args['arch']}"
