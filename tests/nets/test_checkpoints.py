import pytest
import torch

from mimic.nets import ShallowNet
from mimic.nets.checkpoints import (
    FORMAT,
    FORMAT_KEY,
    NET_SPEC_KEY,
    load_checkpoint,
    load_net,
    resolve_checkpoints,
    save_net,
)


class NotATensor:
    """Any class: unpickling it means importing and running code, which weights_only forbids."""


def test_load_net_roundtrip_keeps_the_input_statistics(tmp_path):
    net = ShallowNet([6], 3, hidden=8, bottleneck=2).eval()
    net.inputs.fit([torch.randn(50, 6) * 3 + 7])
    save_net(net, tmp_path / "a.ckpt")
    x = torch.randn(4, 6)
    loaded = load_net(tmp_path / "a.ckpt")
    torch.testing.assert_close(loaded.inputs.mean, net.inputs.mean)
    torch.testing.assert_close(loaded(x), net(x))


def test_pickled_object_is_refused(tmp_path):
    torch.save({"state_dict": {}, "extra": NotATensor()}, tmp_path / "evil.ckpt")
    with pytest.raises(ValueError, match=r"evil.ckpt: refused to load: it holds Python objects.*could run code"):
        load_checkpoint(tmp_path / "evil.ckpt")


def test_checkpoint_without_spec_is_explained(tmp_path):
    torch.save({"state_dict": {}}, tmp_path / "plain.ckpt")
    with pytest.raises(ValueError, match="no 'mimic_net' entry"):
        load_net(tmp_path / "plain.ckpt")


def test_weights_that_do_not_fit(tmp_path):
    net = ShallowNet([6], 3, hidden=8)
    state = {"net.layers.2.weight": torch.zeros(1)}
    torch.save({"state_dict": state, NET_SPEC_KEY: net.spec(), FORMAT_KEY: FORMAT}, tmp_path / "x.ckpt")
    with pytest.raises(ValueError, match="x.ckpt: weights do not fit"):
        load_net(tmp_path / "x.ckpt")


def test_checkpoints_from_before_nets_held_their_statistics_are_refused_with_the_remedy(tmp_path):
    """Format 1: the DataModule kept the input statistics; its weights would now see raw inputs."""
    net = ShallowNet([6], 3, hidden=8)
    weights = {f"net.{k}": v for k, v in net.state_dict().items() if not k.startswith("inputs.")}
    old = {"state_dict": weights, NET_SPEC_KEY: net.spec(), "FashionMNISTDataModule": {"mean": torch.zeros(1)}}
    torch.save(old, tmp_path / "old.ckpt")
    with pytest.raises(
        ValueError, match=r"old.ckpt: written by an older mimic \(checkpoint format 1.*mimic fit --config"
    ):
        load_net(tmp_path / "old.ckpt")


def test_garbage_file(tmp_path):
    (tmp_path / "junk.ckpt").write_bytes(b"\x00\x01garbage")
    with pytest.raises(ValueError, match="junk.ckpt"):
        load_checkpoint(tmp_path / "junk.ckpt")


def test_resolve_globs_in_order_and_missing(tmp_path):
    for name in ("m2.ckpt", "m1.ckpt"):
        (tmp_path / name).write_bytes(b"")
    assert [p.name for p in resolve_checkpoints(str(tmp_path / "m*.ckpt"))] == ["m1.ckpt", "m2.ckpt"]
    with pytest.raises(FileNotFoundError, match=r"nothing\*.ckpt"):
        resolve_checkpoints([str(tmp_path / "nothing*.ckpt")])
    with pytest.raises(FileNotFoundError, match="missing.ckpt"):
        resolve_checkpoints(str(tmp_path / "missing.ckpt"))


def test_an_old_checkpoint_given_as_ckpt_path_is_refused_before_its_weights_load(in_tmp, fashion_root, teachers):
    from mimic.cli import main
    from tests.fixtures.configs import teacher_config, write_config

    old = torch.load(teachers[0], weights_only=True)
    del old[FORMAT_KEY]
    old["state_dict"] = {k: v for k, v in old["state_dict"].items() if not k.startswith("net.inputs.")}
    torch.save(old, in_tmp / "old.ckpt")
    config = write_config(in_tmp / "t.yaml", teacher_config(fashion_root))
    with pytest.raises(ValueError, match=r"ckpt_path: written by an older mimic \(checkpoint format 1"):
        main(["test", "--config", config, f"--ckpt_path={in_tmp / 'old.ckpt'}"])


def test_checkpoints_without_the_training_epochs_running_figures_still_load(in_tmp, fashion_root, teachers):
    """Checkpoints written before the training loss and error travelled in them score as they did (torchmetrics
    loads a metric whose states are missing as it was)."""
    from mimic.cli import main
    from tests.fixtures.configs import teacher_config, write_config

    checkpoint = torch.load(teachers[0], weights_only=True)
    del checkpoint["mimic_running_metrics"]
    older = in_tmp / "older.ckpt"
    torch.save(checkpoint, older)
    config = write_config(in_tmp / "t.yaml", teacher_config(fashion_root))
    errors = [
        float(main(["test", "--config", config, f"--ckpt_path={path}"]).trainer.callback_metrics["test/err"])
        for path in (teachers[0], older)
    ]
    assert errors[0] == errors[1]
