"""Files are written whole or not at all: into a temporary file in the destination folder, flushed to
disk, then renamed over the destination (a rename within one folder is atomic on POSIX). A failed
write leaves the previous file intact and no temporary file behind."""

import os
import tempfile
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path
from typing import IO


@contextmanager
def atomic_file(path: str | Path, mode: str = "wb"):
    """Yield a file object to write; on a clean exit it replaces ``path``, on an error it vanishes."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    # mkstemp creates the file private (0600); give it the permissions an ordinary open() would.
    os.fchmod(handle, 0o666 & ~_umask())
    try:
        with os.fdopen(handle, mode) as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _umask() -> int:
    mask = os.umask(0)  # the only way to read the umask is to set it; put it straight back
    os.umask(mask)
    return mask


def write_text(path: str | Path, text: str) -> None:
    with atomic_file(path, "w") as f:
        f.write(text)


def write_with(path: str | Path, writer: Callable[[IO], None], mode: str = "wb") -> None:
    """``writer(file)`` fills the file, e.g. ``lambda f: fig.savefig(f, format="png")``."""
    with atomic_file(path, mode) as f:
        writer(f)
