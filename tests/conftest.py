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


@pytest.fixture(scope="session", autouse=True)
def repository_untouched():
    """No test may write into the repository's published results or configs (they are what users read)."""
    root = Path(__file__).resolve().parents[1]

    def files() -> dict[Path, int]:
        return {p: p.stat().st_mtime_ns for f in ("docs", "configs") for p in (root / f).rglob("*") if p.is_file()}

    before = files()
    yield
    after = files()
    touched = sorted(str(p.relative_to(root)) for p in before.keys() | after.keys() if before.get(p) != after.get(p))
    assert not touched, f"the tests wrote into the repository: {touched}"
