"""Session fixtures: a tiny Fashion-MNIST, two tiny trained teachers, a fresh working folder, a tiny
synthesised speech corpus. The helpers behind them are in ``tests.fixtures``."""

from pathlib import Path

import pytest

from mimic.cli import main
from tests.fixtures.configs import teacher_config, write_config
from tests.fixtures.fashion import make_fashion
from tests.fixtures.synth import TINY


@pytest.fixture(scope="session")
def fashion_root(tmp_path_factory) -> Path:
    return make_fashion(tmp_path_factory.mktemp("fashion"))


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


@pytest.fixture(scope="session")
def tiny_corpus(tmp_path_factory) -> Path:
    """A 4-speaker corpus synthesised with espeak-ng (skipped, with the reason, without it)."""
    from mimic.synth.corpus import synthesise_corpus
    from mimic.synth.espeak import INSTALL_HINT, espeak_available

    if not espeak_available():
        pytest.skip(f"libespeak-ng is not installed: {INSTALL_HINT}")
    root = tmp_path_factory.mktemp("synth") / "timit-synth"
    synthesise_corpus(root, TINY, workers=2)
    return root
