"""State that differs from one DDP rank to the next, kept in a checkpoint that only rank 0 writes.

Lightning builds a checkpoint on every rank but writes rank 0's. Whatever each rank holds for itself
(its random generators' states, the running figures of its share of the epoch) is gathered into a list
indexed by rank when the checkpoint is built, and each rank takes its own entry back on restore.
"""

from typing import Any

import torch.distributed as dist


def gather_from_ranks(state: Any) -> list[Any]:
    """``[rank 0's state, rank 1's, ...]``; a collective under DDP: every rank must call it."""
    if not (dist.is_available() and dist.is_initialized()):
        return [state]
    gathered: list[Any] = [None] * dist.get_world_size()
    dist.all_gather_object(gathered, state)
    return gathered


def own_share(states: list[Any]) -> Any:
    """This rank's entry of a ``gather_from_ranks`` list; rank 0's when the run resumes with another
    number of ranks (it then continues, no longer exactly)."""
    rank, world = (dist.get_rank(), dist.get_world_size()) if dist.is_available() and dist.is_initialized() else (0, 1)
    return states[rank] if len(states) == world else states[0]
