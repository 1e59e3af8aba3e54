import re

import lightning.pytorch as pl
import pytest
import torch

from mimic.callbacks import TeacherLogits
from mimic.cli import main
from mimic.nets import ShallowNet
from mimic.nets.checkpoints import load_net
from mimic.tasks import StudentModule
from tests.fixtures.configs import shallow_net, student_config, write_config


def _callback(cli) -> TeacherLogits:
    return next(c for c in cli.trainer.callbacks if isinstance(c, TeacherLogits))


def test_student_fit_keeps_the_teacher_frozen_and_out(in_tmp, fashion_root, teachers):
    cli = main(["fit", "--config", write_config(in_tmp / "s.yaml", student_config(fashion_root, [str(teachers[0])]))])
    callback = _callback(cli)
    assert callback.teacher_forwards > 0
    # the teacher's weights are unchanged and frozen
    original = load_net(teachers[0]).state_dict()
    for name, value in callback.teacher.state_dict().items():
        assert torch.equal(value.cpu(), original[name]), name
    assert not callback.teacher.training
    assert not any(p.requires_grad for p in callback.teacher.parameters())
    # the checkpoint holds the student's weights and nothing of the teacher's
    ckpt = torch.load(in_tmp / "runs/test/student/checkpoints/last.ckpt", weights_only=True)
    assert set(ckpt["state_dict"]) == {f"net.{k}" for k in cli.model.net.state_dict()}
    # and the optimiser only the student's parameters
    optimised = {id(p) for group in cli.trainer.optimizers[0].param_groups for p in group["params"]}
    assert optimised == {id(p) for p in cli.model.net.parameters()}
    assert {"val/agreement", "val/logit_mse", "val/err"} <= set(cli.trainer.callback_metrics)


def test_ensemble_logits_are_the_mean(teachers):
    callback = TeacherLogits([str(p) for p in teachers])
    trainer = pl.Trainer(accelerator="cpu", logger=False, enable_progress_bar=False)
    student = StudentModule(ShallowNet([1, 28, 28], 10, hidden=8), callback)
    x = torch.randn(5, 1, 28, 28)
    batch = {"x": x, "y": torch.zeros(5, dtype=torch.long), "index": torch.arange(5)}
    callback.label(trainer, student, batch, "val")
    expected = sum(load_net(p)(x) for p in teachers) / 2
    torch.testing.assert_close(batch["teacher_logits"], expected)
    log_probs = TeacherLogits([str(p) for p in teachers], combine="log_probs")
    batch = {"x": x, "index": torch.arange(5)}
    log_probs.label(trainer, student, batch, "val")
    torch.testing.assert_close(batch["teacher_logits"], sum(load_net(p)(x).log_softmax(-1) for p in teachers) / 2)


def _fit_counting(in_tmp, fashion_root, teachers, epochs: int, cache: bool, stage: str) -> TeacherLogits:
    config = student_config(fashion_root, [str(teachers[0])], stage=stage, cache=cache)
    config["trainer"].update(max_epochs=epochs, num_sanity_val_steps=0)
    return _callback(main(["fit", "--config", write_config(in_tmp / f"{stage}.yaml", config)]))


def test_cache_serves_later_epochs_with_the_same_logits(in_tmp, fashion_root, teachers):
    per_epoch = 336 + 64  # train and validation samples of the fixture
    streamed = _fit_counting(in_tmp, fashion_root, teachers, epochs=2, cache=False, stage="streamed")
    assert streamed.teacher_forwards == 2 * per_epoch
    cached = _fit_counting(in_tmp, fashion_root, teachers, epochs=2, cache=True, stage="cached")
    assert cached.teacher_forwards == per_epoch
    cache = cached.caches["train"]
    assert len(cache) == 336
    assert cache.complete  # sealed after the first epoch: the second asked the device nothing per batch
    # the cached rows are the teacher's logits of those very samples
    dm = _fixture_datamodule(fashion_root)
    sample = dm.datasets["train"].__getitems__([0, 5, 100])
    torch.testing.assert_close(cache.get(sample["index"]), load_net(teachers[0])(sample["x"]))


def test_a_sealed_cache_serves_without_checking_and_an_incomplete_one_is_not_sealed():
    from mimic.callbacks.logit_cache import LogitCache

    cache = LogitCache(num_classes=3)
    logits = torch.randn(6, 3)
    cache.put(torch.tensor([0, 1, 2, 4, 5]), logits[[0, 1, 2, 4, 5]])
    assert not cache.seal_if_complete(6)  # index 3 is missing
    assert cache.get(torch.tensor([3, 0])) is None  # still checked: the teacher runs for this batch
    cache.put(torch.tensor([3]), logits[[3]])
    assert not cache.seal_if_complete(7)  # the split has a seventh sample it never stored
    assert cache.seal_if_complete(6)
    torch.testing.assert_close(cache.get(torch.tensor([5, 3, 0])), logits[[5, 3, 0]])


