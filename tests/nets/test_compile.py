import pytest
import torch
from torch import nn

from mimic.nets import compile as compiling


def test_compiles_in_place_where_it_can(monkeypatch):
    monkeypatch.setattr(compiling, "why_not_compiled", lambda device: None)
    net = nn.Linear(3, 2)
    assert compiling.compile_in_place(net, torch.device("cpu"), "model.compile")
    assert net._compiled_call_impl is not None
    assert list(net.state_dict()) == ["weight", "bias"]  # the weights keep their names


def test_no_compiler_is_one_line_and_runs_as_is(monkeypatch):
    monkeypatch.setattr(compiling.shutil, "which", lambda name: None)
    net = nn.Linear(3, 2)
    with pytest.warns(UserWarning, match=r"^model.compile: not compiled, running as is: no C\+\+ compiler \(g\+\+\)"):
        assert not compiling.compile_in_place(net, torch.device("cpu"), "model.compile")
    assert net._compiled_call_impl is None
