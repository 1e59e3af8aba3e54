"""Teachers made elsewhere (torchvision with a local state dict, TorchScript) behind their own
preprocessing, mimicked on image folders through the real CLI."""

import sys

import pytest
import torch
import torch.nn.functional as F

from mimic.cli import console_main, main
from mimic.nets import Preprocess, TorchScriptTeacher, TorchvisionTeacher
from tests.fixtures.configs import shallow_net, write_config
from tests.fixtures.folders import CLASSES, make_folders, save_weights, tiny_torchvision

MEAN, STD = (0.5, 0.4, 0.3), (0.2, 0.25, 0.3)


def by_hand(x: torch.Tensor, size: int) -> torch.Tensor:
    """What the preprocessing must be, written out: 0..1, grey repeated to RGB, resized, normalised."""
    x = x.float().div(255).repeat(1, 3, 1, 1)
    x = F.interpolate(x, size=(size, size), mode="bilinear", align_corners=False, antialias=True)
    return (x - torch.tensor(MEAN).view(1, 3, 1, 1)) / torch.tensor(STD).view(1, 3, 1, 1)


@pytest.mark.parametrize("suffix", [".safetensors", ".pt"])
def test_a_torchvision_teacher_is_its_model_on_the_preprocessed_view(tmp_path, suffix):
    model = tiny_torchvision()
    weights = save_weights(model, tmp_path / f"w{suffix}")
    teacher = TorchvisionTeacher("mobilenet_v3_small", str(weights), len(CLASSES), 40, 3, MEAN, STD)
    x = torch.randint(0, 256, (5, 1, 12, 12), dtype=torch.uint8)  # the student's raw grey 12 x 12 view
    with torch.no_grad():
        torch.testing.assert_close(teacher(x), model(by_hand(x, 40)))
    assert not any(p.requires_grad for p in teacher.parameters())
    teacher.train()
    assert not teacher.training and not teacher.model.training  # frozen in eval mode, whatever asks


def test_preprocessing_turns_colour_to_grey_by_luma_and_keeps_the_size_by_default():
    x = torch.randint(0, 256, (2, 3, 8, 8), dtype=torch.uint8)
    grey = Preprocess(channels=1, mean=(0.0,), std=(1.0,))(x)
    luma = (x.float() / 255 * torch.tensor([0.299, 0.587, 0.114]).view(1, 3, 1, 1)).sum(1, keepdim=True)
    torch.testing.assert_close(grey, luma)
    with pytest.raises(ValueError, match="preprocess.mean needs 1 or 3 values"):
        Preprocess(mean=(0.1, 0.2))


def test_a_torchscript_teacher_is_its_file(tmp_path):
    model = tiny_torchvision()
    path = tmp_path / "scripted.pt"
    torch.jit.trace(model, torch.zeros(1, 3, 32, 32)).save(str(path))
    teacher = TorchScriptTeacher(str(path), len(CLASSES), 32, 3, MEAN, STD)
    x = torch.randint(0, 256, (3, 1, 12, 12), dtype=torch.uint8)
    with torch.no_grad():
        torch.testing.assert_close(teacher(x), model(by_hand(x, 32)))
    (tmp_path / "junk.pt").write_bytes(b"not a model")
    with pytest.raises(ValueError, match="junk.pt: not a TorchScript file"):
        TorchScriptTeacher(str(tmp_path / "junk.pt"), 3)


def _folders_data(root, **more) -> dict:
    init = {"train": str(root / "train"), "test": str(root / "test"), "val": str(root / "val"), "channels": 1}
    return {"class_path": "mimic.data.ImageFolderDataModule", "init_args": {**init, "batch_size": 16, **more}}


def _student(root, weights, **data) -> dict:
    teacher = {
        "class_path": "mimic.nets.TorchvisionTeacher",
        "init_args": {"arch": "mobilenet_v3_small", "weights": str(weights), "num_classes": len(CLASSES), "size": 32},
    }
    return {
        "seed_everything": 0,
        "run": {"experiment": "custom", "stage": "mimic", "job_type": "student"},
        "model": {
            "class_path": "mimic.tasks.StudentModule",
            "init_args": {
                "net": shallow_net(),
                "teacher": {"class_path": "mimic.callbacks.TeacherLogits", "init_args": {"models": [teacher]}},
                "lr": 0.01,
            },
        },
        "data": _folders_data(root, **data),
        "trainer": {"max_epochs": 2, "enable_progress_bar": False, "enable_model_summary": False},
    }


def test_a_student_mimics_an_outside_teacher_on_folders_and_the_teacher_stays_as_it_was(in_tmp):
    root = make_folders(in_tmp / "images", unlabeled=12)
    model = tiny_torchvision()
    weights = save_weights(model, in_tmp / "teachers" / "mobilenet.safetensors")
    before = {k: v.clone() for k, v in model.state_dict().items()}
    # augmented views and unlabeled images, each labelled anew by the teacher (no cache)
    config = _student(
        root,
        weights,
        augment=True,
        unlabeled=[str(root / "unlabeled")],
        transfer={"class_path": "mimic.data.images.Unlabeled"},
    )
    cli = main(["fit", "--config", write_config(in_tmp / "s.yaml", config)])
    callback = cli.model.teacher
    teacher = callback.teacher
    assert callback.teacher_forwards >= 2 * (60 + 12)  # two epochs of labelled and unlabeled images
    for key, value in teacher.model.state_dict().items():
        torch.testing.assert_close(value, before[key], msg=key)  # batch norm statistics too
    assert all(p.grad is None and not p.requires_grad for p in teacher.parameters())
    assert not teacher.training
    saved = torch.load(in_tmp / "runs/custom/mimic/checkpoints/last.ckpt", weights_only=True)
    assert all(k.startswith("net.") for k in saved["state_dict"])  # no teacher weights in the student
    optimised = {id(p) for group in cli.model.optimizers().optimizer.param_groups for p in group["params"]}
    assert not optimised & {id(p) for p in teacher.parameters()}
    tested = main(
        [
            "test",
            "--config",
            write_config(in_tmp / "s.yaml", config),
            "--ckpt_path=runs/custom/mimic/checkpoints/best.ckpt",
        ]
    )
    assert "test/agreement" in tested.trainer.callback_metrics


