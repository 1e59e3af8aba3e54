"""``SafeCheckpointIO``: how every ``mimic`` run writes and reads Lightning checkpoints.

- **Written whole or not at all**: into a temporary file in the checkpoint's folder, flushed to disk, then
  renamed over the old one (``mimic.atomic``). A run killed mid-save, or a full disk, leaves the previous
  ``last.ckpt`` / ``best.ckpt`` intact and no temporary file behind. (Lightning's own writer streams into
  the destination, so a kill there leaves a truncated file, and one on another filesystem a 0-byte one.)
- **Read without running code**: ``weights_only=True`` unless the run says otherwise (``--weights_only
  false``, for a checkpoint the user trusts), through ``mimic.nets.checkpoints.load_checkpoint``: a
  missing, truncated, foreign or object-holding file is one error naming it, never torch's advice to
  turn ``weights_only`` off. A damaged file names the checkpoints beside it that do load.
"""

from pathlib import Path
from typing import Any

import torch
from lightning.fabric.plugins.io.torch_io import TorchCheckpointIO

from mimic.atomic import atomic_file
from mimic.nets.checkpoints import load_checkpoint


class SafeCheckpointIO(TorchCheckpointIO):
    def save_checkpoint(self, checkpoint: dict[str, Any], path, storage_options: Any | None = None) -> None:
        if storage_options is not None:
            raise TypeError(f"{type(self).__name__} takes no storage_options")
        with atomic_file(path) as f:
            torch.save(checkpoint, f)

    def load_checkpoint(self, path, map_location: Any = None, weights_only: bool | None = None) -> dict[str, Any]:
        path = Path(path)
        if weights_only is False:  # the user's explicit choice, for a file they trust
            return torch.load(path, map_location=map_location or "cpu", weights_only=False)
        try:
            return load_checkpoint(path, map_location=map_location or "cpu")
        except ValueError as err:
            usable = _loadable_neighbours(path)
            hint = f"; checkpoints beside it that load: {', '.join(usable)}" if usable else ""
            raise ValueError(f"{err}{hint}") from err


def _loadable_neighbours(path: Path) -> list[str]:
    """The other ``.ckpt`` files in ``path``'s folder that load, newest first (to resume from instead);
    the five newest are tried."""
    others = sorted((p for p in path.parent.glob("*.ckpt") if p != path), key=lambda p: p.stat().st_mtime, reverse=True)
    usable = []
    for other in others[:5]:
        try:
            load_checkpoint(other)
        except (ValueError, OSError):
            continue
        usable.append(str(other))
    return usable