def _fixture_datamodule(root):
    from mimic.data import FashionMNISTDataModule

    dm = FashionMNISTDataModule(root=str(root), val_size=64)
    dm.setup("fit")
    return dm


def test_cache_refused_for_augmented_inputs(in_tmp, fashion_root, teachers):
    config = student_config(fashion_root, [str(teachers[0])], cache=True)
    config["data"]["init_args"]["augment"] = True
    with pytest.raises(ValueError, match="'train' inputs are random"):
        main(["fit", "--config", write_config(in_tmp / "aug.yaml", config)])


def test_teacher_and_student_each_normalise_raw_inputs_with_their_own_statistics(in_tmp, fashion_root, teachers):
    config = student_config(fashion_root, [str(teachers[0])])
    config["data"]["init_args"]["train_size"] = 100  # the student sees fewer images than its teacher did
    cli = main(["fit", "--config", write_config(in_tmp / "own.yaml", config)])
    teacher, student = _callback(cli).teacher, cli.model.net
    torch.testing.assert_close(teacher.inputs.mean, load_net(teachers[0]).inputs.mean)  # as saved, not refitted
    dm = cli.datamodule
    torch.testing.assert_close(student.inputs.mean, dm.train_images.double().mean().reshape(1).float())
    assert not torch.allclose(student.inputs.mean, teacher.inputs.mean)
    # both take the same raw uint8 batch
    batch = dm.datasets["val"].__getitems__([0, 1, 2])
    assert batch["x"].dtype == torch.uint8
    torch.testing.assert_close(teacher(batch["x"]), load_net(teachers[0])(batch["x"]))


def test_teacher_and_student_must_agree_on_classes_and_input_shape(teachers):
    teacher = TeacherLogits([str(teachers[0])])
    with pytest.raises(ValueError, match="has 10 classes but the student has 5"):
        StudentModule(ShallowNet([1, 28, 28], 5, hidden=8), teacher)
    with pytest.raises(ValueError, match=r"takes inputs of shape \(1, 28, 28\) but the student takes \(784,\)"):
        StudentModule(ShallowNet([784], 10, hidden=8), teacher)


def test_a_net_config_that_contradicts_the_data_stops_with_one_line(in_tmp, fashion_root, teachers, capsys):
    for key, value, expected in (("num_classes", 5, "10"), ("in_shape", [784], r"\[1, 28, 28\]")):
        net = shallow_net(**{key: value})
        config = student_config(fashion_root, [str(teachers[0])], net=net)
        with pytest.raises(SystemExit) as exit_:
            main(["fit", "--config", write_config(in_tmp / "bad.yaml", config)])
        assert exit_.value.code == 2
        message = capsys.readouterr().err
        assert re.search(
            rf"error: model.init_args.net.init_args.{key} is .* but FashionMNISTDataModule gives {expected}", message
        )
    assert not (in_tmp / "runs/test/student/checkpoints").exists()


def test_missing_teacher_checkpoint(in_tmp, fashion_root, capsys):
    config = student_config(fashion_root, ["runs/demo/nothing/checkpoints/best.ckpt"])
    with pytest.raises(SystemExit):
        main(["fit", "--config", write_config(in_tmp / "bad.yaml", config)])
    assert "teacher checkpoint 'runs/demo/nothing/checkpoints/best.ckpt' not found" in capsys.readouterr().err


def test_bf16_mixed_student(in_tmp, fashion_root, teachers):
    config = student_config(fashion_root, [str(teachers[0])])
    config["trainer"].update(precision="bf16-mixed", max_steps=3, limit_val_batches=1)
    cli = main(["fit", "--config", write_config(in_tmp / "bf16.yaml", config)])
    assert cli.trainer.global_step == 3
    assert torch.isfinite(cli.trainer.callback_metrics["train/loss_epoch"])


def test_non_finite_loss_stops_with_a_clear_message(in_tmp, fashion_root, teachers):
    config = student_config(fashion_root, [str(teachers[0])])
    config["model"]["init_args"].update(lr=1e12, schedule="constant")
    with pytest.raises(FloatingPointError, match="lower model.lr"):
        main(["fit", "--config", write_config(in_tmp / "nan.yaml", config)])


