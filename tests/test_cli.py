"""The real CLI, in-process, for each stage and every shipped config."""

from pathlib import Path

import pytest
import torch
import yaml

from mimic.cli import main
from mimic.nets import build_net
from mimic.nets.checkpoints import load_net, save_net
from mimic.report.paired import read_predictions
from tests.fixtures.configs import CONFIGS, config_args, teacher_config, write_config

FASHION = sorted((CONFIGS / "fashion").glob("*.yaml"))  # stages and overlays; parts/ holds their pieces


def test_help_lists_stages_and_tools(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["--help"])
    assert exit_.value.code == 0
    out = capsys.readouterr().out
    for word in ("fit", "validate", "test", "predict", "mimic demo", "mimic nets"):
        assert word in out


def _fake_teacher_checkpoints(root: Path) -> None:
    """Untrained nets of teacher_cnn.yaml saved where the student and ensemble configs look for them."""
    spec = yaml.safe_load((CONFIGS / "fashion/teacher_cnn.yaml").read_text())["model"]["init_args"]["net"]
    spec["init_args"].update(in_shape=[1, 28, 28], num_classes=10)  # what the CLI takes from the DataModule
    for stage in ("teacher_cnn", "teacher_cnn_seed1"):
        folder = root / "runs/demo" / stage / "checkpoints"
        folder.mkdir(parents=True)
        save_net(build_net(spec), folder / "best.ckpt")


@pytest.mark.parametrize("config", FASHION, ids=lambda p: p.name)
def test_every_fashion_config_runs(config, in_tmp, fashion_root):
    _fake_teacher_checkpoints(in_tmp)
    configs = config_args(config)
    subcommand = "test" if config.name == "ensemble.yaml" else "fit"
    few = ["--data.init_args.labeled_size=64"] if config.name.startswith("few_labels") else []  # of 336 images
    cli = main(
        [subcommand, *configs, f"--data.init_args.root={fashion_root}", "--data.init_args.val_size=64", *few]
        + ["--trainer.fast_dev_run=1", "--trainer.enable_progress_bar=false"]
    )
    key = "test/err" if subcommand == "test" else "val/err"
    assert key in cli.trainer.callback_metrics


@pytest.mark.parametrize("overlay", ["trainer/gpu.yaml", "trainer/cpu_ddp.yaml", "logger/wandb.yaml"])
def test_overlays_parse(overlay, capsys):
    with pytest.raises(SystemExit) as exit_:
        main(
            ["fit", "--config", str(CONFIGS / "fashion/teacher_cnn.yaml"), "--config", str(CONFIGS / overlay)]
            + ["--print_config"]
        )
    assert exit_.value.code == 0
    printed = yaml.safe_load(capsys.readouterr().out)
    if overlay == "trainer/gpu.yaml":
        assert printed["trainer"]["precision"] == "bf16-mixed" and printed["trainer"]["strategy"] == "ddp"
    if overlay == "logger/wandb.yaml":
        assert printed["trainer"]["logger"]["class_path"].endswith("WandbLogger")


def test_teacher_stages_write_stable_paths_and_evaluate(in_tmp, fashion_root):
    path = write_config(in_tmp / "teacher.yaml", teacher_config(fashion_root))
    main(["fit", "--config", path])
    run = in_tmp / "runs/test/teacher"
    for name in ("config.yaml", "metrics.csv", "checkpoints/best.ckpt", "checkpoints/last.ckpt"):
        assert (run / name).is_file(), name
    ckpt = str(run / "checkpoints/best.ckpt")
    tested = main(["test", "--config", path, f"--ckpt_path={ckpt}"])
    assert (run / "test/metrics.csv").is_file()  # evaluation runs never overwrite the training logs
    kept = read_predictions(run / "test/predictions.npz")  # every test run keeps its predictions
    validated = main(["validate", "--config", path, f"--ckpt_path={ckpt}"])
    assert "val/err" in validated.trainer.callback_metrics
    predicted = main(["predict", "--config", path, f"--ckpt_path={ckpt}"])
    logits = torch.cat(predicted.trainer.predict_loop.predictions)  # the test split, (100, 10)
    assert logits.shape == (100, 10)
    # test/err is the error of those very predictions on the test labels
    labels = predicted.datamodule.datasets["test"].labels
    expected = (logits.argmax(1) != labels).float().mean()
    torch.testing.assert_close(tested.trainer.callback_metrics["test/err"], expected)
    assert kept.index.tolist() == list(range(100)) and kept.label.tolist() == labels.tolist()
    assert kept.argmax.tolist() == logits.argmax(1).tolist() and kept.error == pytest.approx(float(expected))
    # the checkpoint is plain data: it loads with weights_only and carries the parameter count logged
    hparams = yaml.safe_load((run / "hparams.yaml").read_text())
    weights = torch.load(ckpt, weights_only=True)["state_dict"]
    net_weights = {k: v for k, v in weights.items() if k.startswith("net.") and not k.startswith("net.inputs.")}
    assert hparams["net/params"] == sum(v.numel() for v in net_weights.values())


def test_ensemble_scoring(in_tmp, fashion_root, teachers):
    config = {
        "run": {"experiment": "test", "stage": "ensemble"},
        "model": {"class_path": "mimic.tasks.EnsembleModule", "init_args": {"checkpoints": [str(p) for p in teachers]}},
        "data": {"class_path": "mimic.data.FashionMNISTDataModule", "init_args": {"root": str(fashion_root)}},
        "trainer": {"enable_progress_bar": False},
    }
    cli = main(["test", "--config", write_config(in_tmp / "ens.yaml", config), "--data.init_args.val_size=64"])
    assert cli.model.net_summary()["net/arch"].startswith("ensemble of 2 x ")
    # the error of the mean of the members' logits, each member normalising its own raw inputs
    test = cli.datamodule.datasets["test"]
    with torch.no_grad():
        mean_logits = sum(load_net(p)(test.inputs) for p in teachers) / 2
    expected = (mean_logits.argmax(1) != test.labels).float().mean()
    torch.testing.assert_close(cli.trainer.callback_metrics["test/err"], expected)


def test_nets_tool_prints_counts(capsys):
    rows = main(["nets", *map(str, FASHION)])
    by_name = {Path(r["config"]).name: r for r in rows}
    assert by_name["shallow_mimic.yaml"]["arch"] == by_name["shallow_labels.yaml"]["arch"] == "256L-2048"
    assert by_name["shallow_mimic.yaml"]["params"] == 256 * (784 + 2048) + 2048 + 2048 * 10 + 10
    assert "params" in capsys.readouterr().out


def test_the_progress_bar_refreshes_every_few_steps_unless_configured(in_tmp, fashion_root):
    # a refresh waits for the device (the bar's figures become Python numbers): not at every step
    from lightning.pytorch.callbacks import TQDMProgressBar

    from mimic.run_defaults import PROGRESS_REFRESH_STEPS

    path = write_config(in_tmp / "teacher.yaml", teacher_config(fashion_root))
    shown = ["--trainer.fast_dev_run=1", "--trainer.enable_progress_bar=true"]
    cli = main(["fit", "--config", path, *shown])
    bars = [c for c in cli.trainer.callbacks if isinstance(c, TQDMProgressBar)]
    assert [bar.refresh_rate for bar in bars] == [PROGRESS_REFRESH_STEPS]
    chosen = ["--trainer.callbacks+=TQDMProgressBar", "--trainer.callbacks.refresh_rate=3"]
    cli = main(["fit", "--config", path, *shown, *chosen])
    assert [c.refresh_rate for c in cli.trainer.callbacks if isinstance(c, TQDMProgressBar)] == [3]
