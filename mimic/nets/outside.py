"""Teachers made elsewhere: a torchvision architecture with weights from a local file, or a TorchScript
file, each behind its own declared preprocessing, frozen.

Configured in a student's teacher (``TeacherLogits(models=[...])``), alone or beside mimic checkpoints:

    teacher:
      class_path: mimic.callbacks.TeacherLogits
      init_args:
        models:
          - class_path: mimic.nets.TorchvisionTeacher
            init_args: {arch: resnet18, weights: teachers/resnet18.safetensors, num_classes: 10,
                        size: 32, channels: 3, mean: [0.286], std: [0.353]}

Nothing is downloaded and nothing is unpickled: weights are read as tensors only (``weights_only`` or
safetensors); a TorchScript file holds TorchScript code and tensors, which ``torch.jit.load`` reads
without running Python.
"""

from pathlib import Path

import torch
from torch import Tensor, nn

from mimic.nets.preprocess import IMAGENET_MEAN, IMAGENET_STD, Preprocess
from mimic.nets.torchvision_models import build_architecture, load_weights, read_weights


class OutsideTeacher(nn.Module):
    """A frozen model made elsewhere: raw images (B, C, H, W) of any size -> logits (B, num_classes).

    It takes whatever images the student's data gives (``in_shape`` is ``None``): its ``Preprocess`` makes
    them what the model expects.
    """

    in_shape = None

    def __init__(self, model: nn.Module, preprocess: Preprocess, num_classes: int, name: str, files: list[Path]):
        super().__init__()
        if num_classes < 1:
            raise ValueError(f"an outside teacher needs num_classes of at least 1, got {num_classes}")
        self.model, self.preprocess = model.eval(), preprocess
        self.num_classes, self.name, self.files = num_classes, name, files
        self.requires_grad_(False)

    def forward(self, x: Tensor) -> Tensor:
        return self.model(self.preprocess(x))

    def train(self, mode: bool = True) -> "OutsideTeacher":
        return super().train(False)  # frozen, whatever asks: batch norm and dropout as the teacher was made

    def describe(self) -> str:
        return self.name

    def identity(self) -> str:
        """What its logits depend on besides its files' bytes (a logit cache file must match it)."""
        return f"{self.name} {self.num_classes} {self.preprocess.settings()}"


class TorchvisionTeacher(OutsideTeacher):
    """A torchvision classification architecture with the weights of a local state dict.

    Args:
        arch: the torchvision name (``resnet18``, ``mobilenet_v3_small`` ...), built with ``num_classes``.
        weights: ``.safetensors``, or a PyTorch file of tensors (a state dict, possibly under
            ``state_dict`` or ``model``).
        num_classes: its logits: the student's classes, in the same order.
        size, channels, mean, std: its preprocessing (``mimic.nets.preprocess.Preprocess``).
    """

    def __init__(
        self,
        arch: str,
        weights: str,
        num_classes: int,
        size: int | list[int] | None = None,
        channels: int = 3,
        mean: tuple[float, ...] = IMAGENET_MEAN,
        std: tuple[float, ...] = IMAGENET_STD,
    ) -> None:
        model = build_architecture(arch, num_classes)
        load_weights(model, read_weights(weights), weights, f"torchvision {arch} with {num_classes} classes")
        preprocess = Preprocess(size, channels, mean, std)
        super().__init__(model, preprocess, num_classes, f"torchvision {arch} ({Path(weights).name})", [Path(weights)])


class TorchScriptTeacher(OutsideTeacher):
    """A TorchScript file (``torch.jit.save``) that maps preprocessed images to logits.

    Args:
        path: the ``.pt`` file.
        num_classes: its logits (checked on the first batch).
        size, channels, mean, std: its preprocessing (``mimic.nets.preprocess.Preprocess``).
    """

    def __init__(
        self,
        path: str,
        num_classes: int,
        size: int | list[int] | None = None,
        channels: int = 3,
        mean: tuple[float, ...] = IMAGENET_MEAN,
        std: tuple[float, ...] = IMAGENET_STD,
    ) -> None:
        if not Path(path).is_file():
            raise FileNotFoundError(f"TorchScript teacher {path} not found")
        try:
            model = torch.jit.load(path, map_location="cpu")
        except RuntimeError as err:
            first = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
            raise ValueError(f"{path}: not a TorchScript file ({first})") from err
        preprocess = Preprocess(size, channels, mean, std)
        super().__init__(model, preprocess, num_classes, f"TorchScript {Path(path).name}", [Path(path)])
