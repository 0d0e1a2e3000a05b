"""Fixed-point helpers for quantization-aware training (torch side of the contract).

Rounding at run time is ``floor`` (an arithmetic right shift); the straight-through
estimator passes the gradient of the identity through it. Export-time conversions
round half up (``overlay/CONTRACT.md``, "Rounding, said once").
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import torch

from ..overlay import formats

#: Headroom rule: the threshold takes at most this many state LSBs (2**12 of 2**15).
THRESHOLD_TARGET = 2 ** 12


def floor_ste(x: torch.Tensor) -> torch.Tensor:
    """``floor(x)`` forward, identity gradient backward."""
    return x + (torch.floor(x) - x).detach()


def round_half_up(x: float) -> int:
    """Export-time rounding: ``floor(x + 1/2)``."""
    return int(math.floor(x + 0.5))


def saturate(x: torch.Tensor) -> torch.Tensor:
    """Clamp a state (in LSBs) to the 16-bit signed range; no gradient where clipped."""
    return torch.clamp(x, formats.STATE_MIN, formats.STATE_MAX)


def weight_shift_from_scale(scale: float) -> int:
    """``e`` such that ``scale == 2**-e``; raise ValueError if the scale is not a power of two."""
    e = -math.log2(scale)
    if e != round(e):
        raise ValueError(f"weight scale {scale} is not a power of two")
    e = int(round(e))
    if not formats.WEIGHT_SHIFT_MIN <= e <= formats.WEIGHT_SHIFT_MAX:
        raise ValueError(
            f"weight scale 2**{-e} is outside the IP's range "
            f"2**{-formats.WEIGHT_SHIFT_MAX} .. 2**{-formats.WEIGHT_SHIFT_MIN}"
        )
    return e


@dataclass(frozen=True)
class LayerFormat:
    """The integers a layer runs with: weight shift ``e``, state fraction ``F``, and
    the neuron parameters in state LSBs (``beta_q`` = beta * 256, ``theta`` = threshold
    * 2**(e+F))."""

    weight_shift: int
    frac_bits: int
    beta: int
    threshold: int

    @property
    def state_scale(self) -> float:
        """Real value of one state LSB: ``2**-(e+F)``."""
        return 2.0 ** -(self.weight_shift + self.frac_bits)


def threshold_lsb(threshold: float, weight_shift: int, frac_bits: int) -> int:
    """``round(threshold * 2**(e+F))`` clamped to [THRESHOLD_MIN, THRESHOLD_MAX]."""
    q = round_half_up(threshold * 2.0 ** (weight_shift + frac_bits))
    return min(max(q, formats.THRESHOLD_MIN), formats.THRESHOLD_MAX)


def lif_format(weight_shift: int, fan_in: int, beta: float, threshold: float) -> LayerFormat:
    """Pick ``F`` for a LIF layer: the largest in [0, FRAC_BITS_MAX] whose threshold
    fits in THRESHOLD_TARGET LSBs and whose accumulator bound holds (F = 0 otherwise)."""
    chosen = 0
    for frac_bits in range(formats.FRAC_BITS_MAX + 1):
        theta = threshold_lsb(threshold, weight_shift, frac_bits)
        fits = theta <= THRESHOLD_TARGET
        bounded = formats.accumulator_bound(fan_in, frac_bits, theta) <= formats.ACC_MAX
        if fits and bounded:
            chosen = frac_bits
    beta_q = min(max(round_half_up(beta * formats.BETA_ONE), 0), formats.BETA_ONE)
    return LayerFormat(weight_shift, chosen, beta_q, threshold_lsb(threshold, weight_shift, chosen))