def test_a_torchvision_net_trained_by_mimic_exports_weights_an_outside_teacher_reads(in_tmp):
    root = make_folders(in_tmp / "images")
    net = {"class_path": "mimic.nets.TorchvisionNet", "init_args": {"arch": "mobilenet_v3_small", "size": 32}}
    config = {
        "seed_everything": 0,
        "run": {"experiment": "custom", "stage": "teacher", "job_type": "teacher"},
        "model": {"class_path": "mimic.tasks.TeacherModule", "init_args": {"net": net, "lr": 0.01}},
        "data": _folders_data(root),
        "trainer": {"max_epochs": 1, "enable_progress_bar": False, "enable_model_summary": False},
    }
    main(["fit", "--config", write_config(in_tmp / "t.yaml", config)])
    out = in_tmp / "teachers" / "mobilenet.safetensors"
    record = main(["export", "runs/custom/teacher", "--format", "torchvision", "--out", str(out)])
    assert record["check"]["max_abs_logit_difference"] <= 1e-4
    assert "minus mean" in record["input"]["preprocessing"]
    # a plain torchvision model takes the file as it is
    plain = tiny_torchvision(seed=1)
    from safetensors.torch import load_file

    plain.load_state_dict(load_file(str(out)))
    # and mimic students take it as their teacher
    main(["fit", "--config", write_config(in_tmp / "s.yaml", _student(root, out)), "--trainer.max_epochs=1"])


def _fails(monkeypatch, capsys, *argv: str) -> str:
    monkeypatch.setattr(sys, "argv", ["mimic", *argv])
    with pytest.raises(SystemExit) as stopped:
        console_main()
    err = capsys.readouterr().err
    assert stopped.value.code == 2 and "Traceback" not in err, err
    lines = [line for line in err.splitlines() if line.startswith("mimic: error:")]
    assert len(lines) == 1, err
    return lines[0]


def test_bad_folders_and_bad_weights_are_one_line(in_tmp, monkeypatch, capsys):
    root = make_folders(in_tmp / "images")
    weights = save_weights(tiny_torchvision(), in_tmp / "w.safetensors")
    config = write_config(in_tmp / "s.yaml", _student(root, weights))
    (root / "test" / "bag" / "test001.png").write_bytes(b"\x89PNG broken")
    line = _fails(monkeypatch, capsys, "fit", "--config", config)
    assert "test/bag/test001.png: not a readable PNG or JPEG image" in line
    (root / "test" / "bag" / "test001.png").unlink()
    for image in (root / "val" / "coat").iterdir():
        image.unlink()
    (root / "val" / "coat").rmdir()
    line = _fails(monkeypatch, capsys, "fit", "--config", config)
    assert line.endswith("has no folder for class 'coat', which data.train has")
    (root / "val" / "coat").mkdir()
    line = _fails(monkeypatch, capsys, "fit", "--config", config)
    assert "class folder" in line and "val/coat has no images" in line
    other = save_weights(tiny_torchvision("resnet18"), in_tmp / "resnet.safetensors")
    bad = write_config(in_tmp / "b.yaml", _student(make_folders(in_tmp / "ok"), other))
    line = _fails(monkeypatch, capsys, "fit", "--config", bad)
    assert "resnet.safetensors: weights of another architecture than torchvision mobilenet_v3_small" in line
    ten = save_weights(tiny_torchvision(num_classes=10), in_tmp / "ten.safetensors")
    config = _student(in_tmp / "ok", ten)
    config["model"]["init_args"]["teacher"]["init_args"]["models"][0]["init_args"]["num_classes"] = 10
    line = _fails(monkeypatch, capsys, "fit", "--config", write_config(in_tmp / "t.yaml", config))
    assert line.endswith(
        "(ten.safetensors)) has 10 classes but the student has 3: they must be trained on the same label set"
    )


def test_the_teacher_stays_frozen_in_fp32_under_mixed_precision(in_tmp):
    root = make_folders(in_tmp / "images")
    model = tiny_torchvision()
    weights = save_weights(model, in_tmp / "w.safetensors")
    config = write_config(in_tmp / "s.yaml", _student(root, weights))
    cli = main(["fit", "--config", config, "--trainer.precision=bf16-mixed", "--trainer.fast_dev_run=2"])
    teacher = cli.model.teacher.teacher
    assert all(p.dtype == torch.float32 for p in teacher.parameters())
    for key, value in teacher.model.state_dict().items():
        torch.testing.assert_close(value, model.state_dict()[key], msg=key)
    x = torch.randint(0, 256, (4, 1, 12, 12), dtype=torch.uint8)
    logits = cli.model.teacher.teacher_forward(cli.trainer, cli.model, x)
    assert logits.dtype == torch.float32  # what the L2 and KD losses get, whatever the student's precision
