"""Teacher -> streamed-logit mimic -> test on the fixture corpus, through the real CLI."""

import pytest
import torch

from mimic.cli import main
from mimic.report.paired import read_predictions
from mimic.report.paired_per import read_utterances
from tests.fixtures.configs import write_config
from tests.fixtures.timit import make_timit


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
            "callbacks": [{"class_path": "mimic.callbacks.PhoneErrorRateScorer"}, *callbacks],
        },
    }


def _check_kept_utterances(test_dir, datamodule, per: float) -> None:
    """Every core-test utterance's result is kept, once, and they add up to the logged PER."""
    kept = read_utterances(test_dir / "utterances.npz")
    core_test = datamodule.splits["test"]
    assert sorted(kept.names.tolist()) == sorted(core_test.names)
    assert int(kept.phones.sum()) == datamodule.scored_phones("test")
    assert kept.per == pytest.approx(per)
    frames = read_predictions(test_dir / "predictions.npz")  # and every frame's prediction
    assert len(frames.index) == len(core_test.targets)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    return make_timit(tmp_path_factory.mktemp("timit") / "TIMIT")


def test_teacher_mimic_and_scoring(in_tmp, corpus):
    dnn = {
        "class_path": "mimic.nets.DeepMLP",
        "init_args": {"hidden": [32, 32]},  # in_shape (15, 123) and 183 classes come from the DataModule
    }
    teacher = write_config(
        in_tmp / "t.yaml", _config(corpus, in_tmp / "cache", "dnn", "mimic.tasks.TeacherModule", dnn, [])
    )
    fitted = main(["fit", "--config", teacher])
    assert fitted.model.net.in_shape == (15, 123) and fitted.model.net.num_classes == 183
    assert "val/per" in fitted.trainer.callback_metrics
    ckpt = in_tmp / "runs/timit/dnn/checkpoints/best.ckpt"
    snn = {
        "class_path": "mimic.nets.ShallowNet",
        "init_args": {"hidden": 64, "bottleneck": 8},
    }
    logits = {"class_path": "mimic.callbacks.TeacherLogits", "init_args": {"checkpoints": [str(ckpt)], "cache": True}}
    student = write_config(
        in_tmp / "s.yaml", _config(corpus, in_tmp / "cache", "snn_mimic", "mimic.tasks.StudentModule", snn, [logits])
    )
    main(["fit", "--config", student])
    tested = main(["test", "--config", student, f"--ckpt_path={in_tmp / 'runs/timit/snn_mimic/checkpoints/best.ckpt'}"])
    metrics = tested.trainer.callback_metrics
    assert {"test/per", "test/err", "test/agreement"} <= set(metrics)
    _check_kept_utterances(in_tmp / "runs/timit/snn_mimic/test", tested.datamodule, float(metrics["test/per"]))
    # the net's checkpoint carries its input statistics: the training frames' mean and std per feature
    saved = torch.load(in_tmp / "runs/timit/snn_mimic/checkpoints/best.ckpt", weights_only=True)["state_dict"]
    features = tested.datamodule.splits["train"].features  # (N, 123)
    torch.testing.assert_close(saved["net.inputs.mean"], features.double().mean(0).float())
    torch.testing.assert_close(saved["net.inputs.std"], features.double().std(0).float())


@pytest.mark.slow
def test_ddp_teacher_mimic_and_per(in_tmp, corpus):
    import os
    import subprocess
    import sys

    from tests.fixtures.configs import CONFIGS

    def run(args: list[str]) -> str:
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        result = subprocess.run(
            [sys.executable, "-m", "mimic", *args], cwd=in_tmp, capture_output=True, text=True, env=env
        )
        assert result.returncode == 0, result.stderr[-4000:]
        return result.stdout

    ddp = ["--config", str(CONFIGS / "trainer/cpu_ddp.yaml")]
    dnn = {"class_path": "mimic.nets.DeepMLP", "init_args": {"hidden": [16]}}
    teacher = write_config(
        in_tmp / "t.yaml", _config(corpus, in_tmp / "cache", "ddp", "mimic.tasks.TeacherModule", dnn, [])
    )
    run(["fit", "--config", teacher, *ddp])
    snn = {
        "class_path": "mimic.nets.ShallowNet",
        "init_args": {"hidden": 32},
    }
    logits = {
        "class_path": "mimic.callbacks.TeacherLogits",
        "init_args": {"checkpoints": ["runs/timit/ddp/checkpoints/last.ckpt"], "cache": True},
    }
    student = write_config(
        in_tmp / "s.yaml", _config(corpus, in_tmp / "cache", "ddp_mimic", "mimic.tasks.StudentModule", snn, [logits])
    )
    run(["fit", "--config", student, *ddp])
    out = run(["test", "--config", student, *ddp, "--ckpt_path=runs/timit/ddp_mimic/checkpoints/last.ckpt"])
    assert "test/per" in out and "test/agreement" in out
    kept = read_utterances(in_tmp / "runs/timit/ddp_mimic/test/utterances.npz")  # both ranks' utterances, once
    assert len(kept.names) == len(set(kept.names.tolist())) == 2  # the fixture's core test: 2 utterances
