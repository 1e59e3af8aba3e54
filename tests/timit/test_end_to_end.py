"""Teacher -> streamed-logit mimic -> test on the fixture corpus, through the real CLI."""

import pytest

from mimic.cli import main
from tests.conftest import write_config
from tests.timit.fixtures import make_timit


def _config(root, cache, stage: str, module: str, net: dict, callbacks: list) -> dict:
    return {
        "seed_everything": 0,
        "run": {"experiment": "timit", "stage": stage},
        "model": {"class_path": module, "init_args": {"net": net}},
        "data": {
            "class_path": "mimic.data.TIMITDataModule",
            "init_args": {"root": str(root), "cache_dir": str(cache), "strict": False, "batch_size": 64},
        },
        "trainer": {
            "max_epochs": 1,
            "enable_progress_bar": False,
            "enable_model_summary": False,
            "callbacks": [{"class_path": "mimic.data.PhoneErrorRateScorer"}, *callbacks],
        },
    }


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    return make_timit(tmp_path_factory.mktemp("timit") / "TIMIT")


def test_teacher_mimic_and_scoring(in_tmp, corpus):
    dnn = {
        "class_path": "mimic.nets.DeepMLP",
        "init_args": {"in_shape": [15, 123], "num_classes": 183, "hidden": [32, 32]},
    }
    teacher = write_config(
        in_tmp / "t.yaml", _config(corpus, in_tmp / "cache", "dnn", "mimic.tasks.TeacherModule", dnn, [])
    )
    fitted = main(["fit", "--config", teacher])
    assert 0.0 <= float(fitted.trainer.callback_metrics["val/per"]) <= 2.0
    ckpt = in_tmp / "runs/timit/dnn/checkpoints/best.ckpt"
    snn = {
        "class_path": "mimic.nets.ShallowNet",
        "init_args": {"in_shape": [15, 123], "num_classes": 183, "hidden": 64, "bottleneck": 8},
    }
    logits = {"class_path": "mimic.callbacks.TeacherLogits", "init_args": {"checkpoints": [str(ckpt)], "cache": True}}
    student = write_config(
        in_tmp / "s.yaml", _config(corpus, in_tmp / "cache", "snn_mimic", "mimic.tasks.StudentModule", snn, [logits])
    )
    main(["fit", "--config", student])
    tested = main(["test", "--config", student, f"--ckpt_path={in_tmp / 'runs/timit/snn_mimic/checkpoints/best.ckpt'}"])
    metrics = tested.trainer.callback_metrics
    assert {"test/per", "test/err", "test/agreement"} <= set(metrics)
    # the checkpoint carries the input statistics, so the restored run normalises as training did
    assert tested.datamodule.normaliser.mean.shape == (123,)


def test_ddp_teacher_and_per(in_tmp, corpus):
    import os
    import subprocess
    import sys

    from tests.conftest import CONFIGS

    dnn = {"class_path": "mimic.nets.DeepMLP", "init_args": {"in_shape": [15, 123], "num_classes": 183, "hidden": [16]}}
    config = write_config(
        in_tmp / "t.yaml", _config(corpus, in_tmp / "cache", "ddp", "mimic.tasks.TeacherModule", dnn, [])
    )
    ddp = ["--config", str(CONFIGS / "trainer/cpu_ddp.yaml")]
    for args in (
        ["fit", "--config", config, *ddp],
        ["test", "--config", config, *ddp, "--ckpt_path=runs/timit/ddp/checkpoints/last.ckpt"],
    ):
        result = subprocess.run(
            [sys.executable, "-m", "mimic", *args],
            cwd=in_tmp,
            capture_output=True,
            text=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        assert result.returncode == 0, result.stderr[-4000:]
    assert "test/per" in result.stdout
