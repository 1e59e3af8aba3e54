"""A tiny synthetic corpus shared by the tests that need espeak-ng (skipped, with the reason, without it)."""

from pathlib import Path

import pytest

from mimic.synth.corpus import CorpusSettings, synthesise_corpus
from mimic.synth.espeak import INSTALL_HINT, espeak_available

needs_espeak = pytest.mark.skipif(not espeak_available(), reason=f"libespeak-ng is not installed: {INSTALL_HINT}")
TINY = CorpusSettings(train_speakers=2, dev_speakers=1, test_speakers=1, seed=3)


@pytest.fixture(scope="session")
def tiny_corpus(tmp_path_factory) -> Path:
    if not espeak_available():
        pytest.skip(f"libespeak-ng is not installed: {INSTALL_HINT}")
    root = tmp_path_factory.mktemp("synth") / "timit-synth"
    synthesise_corpus(root, TINY, workers=2)
    return root
