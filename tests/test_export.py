"""``mimic export``: every net class round-trips through ONNX (onnxruntime) within 1e-4; TorchScript and
state-dict files reload; the sidecar says what goes in and out; bad input is one line; a tampered
checkpoint runs no code."""

import json
import os

import numpy as np
import onnxruntime
import pytest
import torch

from mimic.cli import main
from mimic.nets import ConvShallowNet, DeepMLP, ImageCNN, ShallowNet, SpeechCNN
from mimic.nets.checkpoints import FORMAT, FORMAT_KEY, NET_SPEC_KEY, load_model, save_net
from mimic.nets.ensemble import Ensemble

FASHION = {"_class_path": "mimic.data.FashionMNISTDataModule", "root": "/nowhere"}


def fitted(net, seed=0):
    """A net whose input statistics were fitted (as training does), so its logits have a trained scale."""
    torch.manual_seed(seed)
    shape = net.in_shape
    raw = torch.randint(0, 256, (64, *shape), dtype=torch.uint8) if len(shape) == 3 else 5 + 3 * torch.randn(64, *shape)
    net.inputs.fit([raw])
    return net.eval()


def checkpoint(net, path, data=None):
    """A checkpoint as a trained stage writes it (net spec, weights, the DataModule's hyperparameters)."""
    save_net(net, path)
    state = torch.load(path, weights_only=True)
    if data is not None:
        state["datamodule_hyper_parameters"] = data
    torch.save(state, path)
    return path


NETS = {
    "mlp": lambda: DeepMLP([1, 28, 28], 10, hidden=[16, 16]),
    "cnn_max_pooling": lambda: ImageCNN([3, 16, 16], 10, channels=[4, 8], fc=[16]),
    "cnn_stochastic_pooling_zca": lambda: ImageCNN(
        [3, 16, 16], 10, channels=[4, 8], fc=[16], pool="stochastic", input_norm="gcn_zca"
    ),
    "shallow_bottleneck": lambda: ShallowNet([15, 123], 183, hidden=32, bottleneck=8),
    "conv_shallow": lambda: ConvShallowNet([3, 16, 16], 10, channels=4, hidden=32, bottleneck=8),
    "speech_cnn": lambda: SpeechCNN([15, 123], 183, filters=4, hidden=[16, 16]),
}


def raw_inputs(shape, n, seed=1):
    generator = torch.Generator().manual_seed(seed)
    if len(shape) == 3:
        return torch.randint(0, 256, (n, *shape), dtype=torch.uint8, generator=generator)
    return 5 + 3 * torch.randn(n, *shape, generator=generator)


@pytest.mark.parametrize("kind", sorted(NETS))
def test_each_net_class_round_trips_through_onnxruntime(tmp_path, kind):
    net = fitted(NETS[kind]())
    source = checkpoint(net, tmp_path / "best.ckpt")
    out = tmp_path / "model.onnx"
    record = main(["export", str(source), "--out", str(out)])
    session = onnxruntime.InferenceSession(str(out), providers=["CPUExecutionProvider"])
    for n in (1, 7):  # a batch size the export never saw: the batch dimension is free
        x = raw_inputs(net.in_shape, n)
        got = session.run(["logits"], {"inputs": x.numpy()})[0]
        with torch.inference_mode():
            want = net(x).numpy()
        assert got.shape == (n, net.num_classes)
        assert np.abs(got - want).max() < 1e-4
    assert record["check"]["max_abs_logit_difference"] < 1e-4
    assert record["input"]["dtype"] == ("uint8" if len(net.in_shape) == 3 else "float32")


