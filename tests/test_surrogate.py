"""Surrogates: Heaviside forward, the stated derivative backward."""
import math

import pytest
import torch

from pynq_snn.training import surrogate

DERIVATIVES = {
    "atan": lambda x, a: (a / 2) / (1 + (math.pi / 2 * a * x) ** 2),
    "fast_sigmoid": lambda x, a: 1 / (1 + a * abs(x)) ** 2,
    "straight_through": lambda x, a: 1.0,
}


@pytest.mark.parametrize("name", sorted(surrogate.SURROGATES))
def test_forward_is_heaviside_and_backward_is_the_derivative(name):
    x = torch.linspace(-2, 2, 41, dtype=torch.float64, requires_grad=True)
    spike = surrogate.get(name)
    y = spike(x)
    assert torch.equal(y, (x > 0).double())
    y.sum().backward()
    expected = torch.tensor([DERIVATIVES[name](float(v), spike.alpha) for v in x.detach()], dtype=torch.float64)
    torch.testing.assert_close(x.grad, expected)


def test_unknown_name_and_bad_alpha_are_refused():
    with pytest.raises(ValueError, match="unknown surrogate 'nope'; choose one of atan"):
        surrogate.get("nope")
    with pytest.raises(ValueError, match="alpha must be > 0"):
        surrogate.get("atan", alpha=0)
