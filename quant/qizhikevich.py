"""Quantized Izhikevich neuron: the contract's integer update, written in torch for QAT.

Tensors hold integers (state LSBs ``2**-Q``, ``Q = e + F``) in float64, which is
exact for every intermediate: ``|v*v| <= 2**30`` and ``|a1 * sq| <= 2**45``, far
below 2**53. With coefficients ``a1..b2`` (12 fraction bits) and levels in state
LSBs::

    if s[t-1]:  v, u = c, sat16(u + d)               # no gradient through the reset choice
    sq    = floor(v * v / 2**Q)                      # straight-through floors
    v[t]  = sat16(v + floor((a1*sq + a2*v + a3*u) / 4096) + a0 + I[t])
    u[t]  = sat16(u + floor((b1*v + b2*u) / 4096) + b3)
    s[t]  = H(v[t] - threshold)                      # surrogate gradient

Written independently of the emulator's numpy code (``overlay/izhikevich.py``);
tests prove the two equal.
"""
from __future__ import annotations

from typing import Callable, Mapping, Tuple

import torch

from ..overlay import formats
from .fixed_point import floor_ste, saturate

_COEF_ONE = float(2 ** formats.COEF_FRAC_BITS)


def qizh_step(
    drive: torch.Tensor,
    v: torch.Tensor,
    u: torch.Tensor,
    params: Mapping[str, torch.Tensor],
    square_shift: int,
    spike: Callable[[torch.Tensor], torch.Tensor],
    spike_scale: float,
) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """``spk, v, u = qizh_step(I << F, v, u, params, Q, spike, scale)``, all in state LSBs.

    ``params`` are the integer parameters as float64 tensors (scalars); ``spike_scale``
    (state LSBs) normalizes ``v - threshold`` for the surrogate.
    """
    p = params
    fired = v > p["threshold"]
    v = torch.where(fired, p["c"], v)
    u = torch.where(fired, saturate(u + p["d"]), u)
    square = floor_ste(v * v / 2.0 ** square_shift)
    dv = floor_ste((p["a1"] * square + p["a2"] * v + p["a3"] * u) / _COEF_ONE) + p["a0"] + drive
    du = floor_ste((p["b1"] * v + p["b2"] * u) / _COEF_ONE) + p["b3"]
    v_new = saturate(v + dv)
    u_new = saturate(u + du)
    return spike((v_new - p["threshold"]) / spike_scale), v_new, u_new
