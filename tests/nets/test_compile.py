import pytest
import torch
from torch import nn

from mimic.nets import compile as compiling


@pytest.mark.skipif(compiling.why_not_compiled(torch.device("cpu")) is not None, reason="no compiler for the CPU")
def test_compiles_in_place_where_it_can():
    net = nn.Linear(3, 2)
    assert compiling.compile_in_place(net, torch.device("cpu"), "model.compile")
    assert net._compiled_call_impl is not None
    assert list(net.state_dict()) == ["weight", "bias"]  # the weights keep their names


def test_no_compiler_is_one_line_and_runs_as_is(monkeypatch):
    monkeypatch.setenv("CXX", "no-such-compiler")  # the compiler inductor would build CPU kernels with
    net = nn.Linear(3, 2)
    with pytest.warns(
        UserWarning, match=r"^model.compile: not compiled, running as is: no C\+\+ compiler \(no-such-compiler\)"
    ):
        assert not compiling.compile_in_place(net, torch.device("cpu"), "model.compile")
    assert net._compiled_call_impl is None
