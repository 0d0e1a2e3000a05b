"""Quantized LIF neuron: the contract's integer update, written in torch for QAT.

All tensors hold integers in state LSBs (``2**-(e+F)``), stored as float32; every
intermediate stays below 2**24, so float32 holds them exactly and eval mode gives
the IP's integers bit for bit. With ``beta_q`` (leak * 256) and ``theta``::

    leak  = floor(beta_q * v[t-1] / 256)           # floor, straight-through gradient
    reset = theta * H(v[t-1] - theta)               # previous step's spike, no gradient
    v[t]  = sat16(leak + I[t] - reset)              # I[t] already shifted by F
    s[t]  = H(v[t] - theta)                         # surrogate gradient

This is written independently of the emulator's numpy code (``overlay/lif.py``);
tests prove the two equal.
"""
from __future__ import annotations

from typing import Callable, Tuple

import torch

from ..overlay import formats
from .fixed_point import floor_ste, saturate


def qlif_step(
    current: torch.Tensor,
    v: torch.Tensor,
    beta_q: int,
    theta: int,
    spike: Callable[[torch.Tensor], torch.Tensor],
) -> Tuple[torch.Tensor, torch.Tensor]:
    """``spk, v = qlif_step(I, v, beta_q, theta, spike)``; I and v in state LSBs."""
    leak = floor_ste(v * (beta_q / formats.BETA_ONE))
    reset = (v > theta).to(v.dtype) * theta
    v = saturate(leak + current - reset)
    return spike((v - theta) / theta), v
