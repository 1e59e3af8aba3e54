"""What a trained task keeps in its checkpoints beyond Lightning's own, and how older checkpoints are read.

- The training epoch's running figures (loss, error), each rank's own: a run resumed mid-epoch reports the
  whole epoch's figures, not those of the batches after the resume.
- Optimiser states saved with two parameter groups at weight decay 0 (every run before one group was
  used there) are rewritten as the one group now made, so such a run resumes.
"""

from typing import Any

from lightning.pytorch.utilities import rank_zero_warn
from torch import Tensor
from torchmetrics import Metric

from mimic.ranks import gather_from_ranks, own_share

RUNNING_KEY = "mimic_running_metrics"


def save_running(checkpoint: dict[str, Any], metrics: dict[str, Metric]) -> None:
    """Every rank's states of ``metrics`` (name -> metric) into ``checkpoint`` (a collective under DDP)."""
    running = {name: {k: v.detach().cpu().clone() for k, v in m.metric_state.items()} for name, m in metrics.items()}
    checkpoint[RUNNING_KEY] = gather_from_ranks(running)


def restore_running(checkpoint: dict[str, Any], metrics: dict[str, Metric], device) -> None:
    """This rank's saved states back into ``metrics``; states of other fields (an older version's
    metrics) restart that metric, with a warning."""
    if RUNNING_KEY not in checkpoint:  # checkpoints from before they were kept
        return
    for name, states in own_share(checkpoint[RUNNING_KEY]).items():
        metric = metrics[name]
        if set(states) != set(metric.metric_state):
            rank_zero_warn(f"checkpoint: the running {name} of this epoch has other fields; restarting it")
            continue
        for key, value in states.items():
            setattr(metric, key, value.to(device))
        metric._update_count, metric._computed = 1, None  # as after an update: compute() reads them


def merge_optimizer_groups(checkpoint: dict[str, Any], params: list[Tensor]) -> None:
    """Optimiser states saved with two groups (weight-decayed matrices, then the rest) rewritten, in place,
    as one group in ``params``' order (Lightning loads the optimiser state after ``on_load_checkpoint``)."""
    decayed_first = [i for i, p in enumerate(params) if p.ndim > 1] + [i for i, p in enumerate(params) if p.ndim <= 1]
    for state in checkpoint.get("optimizer_states", []):
        groups = state["param_groups"]
        saved = [i for group in groups for i in group["params"]]
        if len(groups) != 2 or groups[1].get("weight_decay") != 0.0 or saved != list(range(len(params))):
            continue
        position = dict(zip(saved, decayed_first, strict=True))  # saved id -> position in params
        state["state"] = {position[i]: value for i, value in state["state"].items()}
        state["param_groups"] = [{**groups[0], "params": list(range(len(params)))}]
    for scheduler in checkpoint.get("lr_schedulers", []):
        for key in ("base_lrs", "_last_lr"):  # one entry per group
            if isinstance(scheduler.get(key), list) and len(scheduler[key]) == 2:
                scheduler[key] = scheduler[key][:1]
