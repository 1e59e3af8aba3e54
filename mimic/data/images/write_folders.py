"""Writing a built-in image corpus as PNG files in torchvision's ImageFolder layout, for
``ImageFolderDataModule`` and for any tool that reads such folders.

``<out>/train/<k>-<class>/<n>.png`` and ``<out>/test/...`` (the class folders sort in label order), and
optionally ``<out>/unlabeled/<n>.png``: training images whose labels are dropped. The tree is written in
a temporary folder beside ``out`` and renamed into place at the end: a stopped run leaves no half corpus.
"""

import shutil
import sys
import tempfile
from pathlib import Path

import torch
from torch import Tensor
from torchvision.io import encode_png


def folder_name(label: int, name: str) -> str:
    """``3-Dress``: the label first, so that sorted folders give the labels in order; no path separators."""
    return f"{label}-" + "".join(c if c.isalnum() or c in "-_." else "-" for c in name)


def write_split(folder: Path, images: Tensor, labels: Tensor | None, class_names: tuple[str, ...], what: str) -> None:
    """``images`` (N, C, H, W) uint8 as PNGs below ``folder``: by class if ``labels`` (N,), else flat."""
    step = max(1, len(images) // 20)
    for n, image in enumerate(images):
        if labels is None:
            path = folder / f"{n:06d}.png"
        else:
            label = int(labels[n])
            path = folder / folder_name(label, class_names[label]) / f"{n:06d}.png"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(encode_png(image.contiguous()).numpy().tobytes())
        if (n + 1) % step == 0 or n + 1 == len(images):
            end = "\n" if n + 1 == len(images) else ""
            print(f"\r[mimic] data image-folders: {what} {n + 1}/{len(images)}", end=end, file=sys.stderr, flush=True)


def write_image_folders(
    out: Path,
    splits: dict[str, tuple[Tensor, Tensor]],
    class_names: tuple[str, ...],
    unlabeled: int = 0,
    seed: int = 0,
) -> dict[str, int]:
    """Write ``splits`` ({"train": (images, labels), "test": ...}) under ``out``; ``unlabeled`` training
    images (a seeded random choice) go to ``unlabeled/`` without their labels. Returns the counts written."""
    if out.exists():
        raise FileExistsError(f"{out} exists; give another --out or remove it")
    images, labels = splits["train"]
    if not 0 <= unlabeled < len(images):
        raise ValueError(f"--unlabeled must be between 0 and {len(images) - 1} (the training images), got {unlabeled}")
    order = torch.randperm(len(images), generator=torch.Generator().manual_seed(seed))
    keep, drop = order[unlabeled:].sort().values, order[:unlabeled].sort().values
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=out.parent, prefix=f".{out.name}.", suffix=".tmp"))
    try:
        write_split(staging / "train", images[keep], labels[keep], class_names, "train")
        if unlabeled:
            write_split(staging / "unlabeled", images[drop], None, class_names, "unlabeled")
        for name, (split_images, split_labels) in splits.items():
            if name != "train":
                write_split(staging / name, split_images, split_labels, class_names, name)
        staging.rename(out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    counts = {"train": len(keep), "unlabeled": len(drop)}
    return counts | {name: len(split[0]) for name, split in splits.items() if name != "train"}
