"""Fixtures: a tiny Fashion-MNIST in the real IDX format, tiny stage configs, and trained tiny teachers."""

import gzip
import struct
from pathlib import Path

import numpy as np
import pytest
import yaml

from mimic.cli import main
from mimic.formats.idx import IMAGES_MAGIC, LABELS_MAGIC

REPO = Path(__file__).resolve().parents[1]
CONFIGS = REPO / "configs"


def write_idx(path: Path, array: np.ndarray, magic: int) -> None:
    """Write ``array`` (uint8) as a gzipped IDX file, exactly as the Fashion-MNIST distribution does."""
    header = struct.pack(f">{1 + array.ndim}i", magic, *array.shape)
    with gzip.open(path, "wb") as f:
        f.write(header + array.astype(np.uint8).tobytes())


def make_fashion(root: Path, n_train: int = 400, n_test: int = 100, seed: int = 0) -> Path:
    """Images whose class is drawn as a bright band at a class-specific height, over noise."""
    rng = np.random.default_rng(seed)
    root.mkdir(parents=True, exist_ok=True)
    for prefix, n in (("train", n_train), ("t10k", n_test)):
        labels = rng.integers(0, 10, n).astype(np.uint8)
        images = rng.integers(0, 60, (n, 28, 28)).astype(np.uint8)
        for i, label in enumerate(labels):
            images[i, 2 + 2 * label : 5 + 2 * label] = 250
        write_idx(root / f"{prefix}-images-idx3-ubyte.gz", images, IMAGES_MAGIC)
        write_idx(root / f"{prefix}-labels-idx1-ubyte.gz", labels, LABELS_MAGIC)
    return root


@pytest.fixture(scope="session")
def fashion_root(tmp_path_factory) -> Path:
    return make_fashion(tmp_path_factory.mktemp("fashion"))


def data_config(root: Path, **overrides) -> dict:
    init = {"root": str(root), "val_size": 64, "batch_size": 32, "eval_batch_size": 64, **overrides}
    return {"class_path": "mimic.data.FashionMNISTDataModule", "init_args": init}


def mlp_net(num_classes: int = 10, hidden: tuple[int, ...] = (32, 32)) -> dict:
    return {
        "class_path": "mimic.nets.DeepMLP",
        "init_args": {"in_shape": [1, 28, 28], "num_classes": num_classes, "hidden": list(hidden), "dropout": 0.1},
    }


def shallow_net(num_classes: int = 10, hidden: int = 64, bottleneck: int | None = 16) -> dict:
    return {
        "class_path": "mimic.nets.ShallowNet",
        "init_args": {"in_shape": [1, 28, 28], "num_classes": num_classes, "hidden": hidden, "bottleneck": bottleneck},
    }


def teacher_config(root: Path, stage: str = "teacher", seed: int = 0, net: dict | None = None, **data) -> dict:
    return {
        "seed_everything": seed,
        "run": {"experiment": "test", "stage": stage, "job_type": "teacher"},
        "model": {"class_path": "mimic.tasks.TeacherModule", "init_args": {"net": net or mlp_net(), "lr": 0.05}},
        "data": data_config(root, **data),
        "trainer": {"max_epochs": 1, "enable_progress_bar": False, "enable_model_summary": False},
    }


def student_config(root: Path, checkpoints: list[str], stage: str = "student", net: dict | None = None, **cb) -> dict:
    callback = {"class_path": "mimic.callbacks.TeacherLogits", "init_args": {"checkpoints": checkpoints, **cb}}
    return {
        "seed_everything": 0,
        "run": {"experiment": "test", "stage": stage, "job_type": "student"},
        "model": {"class_path": "mimic.tasks.StudentModule", "init_args": {"net": net or shallow_net()}},
        "data": data_config(root),
        "trainer": {
            "max_epochs": 1,
            "enable_progress_bar": False,
            "enable_model_summary": False,
            "callbacks": [callback],
        },
    }


def write_config(path: Path, config: dict) -> str:
    path.write_text(yaml.safe_dump(config))
    return str(path)


@pytest.fixture(scope="session")
def teachers(tmp_path_factory, fashion_root) -> list[Path]:
    """Two tiny MLP teachers (seeds 0 and 1) trained for one epoch through the CLI; their best.ckpt paths."""
    work = tmp_path_factory.mktemp("teachers")
    paths = []
    for seed in (0, 1):
        config = teacher_config(fashion_root, stage=f"teacher{seed}", seed=seed)
        config["run"]["root"] = str(work / "runs")
        main(["fit", "--config", write_config(work / f"teacher{seed}.yaml", config)])
        paths.append(work / "runs" / "test" / f"teacher{seed}" / "checkpoints" / "best.ckpt")
    return paths


@pytest.fixture
def in_tmp(tmp_path, monkeypatch) -> Path:
    """Run in a fresh folder, so that runs/ lands there."""
    monkeypatch.chdir(tmp_path)
    return tmp_path