def test_an_ensemble_exports_as_the_mean_of_its_members(tmp_path):
    members = [fitted(ImageCNN([1, 28, 28], 10, channels=[4], fc=[8]), seed=s) for s in (0, 1)]
    paths = [checkpoint(m, tmp_path / f"m{i}.ckpt", FASHION) for i, m in enumerate(members)]
    out = tmp_path / "ensemble.onnx"
    record = main(["export", *map(str, paths), "--out", str(out)])
    x = raw_inputs((1, 28, 28), 5)
    session = onnxruntime.InferenceSession(str(out), providers=["CPUExecutionProvider"])
    with torch.inference_mode():
        want = Ensemble(members)(x).numpy()
    assert np.abs(session.run(["logits"], {"inputs": x.numpy()})[0] - want).max() < 1e-4
    assert record["model"]["class"] == "Ensemble"
    assert [c["path"] for c in record["source"]["checkpoints"]] == [str(p) for p in paths]
    # and as one state-dict file that rebuilds the ensemble
    out_sd = tmp_path / "ensemble.ckpt"
    main(["export", *map(str, paths), "--format", "state_dict", "--out", str(out_sd)])
    with torch.inference_mode():
        assert torch.equal(load_model(out_sd)(x), Ensemble(members)(x))


@pytest.mark.parametrize("format", ["torchscript", "state_dict"])
def test_torchscript_and_state_dict_files_reload(tmp_path, format):
    net = fitted(ShallowNet([15, 123], 183, hidden=32, bottleneck=8))
    out = tmp_path / f"student.{format}"
    main(["export", str(checkpoint(net, tmp_path / "best.ckpt")), "--format", format, "--out", str(out)])
    x = raw_inputs((15, 123), 3)
    reloaded = torch.jit.load(str(out)) if format == "torchscript" else load_model(out)
    with torch.inference_mode():
        assert torch.allclose(reloaded(x), net(x), atol=1e-5)


def test_the_sidecar_says_what_goes_in_and_comes_out(tmp_path):
    net = fitted(DeepMLP([1, 28, 28], 10, hidden=[16]))
    source = checkpoint(net, tmp_path / "best.ckpt", FASHION)
    out = tmp_path / "teacher.onnx"
    main(["export", str(source), "--out", str(out)])
    record = json.loads((tmp_path / "teacher.onnx.json").read_text())
    assert record["file"] == "teacher.onnx" and record["format"] == "onnx"
    assert record["input"]["shape"] == ["batch", 1, 28, 28] and record["input"]["dtype"] == "uint8"
    assert "raw pixels" in record["input"]["preprocessing"]
    assert record["output"]["shape"] == ["batch", 10]
    assert record["classes"][0] == "T-shirt/top" and len(record["classes"]) == 10
    assert len(record["source"]["checkpoints"][0]["sha256"]) == 64
    assert record["model"]["parameters"] == sum(p.numel() for p in net.parameters())
    assert record["model"]["multiply_adds_per_sample"] == 784 * 16 + 16 * 10
    # the data were not at hand ('/nowhere'): it says so, and what it checked on instead
    assert "drawn inputs" in record["check"]["inputs"] and "/nowhere" in record["check"]["inputs"]


def test_speech_sidecar_describes_the_feature_windows(tmp_path):
    net = fitted(ShallowNet([15, 123], 183, hidden=16, bottleneck=4))
    data = {"_class_path": "mimic.data.TIMITDataModule", "root": "/nowhere", "num_mel_bins": 40, "energy": True}
    data["deltas"] = True
    main(["export", str(checkpoint(net, tmp_path / "best.ckpt", data)), "--out", str(tmp_path / "s.onnx")])
    record = json.loads((tmp_path / "s.onnx.json").read_text())
    assert "40 log mel filterbank energies + log energy, with deltas" in record["input"]["preprocessing"]
    assert record["classes"][:3] == ["b/0", "b/1", "b/2"] and len(record["classes"]) == 183


def test_the_default_output_goes_into_the_stage_folder(tmp_path):
    folder = tmp_path / "runs" / "exp" / "student" / "checkpoints"
    folder.mkdir(parents=True)
    source = checkpoint(fitted(DeepMLP([1, 28, 28], 10, hidden=[8])), folder / "best.ckpt")
    main(["export", str(source)])
    assert (tmp_path / "runs/exp/student/export/student.onnx").is_file()
    assert (tmp_path / "runs/exp/student/export/student.onnx.json").is_file()


