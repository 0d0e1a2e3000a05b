"""Surrogate gradients: the Heaviside step forward, a smooth derivative backward.

Each surrogate is a ``torch.autograd.Function`` whose forward is
``H(x) = 1 if x > 0 else 0`` (the contract's strict comparator) and whose backward
returns ``grad * dH/dx`` for a named smooth stand-in of the step. Pick one by name
with :func:`get`; ``x`` is the membrane potential minus the threshold, in units of
the threshold.

Known names (default ``alpha`` in brackets):

* ``atan`` (2): ``(alpha/2) / (1 + (pi/2 * alpha * x)**2)``
* ``fast_sigmoid`` (25): ``1 / (1 + alpha*|x|)**2``
* ``straight_through`` (1): ``1``
* ``sigmoid`` (25): ``alpha * s * (1 - s)`` with ``s = sigmoid(alpha*x)``
* ``triangular`` (1): ``max(0, alpha * (1 - alpha*|x|))``
* ``sine`` (1): ``(pi/(4*alpha)) * cos(pi*x/(2*alpha))`` on ``|x| <= alpha``, else 0
* ``power`` (0.5): ``(alpha/2) * |x|**(alpha-1)`` on ``|x| <= 1``, else 0
  (constant ``EPS**(alpha-1) / 2`` on ``|x| < EPS``, see :class:`Power`)
* ``piecewise_quadratic`` (1): ``(3*alpha/4) * (1 - (alpha*x)**2)`` on
  ``|x| <= 1/alpha``, else 0

All but ``straight_through`` and ``fast_sigmoid`` integrate to 1 over the real
line for every ``alpha`` (``fast_sigmoid`` integrates to ``2/alpha``), so they are
normalised stand-ins for the Dirac delta. ``triangular``, ``sine``, ``power`` and
``piecewise_quadratic`` are exactly zero outside a finite window (sparse gradients).
"""
from __future__ import annotations

import math
from typing import Callable, Dict

import torch


class _Surrogate(torch.autograd.Function):
    """Heaviside forward; backward by the subclass's ``derivative(x, alpha)``."""

    @classmethod
    def forward(cls, ctx, x: torch.Tensor, alpha: float) -> torch.Tensor:
        ctx.save_for_backward(x)
        ctx.alpha = alpha
        return (x > 0).to(x.dtype)

    @classmethod
    def backward(cls, ctx, grad: torch.Tensor):
        (x,) = ctx.saved_tensors
        return grad * cls.derivative(x, ctx.alpha), None


class ATan(_Surrogate):
    """dH/dx ~ (alpha/2) / (1 + (pi/2 * alpha * x)**2)  (snnTorch's ``atan``)."""

    @staticmethod
    def derivative(x, alpha):
        return (alpha / 2) / (1 + (math.pi / 2 * alpha * x) ** 2)


class FastSigmoid(_Surrogate):
    """dH/dx ~ 1 / (1 + alpha*|x|)**2  (snnTorch's ``fast_sigmoid``, alpha is its slope)."""

    @staticmethod
    def derivative(x, alpha):
        return 1.0 / (1.0 + alpha * x.abs()) ** 2


class StraightThrough(_Surrogate):
    """dH/dx ~ 1: the gradient passes unchanged (snnTorch's ``straight_through_estimator``)."""

    @staticmethod
    def derivative(x, alpha):
        return torch.ones_like(x)


class Sigmoid(_Surrogate):
    """The derivative of the logistic sigmoid ``s(x) = 1 / (1 + exp(-alpha*x))``::

        dH/dx ~ alpha * s(x) * (1 - s(x))

    ``alpha`` is the slope (snnTorch's ``sigmoid(slope)``, default 25 there and
    here); larger is sharper. Its peak is ``alpha/4`` at ``x = 0`` and it
    integrates to 1.

    snnTorch 1.0 writes this as ``alpha*exp(-alpha*x) / (exp(-alpha*x) + 1)**2``,
    which is the same function but gives ``inf/inf = nan`` once ``-alpha*x``
    overflows the exponential (e.g. ``x < -3.6`` in float32 at ``alpha = 25``).
    The form used here goes to exactly zero there instead.
    """

    @staticmethod
    def derivative(x, alpha):
        s = torch.sigmoid(alpha * x)
        return alpha * s * (1 - s)


class Triangular(_Surrogate):
    """A triangle of height ``alpha`` and half-width ``1/alpha``::

        dH/dx ~ max(0, alpha * (1 - alpha*|x|))   (0 for |x| > 1/alpha)

    It integrates to 1 and is exactly zero outside ``|x| <= 1/alpha``; at the
    default ``alpha = 1`` it is ``max(0, 1 - |x|)``. Larger ``alpha`` is sharper.

    snnTorch 1.0's ``triangular(threshold=1)`` has the same name but a different
    backward: ``+threshold`` for ``x < 0`` and ``-threshold`` for ``x >= 0``,
    i.e. the slope of a triangle rather than the triangle itself. That gradient
    never decays away from the threshold, does not integrate to 1 and points the
    wrong way above threshold, so it is not reproduced. Its one parameter maps to
    ``alpha`` as the gradient's magnitude at ``x = 0``, with the same default (1).
    """

    @staticmethod
    def derivative(x, alpha):
        a = x.abs()
        d = (alpha * (1 - alpha * a)).clamp_min(0)
        return torch.where(a <= 1.0 / alpha, d, torch.zeros_like(d))


