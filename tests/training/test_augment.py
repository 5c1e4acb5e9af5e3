"""DiffAugment (Zhao et al. 2020): each transform against what it must do to a picture worked out by hand, gradients
through it, the policy's checks, and its place in the trainer."""
import pytest
import torch

from a2vlib.core.errors import A2VError, ParamsError
from a2vlib.training.augment import TRANSFORMS, diff_augment, parse_policy
from a2vlib.training.config import TrainingConfig


def test_empty_policy_is_the_identity_and_bad_ones_are_named():
    x = torch.rand(2, 3, 8, 8)
    assert diff_augment(x, "") is x
    assert parse_policy(" color, cutout ") == ("color", "cutout") and TRANSFORMS == ("color", "translation", "cutout")
    with pytest.raises(ParamsError, match="unknown transform.*'flip'"):
        parse_policy("color,flip")
    with pytest.raises(ParamsError, match="unknown transform"):
        TrainingConfig(augment="rotate")
    with pytest.raises(A2VError, match="images"):
        diff_augment(torch.rand(2, 1, 100), "color")  # audio: no


def test_translation_moves_a_pixel_within_an_eighth_and_fills_with_zero():
    torch.manual_seed(0)
    x = torch.zeros(64, 1, 16, 16)
    x[:, :, 8, 8] = 1.0
    y = diff_augment(x, "translation")
    assert y.shape == x.shape and torch.equal(y.sum(dim=(1, 2, 3)), torch.ones(64))  # one pixel, moved, not lost
    where = y[:, 0].flatten(1).argmax(1)
    rows, cols = where // 16, where % 16
    assert (rows - 8).abs().max() <= 2 and (cols - 8).abs().max() <= 2  # 1/8 of 16
    assert len(set(zip(rows.tolist(), cols.tolist()))) > 10  # drawn per image
    ones = diff_augment(torch.ones(64, 1, 16, 16), "translation")
    assert ones.min() == 0.0 and ones.max() == 1.0  # the uncovered border is zero


def test_cutout_zeroes_a_square_of_half_the_side():
    torch.manual_seed(1)
    y = diff_augment(torch.ones(32, 3, 16, 16), "cutout")
    zeros = (y[:, 0] == 0).sum(dim=(1, 2))
    assert zeros.max() == 64 and zeros.min() > 0  # 8 x 8, clipped at the edges
    assert torch.equal(y[:, 0] == 0, y[:, 2] == 0)  # the same square in every channel


def test_color_moves_brightness_and_keeps_a_grey_picture_grey():
    torch.manual_seed(2)
    grey = torch.full((16, 3, 4, 4), 0.2)
    y = diff_augment(grey, "color")
    assert torch.allclose(y, y[:, :1, :1, :1].expand_as(y))  # saturation and contrast leave a flat picture flat
    assert y.std() > 0.1 and (y - 0.2).abs().max() <= 0.5 + 1e-6  # brightness: U(-0.5, 0.5)


def test_gradients_flow_and_draws_repeat_under_a_seed():
    x = torch.rand(4, 3, 8, 8, requires_grad=True)
    diff_augment(x, "color,translation,cutout").sum().backward()
    assert x.grad is not None and x.grad.abs().sum() > 0
    torch.manual_seed(3)
    a = diff_augment(x.detach(), "color,translation,cutout")
    torch.manual_seed(3)
    assert torch.equal(a, diff_augment(x.detach(), "color,translation,cutout"))