def error_line(capsys, args):
    with pytest.raises(SystemExit) as exit_:
        main(args)
    assert exit_.value.code == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("mimic: error: ")
    return lines[0]


def test_bad_input_is_one_line(tmp_path, capsys):
    source = checkpoint(fitted(DeepMLP([1, 28, 28], 10, hidden=[8])), tmp_path / "best.ckpt")
    out = tmp_path / "m.onnx"
    out.write_bytes(b"earlier")
    line = error_line(capsys, ["export", str(source), "--out", str(out)])
    assert str(out) in line and "--overwrite" in line
    assert out.read_bytes() == b"earlier"
    main(["export", str(source), "--out", str(out), "--overwrite"])
    assert out.stat().st_size > 1000

    assert "invalid choice: 'tflite'" in error_line(capsys, ["export", str(source), "--format", "tflite"])

    foreign = tmp_path / "foreign.ckpt"
    torch.save({"state_dict": {"w": torch.zeros(2)}, FORMAT_KEY: FORMAT}, foreign)
    assert f"'{NET_SPEC_KEY}'" in error_line(capsys, ["export", str(foreign), "--out", str(tmp_path / "f.onnx")])
    assert "does not exist" in error_line(capsys, ["export", str(tmp_path / "missing.ckpt")])


class _RunsCode:
    def __reduce__(self):
        return (os.system, ("touch TAMPERED",))


def test_a_tampered_checkpoint_runs_no_code(in_tmp, capsys):
    path = in_tmp / "tampered.ckpt"
    torch.save({"state_dict": {}, NET_SPEC_KEY: _RunsCode(), FORMAT_KEY: FORMAT}, path)
    line = error_line(capsys, ["export", str(path), "--out", str(in_tmp / "t.onnx")])
    assert "refused to load" in line and "weights_only" not in line
    assert not (in_tmp / "TAMPERED").exists() and not (in_tmp / "t.onnx").exists()


def test_an_export_beyond_the_tolerance_writes_nothing(tmp_path, capsys):
    # onnxruntime sums a 256-wide layer in another order than PyTorch: logits differ by ~1e-7, never 0
    source = checkpoint(fitted(DeepMLP([1, 28, 28], 10, hidden=[256, 256])), tmp_path / "best.ckpt")
    line = error_line(capsys, ["export", str(source), "--out", str(tmp_path / "m.onnx"), "--tolerance", "0"])
    assert "the largest logit difference to PyTorch is" in line and "above the tolerance 0;" in line
    assert sorted(p.name for p in tmp_path.iterdir()) == ["best.ckpt"]  # no model, no sidecar, no temporary


def test_where_the_dynamo_exporter_fails_the_older_one_exports_and_the_sidecar_says_so(tmp_path, monkeypatch):
    export = torch.onnx.export

    def no_dynamo(*args, dynamo=True, **kwargs):
        if dynamo:
            raise RuntimeError("an operator the dynamo exporter cannot translate")
        return export(*args, dynamo=False, **kwargs)

    monkeypatch.setattr(torch.onnx, "export", no_dynamo)
    net = fitted(ShallowNet([15, 123], 183, hidden=16, bottleneck=4))
    out = tmp_path / "m.onnx"
    record = main(["export", str(checkpoint(net, tmp_path / "best.ckpt")), "--out", str(out)])
    assert "TorchScript-based" in record["exporter"] and "cannot translate" in record["exporter"]
    session = onnxruntime.InferenceSession(str(out), providers=["CPUExecutionProvider"])
    x = raw_inputs((15, 123), 5)
    with torch.inference_mode():
        assert np.abs(session.run(["logits"], {"inputs": x.numpy()})[0] - net(x).numpy()).max() < 1e-4