def test_cache_dir_saves_and_reloads(in_tmp, fashion_root, teachers):
    def fit(stage: str) -> TeacherLogits:
        config = student_config(fashion_root, [str(teachers[0])], stage=stage, cache_dir=str(in_tmp / "logits"))
        config["trainer"]["num_sanity_val_steps"] = 0
        return _callback(main(["fit", "--config", write_config(in_tmp / f"{stage}.yaml", config)]))

    first = fit("first")
    assert first.teacher_forwards == 336 + 64
    assert sorted(p.name for p in (in_tmp / "logits").iterdir()) == [
        "teacher-logits-train-rank0.pt",
        "teacher-logits-val-rank0.pt",
    ]
    second = fit("second")  # same teacher, same data: everything comes from the files
    assert second.teacher_forwards == 0


def test_a_cache_file_that_does_not_match_is_rebuilt_and_never_trained_on(in_tmp, fashion_root, teachers, capsys):
    import os
    import shutil

    teacher = in_tmp / "teacher.ckpt"
    shutil.copy(teachers[0], teacher)
    train_file = in_tmp / "logits/teacher-logits-train-rank0.pt"

    def fit(stage: str, *args: str) -> int:
        config = student_config(fashion_root, [str(teacher)], stage=stage, cache_dir=str(in_tmp / "logits"))
        config["trainer"]["num_sanity_val_steps"] = 0
        cli = main(["fit", "--config", write_config(in_tmp / f"{stage}.yaml", config), *args])
        return _callback(cli).teacher_forwards

    def rebuilt_because() -> str:
        return " ".join(line for line in capsys.readouterr().err.splitlines() if "rebuilding the train" in line)

    assert fit("first") == 336 + 64 and fit("reused") == 0
    state = torch.load(train_file, weights_only=True)
    state["values"][5, 3] += 1.0  # one flipped value inside the file
    torch.save(state, train_file)
    assert fit("flipped") == 336 and "fails its checksum" in rebuilt_because()
    train_file.write_bytes(train_file.read_bytes()[:200])  # cut short by a crash
    assert fit("truncated") == 336 and "cannot be read" in rebuilt_because()
    assert fit("bf16", "--trainer.precision=bf16-mixed") == 336 + 64
    assert "other teachers, data, precision" in rebuilt_because()
    fit("back")  # the 32-bit cache again
    stat = teacher.stat()
    other = torch.load(teacher, weights_only=True)  # another teacher of the same size, name and date
    first = next(k for k, v in other["state_dict"].items() if v.is_floating_point() and v.numel() > 1)
    other["state_dict"][first] = other["state_dict"][first] + 0.5
    torch.save(other, teacher)
    os.utime(teacher, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert teacher.stat().st_size == stat.st_size
    assert fit("swapped") == 336 + 64 and "other teachers, data, precision" in rebuilt_because()
    assert sorted(p.name for p in train_file.parent.iterdir()) == [train_file.name, "teacher-logits-val-rank0.pt"]


@pytest.mark.slow
def test_compiled_student_and_teacher(in_tmp, fashion_root, teachers):
    """``model.compile`` and ``TeacherLogits(compile=True)``: both nets run compiled, and the student's
    checkpoint keeps its weights' names (it loads into an uncompiled net)."""
    config = student_config(fashion_root, [str(teachers[0])], compile=True)
    config["model"]["init_args"]["compile"] = True
    config["trainer"].update(max_steps=3, limit_val_batches=1)
    cli = main(["fit", "--config", write_config(in_tmp / "compiled.yaml", config)])
    assert cli.model.net._compiled_call_impl is not None
    assert _callback(cli).teacher._compiled_call_impl is not None
    weights = torch.load(in_tmp / "runs/test/student/checkpoints/last.ckpt", weights_only=True)["state_dict"]
    assert not any("_orig_mod" in key for key in weights)
    assert torch.isfinite(cli.trainer.callback_metrics["train/loss_epoch"])


def test_a_config_of_the_previous_layout_still_trains_and_says_where_the_teacher_goes(in_tmp, fashion_root, teachers):
    """Before the teacher was the student's argument, configs listed TeacherLogits in trainer.callbacks."""
    config = student_config(fashion_root, [str(teachers[0])])
    teacher = config["model"]["init_args"].pop("teacher")
    config["trainer"]["callbacks"] = [teacher]
    with pytest.warns(UserWarning, match="move it to model.init_args.teacher"):
        cli = main(["fit", "--config", write_config(in_tmp / "old.yaml", config)])
    assert "val/agreement" in cli.trainer.callback_metrics