class Sine(_Surrogate):
    """The derivative of ``S(x) = sin(pi*x/(2*alpha))/2 + 1/2`` on ``[-alpha, alpha]``
    (0 below, 1 above)::

        dH/dx ~ (pi/(4*alpha)) * cos(pi*x/(2*alpha))   for |x| <= alpha, else 0

    ``alpha`` is the half-width of the window (default 1); smaller is sharper. It
    integrates to 1 and is exactly zero outside the window.
    """

    @staticmethod
    def derivative(x, alpha):
        inside = x.abs() <= alpha
        # clamping into the window keeps cos() finite even for infinite x, and
        # clamp_min(0) absorbs the rounding of cos(+-pi/2) to a tiny negative value
        c = torch.cos(math.pi / (2 * alpha) * x.clamp(-alpha, alpha)).clamp_min(0)
        d = (math.pi / (4 * alpha)) * c
        return torch.where(inside, d, torch.zeros_like(d))


class Power(_Surrogate):
    """The derivative of ``P(x) = sgn(x) * |x|**alpha / 2 + 1/2`` on ``[-1, 1]``
    (0 below, 1 above)::

        dH/dx ~ (alpha/2) * |x|**(alpha - 1)   for EPS <= |x| <= 1
                EPS**(alpha - 1) / 2           for |x| < EPS
                0                              for |x| > 1

    ``alpha`` is the exponent (default 0.5): below 1 the gradient peaks at the
    threshold (sharper as ``alpha`` -> 0), 1 gives the constant 1/2 of a straight
    line, above 1 it vanishes at the threshold.

    For ``alpha < 1`` the exact derivative is infinite at ``x = 0``. Inside
    ``|x| < EPS`` (``EPS = 1e-6``) the gradient is therefore the slope of the
    chord of ``P`` across ``[-EPS, EPS]``, i.e. the exact derivative of ``P``
    with that sliver replaced by a straight line. It is finite everywhere (at
    most ``1/(2*EPS) = 5e5``; 500 at ``x = 0`` for ``alpha = 0.5``), still
    integrates to exactly 1 over the real line, and equals the formula above for
    ``|x| >= EPS``. It is exactly zero for ``|x| > 1``. Half-precision inputs are
    evaluated in float32 and the result is capped at the dtype's largest finite
    value, so no ``inf`` or ``nan`` is ever returned.
    """

    EPS = 1e-6

    @staticmethod
    def derivative(x, alpha):
        work = x.float() if x.dtype in (torch.float16, torch.bfloat16) else x
        a = work.abs()
        eps = Power.EPS
        tail = (alpha / 2) * a.clamp(eps, 1.0) ** (alpha - 1)
        d = torch.where(a < eps, torch.full_like(tail, 0.5 * eps ** (alpha - 1)), tail)
        d = torch.where(a <= 1.0, d, torch.zeros_like(d))
        if work is not x:
            d = d.clamp_max(torch.finfo(x.dtype).max).to(x.dtype)
        return d


class PiecewiseQuadratic(_Surrogate):
    """A parabola of height ``3*alpha/4`` and half-width ``1/alpha``::

        dH/dx ~ (3*alpha/4) * (1 - (alpha*x)**2)   for |x| <= 1/alpha, else 0

    (the derivative of the piecewise-cubic step ``(3u - u**3)/4 + 1/2`` in
    ``u = alpha*x``). It integrates to 1, is smooth at the threshold, falls
    continuously to 0 at the window's edges and is exactly zero outside
    ``|x| <= 1/alpha`` (sparse gradients). Larger ``alpha`` is sharper; default 1.
    """

    @staticmethod
    def derivative(x, alpha):
        a = x.abs()
        d = ((3 * alpha / 4) * (1 - (alpha * a) ** 2)).clamp_min(0)
        return torch.where(a <= 1.0 / alpha, d, torch.zeros_like(d))


#: name -> (function, default alpha)
SURROGATES: Dict[str, tuple] = {
    "atan": (ATan, 2.0),
    "fast_sigmoid": (FastSigmoid, 25.0),
    "straight_through": (StraightThrough, 1.0),
    "sigmoid": (Sigmoid, 25.0),
    "triangular": (Triangular, 1.0),
    "sine": (Sine, 1.0),
    "power": (Power, 0.5),
    "piecewise_quadratic": (PiecewiseQuadratic, 1.0),
}


def get(name: str, alpha: float = None) -> Callable[[torch.Tensor], torch.Tensor]:
    """The spike function ``x -> H(x)`` with the named surrogate gradient.

    Raises ValueError for an unknown name (listing the known ones) or alpha <= 0.
    """
    if name not in SURROGATES:
        raise ValueError(f"unknown surrogate {name!r}; choose one of {', '.join(SURROGATES)}")
    function, default = SURROGATES[name]
    alpha = default if alpha is None else float(alpha)
    if not alpha > 0:
        raise ValueError(f"surrogate alpha must be > 0, got {alpha}")

    def spike(x: torch.Tensor) -> torch.Tensor:
        return function.apply(x, alpha)

    spike.surrogate_name = name
    spike.alpha = alpha
    return spike
