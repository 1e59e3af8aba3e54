"""Checkpoints whose optimiser state has the two groups older versions made resume into today's one."""

import copy

import torch

from mimic.nets import ShallowNet
from mimic.tasks.resume_state import merge_optimizer_groups


def test_two_saved_groups_become_one_with_each_momentum_on_its_own_parameter():
    net = ShallowNet([4], 3, hidden=5, bottleneck=2, input_norm="none")
    params = list(net.parameters())
    decayed, rest = [p for p in params if p.ndim > 1], [p for p in params if p.ndim <= 1]
    old = torch.optim.SGD(
        [{"params": decayed, "weight_decay": 0.0}, {"params": rest, "weight_decay": 0.0}], lr=0.1, momentum=0.9
    )
    net(torch.randn(8, 4)).pow(2).sum().backward()
    old.step()
    checkpoint = {"optimizer_states": [copy.deepcopy(old.state_dict())], "lr_schedulers": [{"base_lrs": [0.1, 0.1]}]}
    merge_optimizer_groups(checkpoint, params)
    new = torch.optim.SGD([{"params": params, "weight_decay": 0.0}], lr=0.1, momentum=0.9)
    new.load_state_dict(checkpoint["optimizer_states"][0])  # raised before: "different number of groups"
    for p in params:
        assert torch.equal(new.state[p]["momentum_buffer"], old.state[p]["momentum_buffer"])
    assert checkpoint["lr_schedulers"][0]["base_lrs"] == [0.1]


def test_a_one_group_state_is_left_alone():
    net = ShallowNet([4], 3, hidden=5, bottleneck=2, input_norm="none")
    optimiser = torch.optim.SGD(net.parameters(), lr=0.1, momentum=0.9)
    checkpoint = {"optimizer_states": [optimiser.state_dict()]}
    before = copy.deepcopy(checkpoint)
    merge_optimizer_groups(checkpoint, list(net.parameters()))
    assert checkpoint == before
