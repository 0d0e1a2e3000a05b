"""Surrogate gradients: the Heaviside step forward, a smooth derivative backward.

Each surrogate is a ``torch.autograd.Function`` whose forward is
``H(x) = 1 if x > 0 else 0`` (the contract's strict comparator) and whose backward
returns ``grad * dH/dx`` for a named smooth stand-in of the step. Pick one by name
with :func:`get`; ``x`` is the membrane potential minus the threshold, in units of
the threshold.
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


#: name -> (function, default alpha)
SURROGATES: Dict[str, tuple] = {
    "atan": (ATan, 2.0),
    "fast_sigmoid": (FastSigmoid, 25.0),
    "straight_through": (StraightThrough, 1.0),
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
