"""Surrogates: Heaviside forward, the stated derivative backward."""
import math

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from pynq_snn.training import surrogate

EPS = surrogate.Power.EPS


def _sigmoid_derivative(x, a):
    s = 1 / (1 + math.exp(-a * x)) if a * x > -700 else 0.0
    return a * s * (1 - s)


DERIVATIVES = {
    "atan": lambda x, a: (a / 2) / (1 + (math.pi / 2 * a * x) ** 2),
    "fast_sigmoid": lambda x, a: 1 / (1 + a * abs(x)) ** 2,
    "straight_through": lambda x, a: 1.0,
    "sigmoid": _sigmoid_derivative,
    "triangular": lambda x, a: max(0.0, a * (1 - a * abs(x))),
    "sine": lambda x, a: (math.pi / (4 * a)) * math.cos(math.pi * x / (2 * a)) if abs(x) <= a else 0.0,
    "power": lambda x, a: (
        0.5 * EPS ** (a - 1) if abs(x) < EPS else (a / 2) * abs(x) ** (a - 1) if abs(x) <= 1 else 0.0
    ),
    "piecewise_quadratic": lambda x, a: (3 * a / 4) * (1 - (a * x) ** 2) if abs(x) <= 1 / a else 0.0,
}

#: a non-default alpha for each surrogate
OTHER_ALPHA = {
    "atan": 3.5,
    "fast_sigmoid": 4.0,
    "straight_through": 0.3,
    "sigmoid": 7.0,
    "triangular": 2.5,
    "sine": 0.4,
    "power": 1.7,
    "piecewise_quadratic": 3.0,
}

#: integral of dH/dx over the real line, where it is finite
INTEGRALS = {
    "atan": lambda a: 1.0,
    "fast_sigmoid": lambda a: 2.0 / a,
    "sigmoid": lambda a: 1.0,
    "triangular": lambda a: 1.0,
    "sine": lambda a: 1.0,
    "power": lambda a: 1.0,
    "piecewise_quadratic": lambda a: 1.0,
}

#: surrogates that are exactly zero outside |x| <= window(alpha)
WINDOWS = {
    "triangular": lambda a: 1 / a,
    "sine": lambda a: a,
    "power": lambda a: 1.0,
    "piecewise_quadratic": lambda a: 1 / a,
}


def test_every_surrogate_is_covered():
    assert set(DERIVATIVES) == set(surrogate.SURROGATES) == set(OTHER_ALPHA)
    assert set(INTEGRALS) == set(surrogate.SURROGATES) - {"straight_through"}


def _grad(name, x, alpha=None):
    x = x.detach().clone().requires_grad_(True)
    spike = surrogate.get(name, alpha)
    y = spike(x)
    y.sum().backward()
    return y.detach(), x.grad, spike.alpha


@pytest.mark.parametrize("name", sorted(surrogate.SURROGATES))
def test_forward_is_heaviside_and_backward_is_the_derivative(name):
    x = torch.linspace(-2, 2, 41, dtype=torch.float64, requires_grad=True)
    spike = surrogate.get(name)
    y = spike(x)
    assert torch.equal(y, (x > 0).double())
    y.sum().backward()
    expected = torch.tensor([DERIVATIVES[name](float(v), spike.alpha) for v in x.detach()], dtype=torch.float64)
    torch.testing.assert_close(x.grad, expected)


