"""Several optimiser steps per Lightning step (``model.steps_per_chunk``, ``mimic.data.chunks``): the same
steps as one per batch, through the real CLI, deterministic mode, on the tiny Fashion-MNIST (336 training
images in batches of 32: 11 batches an epoch, so the last chunk of 3 holds 2)."""

import lightning.pytorch as pl
import pytest
import torch

from mimic.cli import main
from mimic.data.chunks import ChunkedBatches, join_batches, split_chunk
from tests.fixtures.configs import student_config, teacher_config, write_config
from tests.test_errors import _fails


def _fit(in_tmp, config: dict, stage: str, chunk: int, *args: str):
    config["run"]["stage"] = stage
    config["model"]["init_args"]["steps_per_chunk"] = chunk
    config["trainer"] |= {"max_epochs": 2, "deterministic": True}
    cli = main(["fit", "--config", write_config(in_tmp / f"{stage}.yaml", config), *args])
    return cli.trainer, torch.load(in_tmp / f"runs/test/{stage}/checkpoints/last.ckpt", weights_only=True)


def _same_weights(a: dict, b: dict) -> None:
    assert a["global_step"] == b["global_step"]
    for key, value in a["state_dict"].items():
        assert torch.equal(value, b["state_dict"][key]), key


@pytest.mark.parametrize("kind", ["teacher_mixup", "student_transfer_augmented"])
def test_chunked_steps_are_the_single_steps(in_tmp, fashion_root, teachers, kind):
    if kind == "teacher_mixup":
        config = lambda: teacher_config(fashion_root, mix="mixup")  # noqa: E731
    else:  # random transfer images, shifted and flipped: the teacher labels each chunk in one pass

        def config():
            made = student_config(fashion_root, [str(teachers[0])])
            made["data"]["init_args"] |= {
                "transfer": {"class_path": "mimic.data.images.Mixup"}, "transfer_fraction": 0.5, "augment": True
            }  # fmt: skip
            return made

    single_trainer, single = _fit(in_tmp, config(), "single", 1)
    chunked_trainer, chunked = _fit(in_tmp, config(), "chunked", 3)
    assert single_trainer.global_step == chunked_trainer.global_step == 2 * single_trainer.num_training_batches
    # 11 batches (3 + 3 + 3 + 2); with transfer images, 21 (7 x 3)
    assert chunked_trainer.num_training_batches == -(-single_trainer.num_training_batches // 3)
    _same_weights(single, chunked)
    # the schedule spanned the same steps: the same learning rate at the end
    assert single["lr_schedulers"][0]["last_epoch"] == chunked["lr_schedulers"][0]["last_epoch"]
    # the epoch's figures count every step's samples
    for key in ("train/err", "train/loss_epoch"):
        assert float(chunked_trainer.callback_metrics[key]) == pytest.approx(
            float(single_trainer.callback_metrics[key]), rel=1e-5
        )


def test_a_chunk_stops_at_max_steps(in_tmp, fashion_root):
    trainer, _ = _fit(in_tmp, teacher_config(fashion_root), "capped", 4, "--trainer.max_steps=7")
    assert trainer.global_step == 7  # two chunks: 4 steps, then 3 of the next 4


class Interrupted(Exception):
    pass


class FailAt(pl.Callback):
    """Fails the run at the first chunk that starts at or past ``step``, as a crash would."""

    def __init__(self, step: int) -> None:
        self.step = step

    def on_train_batch_start(self, trainer, *args) -> None:
        if trainer.global_step >= self.step:
            raise Interrupted(f"stopped at step {trainer.global_step}")


def test_resumed_chunked_run_ends_where_the_straight_one_does(in_tmp, fashion_root):
    """Failed mid-epoch and resumed from last.ckpt (written at the first chunk end past step 4:
    after 6 of 11 steps): the weights of the run never stopped. (Killed at random moments, chunked
    runs included: ``make test-faults``.)"""
    config = teacher_config(fashion_root)
    config["run"]["checkpoint_every_n_steps"] = 4
    _, straight = _fit(in_tmp, config, "straight", 3)
    fail = '--trainer.callbacks+={"class_path": "tests.tasks.test_chunked_steps.FailAt", "init_args": {"step": 4}}'
    with pytest.raises(Interrupted, match="step 6"):
        _fit(in_tmp, config, "stopped", 3, fail)
    saved = torch.load(in_tmp / "runs/test/stopped/checkpoints/last.ckpt", weights_only=True)
    assert saved["global_step"] == 6
    _, resumed = _fit(in_tmp, config, "stopped", 3, "--ckpt_path=last")
    _same_weights(straight, resumed)


def test_chunked_steps_clip_gradients_as_single_steps_do(in_tmp, fashion_root):
    clipped = ("--trainer.gradient_clip_val=0.05", "--trainer.max_epochs=1")  # clips at most steps of this net
    _, single = _fit(in_tmp, teacher_config(fashion_root), "single", 1, *clipped)
    _, chunked = _fit(in_tmp, teacher_config(fashion_root), "chunked", 3, *clipped)
    _, unclipped = _fit(in_tmp, teacher_config(fashion_root), "unclipped", 3, "--trainer.max_epochs=1")
    _same_weights(single, chunked)
    assert not torch.equal(chunked["state_dict"]["net.layers.2.weight"], unclipped["state_dict"]["net.layers.2.weight"])


def test_chunked_steps_refuse_gradient_accumulation(monkeypatch, capsys, in_tmp, fashion_root):
    config = teacher_config(fashion_root)
    config["model"]["init_args"]["steps_per_chunk"] = 2
    config["trainer"]["accumulate_grad_batches"] = 2
    line = _fails(monkeypatch, capsys, "fit", "--config", write_config(in_tmp / "accumulate.yaml", config))
    assert "steps_per_chunk" in line and "accumulate_grad_batches" in line


def test_chunks_split_back_into_their_batches():
    batches = [{"x": torch.arange(n * 2).reshape(n, 2) + 10 * n, "y": torch.arange(n)} for n in (4, 4, 3)]
    chunks = list(ChunkedBatches(batches, 2))
    assert len(chunks) == len(ChunkedBatches(batches, 2)) == 2
    assert chunks[0]["step_sizes"] == (4, 4) and chunks[1]["step_sizes"] == (3,)
    chunk = join_batches(batches)
    chunk["teacher_logits"] = torch.randn(11, 5)  # added once the chunk reached the device
    parts = split_chunk(chunk)
    for part, batch in zip(parts, batches, strict=True):
        assert torch.equal(part["x"], batch["x"]) and torch.equal(part["y"], batch["y"])
    assert torch.equal(torch.cat([part["teacher_logits"] for part in parts]), chunk["teacher_logits"])
