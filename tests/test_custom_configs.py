"""Every config of configs/custom/ (bring your own teacher and images) runs as shipped, through the real
CLI, on the fixture Fashion-MNIST written out as PNG folders where the configs look for them, with the
teachers they name made by the test: a ResNet-18 state dict, a TorchScript file, a mimic checkpoint."""

import pytest
import torch

from mimic.cli import main
from mimic.deploy.exporters import write_torchscript
from mimic.nets import TorchvisionNet
from mimic.nets.checkpoints import save_net
from tests.fixtures.configs import CONFIGS, config_args
from tests.fixtures.folders import save_weights

CUSTOM = sorted((CONFIGS / "custom").glob("*.yaml"))
RESNET = {"arch": "resnet18", "size": 32, "channels": 3, "mean": (0.286,), "std": (0.353,)}


@pytest.fixture(scope="module")
def custom_folder(tmp_path_factory, fashion_root):
    """A working folder as the README's worked example leaves it before the students: the PNG folders and
    the teacher in each of its three forms."""
    folder = tmp_path_factory.mktemp("custom")
    main(
        ["data", "image-folders", "--root", str(fashion_root), "--out", str(folder / "data/fashion-png")]
        + ["--unlabeled", "200"]
    )
    torch.manual_seed(0)
    net = TorchvisionNet(in_shape=[1, 28, 28], num_classes=10, **RESNET).eval()
    save_weights(net.model, folder / "teachers/resnet18_fashion.safetensors")
    write_torchscript(net, torch.zeros(2, 1, 28, 28, dtype=torch.uint8), folder / "teachers/resnet18_fashion.pt")
    (folder / "runs/custom/resnet18_labels/checkpoints").mkdir(parents=True)
    save_net(net, folder / "runs/custom/resnet18_labels/checkpoints/best.ckpt")
    return folder


@pytest.mark.parametrize("config", CUSTOM, ids=lambda p: p.name)
def test_every_custom_config_runs(config, custom_folder, monkeypatch):
    monkeypatch.chdir(custom_folder)
    cli = main(
        ["fit", *config_args(config), "--data.init_args.val_size=64"]
        + ["--trainer.fast_dev_run=1", "--trainer.enable_progress_bar=false"]
    )
    assert "val/err" in cli.trainer.callback_metrics
    if cli.model.__class__.__name__ == "StudentModule":
        assert 0.0 <= float(cli.trainer.callback_metrics["val/agreement"]) <= 1.0