@pytest.mark.parametrize("use_default", [True, False], ids=["default_alpha", "other_alpha"])
@pytest.mark.parametrize("name", sorted(surrogate.SURROGATES))
def test_backward_matches_the_derivative_at_many_points(name, use_default):
    alpha = None if use_default else OTHER_ALPHA[name]
    gen = torch.Generator().manual_seed(0)
    a = surrogate.SURROGATES[name][1] if use_default else alpha
    edges = [s * w for w in (a, 1 / a, 1.0) for s in (-1, 1)]
    x = torch.cat([
        torch.linspace(-3, 3, 601, dtype=torch.float64),
        torch.randn(500, generator=gen, dtype=torch.float64) * 2,
        torch.tensor([0.0, -0.0, 1e-9, -1e-9, 1e-7, -1e-7, *edges], dtype=torch.float64),
    ])
    y, grad, used = _grad(name, x, alpha)
    assert used == a
    assert torch.equal(y, (x > 0).double())
    expected = torch.tensor([DERIVATIVES[name](float(v), used) for v in x], dtype=torch.float64)
    torch.testing.assert_close(grad, expected, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("name", sorted(surrogate.SURROGATES))
def test_forward_is_strictly_the_step_with_h0_zero(name):
    x = torch.tensor([-math.inf, -1.0, -1e-30, -0.0, 0.0, 1e-30, 1.0, math.inf])
    y = surrogate.get(name)(x)
    assert y.dtype == x.dtype
    assert y.tolist() == [0.0, 0.0, 0.0, 0.0, 0.0, 1.0, 1.0, 1.0]


@pytest.mark.parametrize("use_default", [True, False], ids=["default_alpha", "other_alpha"])
@pytest.mark.parametrize("name", sorted(INTEGRALS))
def test_derivative_integrates_as_stated(name, use_default):
    alpha = surrogate.SURROGATES[name][1] if use_default else OTHER_ALPHA[name]
    # symmetric grid, geometric in |x| so that both the peak (and power's
    # integrable singularity) and the long tails are resolved
    pos = torch.logspace(-14, 7, 400_001, dtype=torch.float64)
    x = torch.cat([-pos.flip(0), torch.zeros(1, dtype=torch.float64), pos])
    _, grad, _ = _grad(name, x, alpha)
    assert torch.isfinite(grad).all()
    total = torch.trapezoid(grad, x).item()
    assert total == pytest.approx(INTEGRALS[name](alpha), rel=2e-4)


@pytest.mark.parametrize("alpha", [None, 0.25, 1.0, 2.0, 7.5])
@pytest.mark.parametrize("name", sorted(WINDOWS))
def test_windowed_gradients_are_exactly_zero_outside(name, alpha):
    a = surrogate.SURROGATES[name][1] if alpha is None else alpha
    w = WINDOWS[name](a)
    for dtype in (torch.float32, torch.float64):
        edge = torch.tensor(w, dtype=dtype)
        x = torch.cat([
            torch.nextafter(edge, torch.tensor(math.inf, dtype=dtype)).reshape(1),
            edge * torch.tensor([1.0 + 1e-6, 1.5, 10.0, 1e30, math.inf], dtype=dtype),
        ])
        x = torch.cat([x, -x])
        assert (x.abs() > w).all()
        _, grad, _ = _grad(name, x, alpha)
        assert torch.equal(grad, torch.zeros_like(grad)), grad


def test_piecewise_quadratic_is_sparse_and_positive_inside():
    for alpha in (0.5, 1.0, 4.0):
        x = torch.linspace(-3 / alpha, 3 / alpha, 6001, dtype=torch.float64)
        _, grad, _ = _grad("piecewise_quadratic", x, alpha)
        outside = x.abs() > 1 / alpha
        assert (grad[outside] == 0).all()
        assert (grad[x.abs() < 1 / alpha] > 0).all()
        assert grad.max().item() == pytest.approx(3 * alpha / 4)


@pytest.mark.parametrize("alpha", [None, 0.01, 0.1, 0.5, 0.99, 1.0, 2.0])
@pytest.mark.parametrize("dtype", [torch.float16, torch.float32, torch.float64])
def test_power_gradient_is_finite_at_zero(alpha, dtype):
    x = torch.tensor([0.0, -0.0, 1e-30, -1e-30, 1e-7, -1e-7], dtype=torch.float64).to(dtype)
    _, grad, used = _grad("power", x, alpha)
    assert torch.isfinite(grad).all(), grad
    assert (grad >= 0).all()
    peak = 0.5 * EPS ** (used - 1)  # the chord's slope across [-EPS, EPS]
    expected = torch.tensor(min(peak, torch.finfo(dtype).max), dtype=dtype).item()
    assert grad[0].item() == pytest.approx(expected, rel=1e-2)
    if used < 1:
        assert (grad[:4] >= grad[4:].max()).all()  # the peak is at the threshold


@settings(max_examples=200, deadline=None)
@given(
    name=st.sampled_from(sorted(surrogate.SURROGATES)),
    value=st.floats(allow_nan=False, width=32),
    alpha=st.floats(min_value=0.01, max_value=100.0),
)
def test_gradients_are_finite_and_nonnegative_everywhere(name, value, alpha):
    x = torch.tensor([value], dtype=torch.float32)
    y, grad, _ = _grad(name, x, alpha)
    assert y.item() == (1.0 if value > 0 else 0.0)
    assert torch.isfinite(grad).all() and (grad >= 0).all(), (value, grad)


def test_sigmoid_does_not_overflow_far_below_threshold():
    # the plain exp form gives inf/inf = nan here in float32
    x = torch.tensor([-5.0, -100.0, -1e6, 5.0, 100.0], dtype=torch.float32)
    _, grad, _ = _grad("sigmoid", x)
    assert torch.isfinite(grad).all() and (grad >= 0).all()
    assert (grad[1:] == 0).all()


@pytest.mark.parametrize("name, snn_name, kwarg", [
    ("atan", "atan", "alpha"),
    ("fast_sigmoid", "fast_sigmoid", "slope"),
    ("sigmoid", "sigmoid", "slope"),
])
@pytest.mark.parametrize("alpha", [None, 3.0])
def test_matches_snntorch_where_snntorch_is_finite(name, snn_name, kwarg, alpha):
    snn_surrogate = pytest.importorskip("snntorch.surrogate")
    a = surrogate.SURROGATES[name][1] if alpha is None else alpha
    x = torch.linspace(-2, 2, 401, dtype=torch.float64)
    _, ours, _ = _grad(name, x, alpha)
    xs = x.clone().requires_grad_(True)
    ys = getattr(snn_surrogate, snn_name)(**{kwarg: a})(xs)
    assert torch.equal(ys.double(), (x > 0).double())
    ys.sum().backward()
    torch.testing.assert_close(ours, xs.grad.double(), rtol=1e-5, atol=1e-6)


def test_default_alphas():
    defaults = {name: default for name, (_, default) in surrogate.SURROGATES.items()}
    assert defaults == {
        "atan": 2.0, "fast_sigmoid": 25.0, "straight_through": 1.0, "sigmoid": 25.0,
        "triangular": 1.0, "sine": 1.0, "power": 0.5, "piecewise_quadratic": 1.0,
    }
    for name in surrogate.SURROGATES:
        spike = surrogate.get(name)
        assert spike.surrogate_name == name and spike.alpha == defaults[name]
        assert surrogate.get(name, 2).alpha == 2.0
        assert name in surrogate.__doc__


def test_unknown_name_and_bad_alpha_are_refused():
    with pytest.raises(ValueError, match="unknown surrogate 'nope'; choose one of atan"):
        surrogate.get("nope")
    with pytest.raises(ValueError, match="alpha must be > 0"):
        surrogate.get("atan", alpha=0)


@pytest.mark.parametrize("name", sorted(surrogate.SURROGATES))
def test_unknown_name_message_lists_every_choice(name):
    with pytest.raises(ValueError) as info:
        surrogate.get("Atan")
    assert name in str(info.value).split("choose one of ", 1)[1].split(", ")


@pytest.mark.parametrize("bad", [0, 0.0, -1e-9, -1, -math.inf, math.nan])
@pytest.mark.parametrize("name", sorted(surrogate.SURROGATES))
def test_non_positive_alpha_is_refused(name, bad):
    with pytest.raises(ValueError, match="alpha must be > 0"):
        surrogate.get(name, alpha=bad)


@pytest.mark.parametrize("name", sorted(surrogate.SURROGATES))
def test_each_surrogate_can_train_a_bias(name):
    # learn b so that H(x + b) fires exactly for x > 0.3 (b* = -0.3), from b = 0.5
    x = torch.linspace(-1, 1, 201)
    target = (x > 0.3).float()
    b = torch.tensor(0.5, requires_grad=True)
    spike = surrogate.get(name)
    opt = torch.optim.Adam([b], lr=0.05)

    def loss_fn():
        return ((spike(x + b) - target) ** 2).mean()

    first = loss_fn().item()
    for _ in range(60):
        opt.zero_grad()
        loss = loss_fn()
        loss.backward()
        assert torch.isfinite(b.grad)
        opt.step()
    last = loss_fn().item()
    assert first > 0.3
    assert last < 0.1 * first, (first, last, b.item())
