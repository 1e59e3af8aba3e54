"""torchvision's ImageFolder layout, read strictly: ``<root>/<class>/**/<image>`` (PNG or JPEG), classes
in sorted folder order, and folders of unlabeled images (every image below them).

Images are decoded with ``torchvision.io`` (libpng / libjpeg) to uint8 (C, H, W). Anything that would
silently change the labels or the data is refused, naming the folder or file: an image outside a class
folder, an empty class folder, a class folder missing from (or extra in) another split, an image that
does not decode, or one of another size than the others.
"""

import sys
from pathlib import Path

import torch
from torch import Tensor
from torchvision.io import ImageReadMode, decode_image, read_file

EXTENSIONS = (".png", ".jpg", ".jpeg")
_MODES = {1: ImageReadMode.GRAY, 3: ImageReadMode.RGB}


def images_below(folder: Path) -> list[Path]:
    """Every PNG or JPEG file below ``folder``, sorted by path."""
    return sorted(p for p in folder.rglob("*") if p.suffix.lower() in EXTENSIONS and p.is_file())


def class_folders(root: str | Path, key: str) -> dict[str, list[Path]]:
    """``{class name: its images}`` of an ImageFolder root, classes sorted; ``key`` names the setting in errors."""
    root = Path(root)
    if not root.is_dir():
        raise FileNotFoundError(f"data.{key}: {root} is not a folder (expected <class>/<image> folders in it)")
    loose = sorted(p.name for p in root.iterdir() if p.is_file() and p.suffix.lower() in EXTENSIONS)
    if loose:
        raise ValueError(
            f"data.{key}: {root} has images outside any class folder ({', '.join(loose[:3])}"
            f"{' ...' if len(loose) > 3 else ''}); put each image in the folder of its class"
        )
    classes = {folder.name: images_below(folder) for folder in sorted(root.iterdir()) if folder.is_dir()}
    if not classes:
        raise ValueError(f"data.{key}: {root} has no class folders (expected <class>/<image>)")
    empty = [name for name, files in classes.items() if not files]
    if empty:
        raise ValueError(
            f"data.{key}: class folder {root / empty[0]} has no images ({', '.join(EXTENSIONS)})"
            + (f", nor do {len(empty) - 1} others" if len(empty) > 1 else "")
        )
    return classes


def check_same_classes(classes: list[str], other: dict[str, list[Path]], key: str, root: str | Path) -> None:
    """Refuse a split whose class folders are not the training split's: labels would mean other classes."""
    missing = [c for c in classes if c not in other]
    extra = [c for c in other if c not in classes]
    if missing:
        raise ValueError(f"data.{key}: {root} has no folder for class {missing[0]!r}, which data.train has")
    if extra:
        raise ValueError(f"data.{key}: class folder {Path(root) / extra[0]} is not a class of data.train")


def decode(path: Path, channels: int) -> Tensor:
    """(channels, H, W) uint8 pixels of one image file; a file that does not decode is one line naming it."""
    try:
        return decode_image(read_file(str(path)), mode=_MODES[channels])
    except RuntimeError as err:
        first = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        raise ValueError(f"{path}: not a readable PNG or JPEG image ({first})") from err


def read_images(files: list[Path], channels: int, size: tuple[int, int], what: str) -> Tensor:
    """(N, channels, H, W) uint8 of every file, each of ``size`` (H, W); a progress line on stderr."""
    out = torch.empty((len(files), channels, *size), dtype=torch.uint8)
    step = max(1, len(files) // 20)
    for i, path in enumerate(files):
        try:
            image = decode(path, channels)
            if tuple(image.shape[-2:]) != size:
                found = f"{image.shape[-1]}x{image.shape[-2]}"
                raise ValueError(f"{path}: {found} pixels (width x height), expected {size[1]}x{size[0]} as the others")
        except ValueError:
            print(file=sys.stderr, flush=True)  # end the progress line: the error gets a line of its own
            raise
        out[i] = image
        if (i + 1) % step == 0 or i + 1 == len(files):
            end = "\n" if i + 1 == len(files) else ""
            print(f"\r[mimic] {what}: decoded {i + 1}/{len(files)} images", end=end, file=sys.stderr, flush=True)
    return out


def image_size(path: Path, channels: int) -> tuple[int, int]:
    """(H, W) of one image: what every other image of the corpus must have."""
    return tuple(decode(path, channels).shape[-2:])
