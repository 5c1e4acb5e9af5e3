"""The weight average of G (Yazici et al. 2019): its recursion and warm-up against values worked by hand."""
import pytest
import torch
from torch import nn

from a2vlib.training.ema import EMA_DECAY, WeightAverage


def test_average_follows_the_recursion_with_its_warm_up():
    model = nn.Linear(1, 1, bias=False)
    with torch.no_grad():
        model.weight.fill_(0.0)
    avg = WeightAverage(model, decay=0.5)
    # worked by hand: d_t = min(0.5, (1 + t) / (10 + t)) = 1/10, 2/11, 3/12, 4/13 over the first four updates
    for w, expected in zip([1.0, 2.0, 4.0, 8.0], [0.9, 1.8, 3.45, 6.6]):
        with torch.no_grad():
            model.weight.fill_(w)
        avg.update(model)
        assert float(avg.model.weight) == pytest.approx(expected)
    assert avg.updates == 4 and not avg.model.weight.requires_grad and not avg.model.training
    avg.updates = 1000
    assert avg.weight() == 0.5  # past the warm-up, the decay itself


def test_buffers_are_copied_and_state_round_trips():
    model = nn.BatchNorm1d(2)
    avg = WeightAverage(model)
    model.train()(torch.tensor([[1.0, 2.0], [3.0, 6.0]]))
    avg.update(model)
    assert torch.equal(avg.model.running_mean, model.running_mean)  # statistics are copied, not averaged
    other = WeightAverage(nn.BatchNorm1d(2))
    other.load_state_dict(avg.state_dict())
    assert other.updates == 1 and other.decay == EMA_DECAY
    assert torch.equal(other.model.running_mean, model.running_mean)
    with pytest.raises(ValueError, match="decay"):
        WeightAverage(model, decay=1.0)
