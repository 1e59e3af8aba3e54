import pytest
import torch

from mimic.nets import (
    ConvShallowNet,
    DeepMLP,
    Ensemble,
    ImageCNN,
    ShallowNet,
    build_net,
    count_hidden_units,
    count_parameters,
)


def test_bottleneck_parameter_count_matches_arithmetic():
    d, k, h, c = 784, 250, 8000, 10
    net = ShallowNet([1, 28, 28], c, hidden=h, bottleneck=k)
    # U (k x D, no bias) + V (H x k) + its bias + beta (C x H) + its bias
    assert count_parameters(net) == k * (d + h) + h + h * c + c
    assert net.describe() == "250L-8k"


def test_plain_shallow_net_has_no_bottleneck():
    net = ShallowNet([1845], 183, hidden=8000)
    assert count_parameters(net) == 1845 * 8000 + 8000 + 8000 * 183 + 183
    assert net.describe() == "8k"
    assert count_hidden_units(net) == 8000


def test_paper_timit_dnn_size():
    """Table 1: DNN 2k-2k-2k has ~12M parameters and ~6k hidden units on 1845 inputs and 183 classes."""
    dnn = DeepMLP([1845], 183, hidden=[2000, 2000, 2000])
    assert count_parameters(dnn) == 1845 * 2000 + 2 * 2000 * 2000 + 2000 * 183 + 3 * 2000 + 183 == 12_062_183
    assert count_hidden_units(dnn) == 6000 and dnn.describe() == "2k-2k-2k"


def test_conv_shallow_matches_paper_cifar_student():
    """Table 2: 128c-p-1200L-30k has ~70M parameters and ~190k hidden units (3x3 pooling at stride 2)."""
    net = ConvShallowNet([3, 32, 32], 10, channels=128, kernel_size=5, pool=3, pool_stride=2)
    assert net.describe() == "128c-p-1200L-30k"
    conv, flat = 128 * (3 * 25 + 1), 128 * 15 * 15  # 15 x 15 pooled maps
    assert count_parameters(net) == conv + 1200 * flat + 30000 * (1200 + 1) + 10 * (30000 + 1) == 70_899_738
    assert count_hidden_units(net) == 128 * 32 * 32 + 128 * 15 * 15 + 30000 == 189_872
    assert net(torch.zeros(2, 3, 32, 32, dtype=torch.uint8)).shape == (2, 10)


def test_image_cnn_shapes_and_units():
    net = ImageCNN([3, 32, 32], 10, channels=[128, 128, 128], fc=[1000], batch_norm=False)
    assert net(torch.zeros(2, 3, 32, 32)).shape == (2, 10)
    assert net.describe() == "128c-p-128c-p-128c-p-1kfc"
    # Table 2's teacher: ~210k hidden units (conv outputs, pooled outputs and the fc layer).
    assert count_hidden_units(net) == 128 * (32 * 32 + 16 * 16 + 16 * 16 + 8 * 8 + 8 * 8 + 4 * 4) + 1000 == 216_040


def test_spec_rebuilds_an_equal_net():
    net = ShallowNet([1, 28, 28], 10, hidden=64, bottleneck=8)
    rebuilt = build_net(net.spec())
    rebuilt.load_state_dict(net.state_dict())
    x = torch.randn(3, 1, 28, 28)
    torch.testing.assert_close(rebuilt(x), net.eval()(x))


def test_untrusted_class_path_is_refused():
    with pytest.raises(ValueError, match="only classes under mimic.nets"):
        build_net({"class_path": "os.system", "init_args": {}}, source="evil.ckpt")


@pytest.mark.parametrize("combine", ["logits", "log_probs"])
def test_ensemble_averages(combine):
    members = [ShallowNet([4], 3, hidden=5).eval() for _ in range(3)]
    x = torch.randn(7, 4)
    outs = [m(x) for m in members]
    if combine == "log_probs":
        outs = [o.log_softmax(-1) for o in outs]
    torch.testing.assert_close(Ensemble(members, combine)(x), sum(outs) / 3)


def test_ensemble_members_must_agree():
    with pytest.raises(ValueError, match="disagree"):
        Ensemble([ShallowNet([4], 3, hidden=5), ShallowNet([4], 2, hidden=5)])
