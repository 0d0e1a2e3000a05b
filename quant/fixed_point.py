"""Fixed-point helpers for quantization-aware training (torch side of the contract).

Rounding at run time is ``floor`` (an arithmetic right shift); the straight-through
estimator passes the gradient of the identity through it. Export-time conversions
round half up (``overlay/CONTRACT.md``, "Rounding, said once").
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Dict

import torch

from ..overlay import formats
from ..overlay.neurons.izhikevich import COEFFICIENTS

#: Headroom rule: the threshold takes at most this many state LSBs (2**12 of 2**15).
THRESHOLD_TARGET = 2 ** 12


def floor_ste(x: torch.Tensor) -> torch.Tensor:
    """``floor(x)`` forward, identity gradient backward."""
    return x + (torch.floor(x) - x).detach()


def round_half_up_ste(x: torch.Tensor) -> torch.Tensor:
    """``floor(x + 1/2)`` forward, identity gradient backward (learned parameters)."""
    return x + (torch.floor(x + 0.5) - x).detach()


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
    the neuron's integer parameters (``overlay/artifact.py``'s table) in state LSBs
    ``2**-(e+F)`` or, for Izhikevich coefficients, with 12 fraction bits."""

    weight_shift: int
    frac_bits: int
    params: Dict[str, int]

    @property
    def state_scale(self) -> float:
        """Real value of one state LSB: ``2**-(e+F)``."""
        return 2.0 ** -(self.weight_shift + self.frac_bits)


def level_lsb(value: float, weight_shift: int, frac_bits: int) -> int:
    """A level (threshold, reset, offset) in state LSBs: ``round(value * 2**(e+F))``, saturated."""
    q = round_half_up(value * 2.0 ** (weight_shift + frac_bits))
    return min(max(q, formats.STATE_MIN), formats.STATE_MAX)


def threshold_lsb(threshold: float, weight_shift: int, frac_bits: int) -> int:
    """``round(threshold * 2**(e+F))`` clamped to [THRESHOLD_MIN, STATE_MAX].

    QAT trains with the clamped value; a LIF threshold that reaches STATE_MAX never fires,
    and export refuses it (the artifact's LIF thresholds end at THRESHOLD_MAX = STATE_MAX - 1).
    """
    return max(level_lsb(threshold, weight_shift, frac_bits), formats.THRESHOLD_MIN)


def frac_bits_for(scale: float, weight_shift: int, fan_in: int) -> int:
    """The largest ``F`` in [0, FRAC_BITS_MAX] whose state holds ``scale`` in at most
    THRESHOLD_TARGET LSBs and whose accumulator bound holds (0 if none does)."""
    chosen = 0
    for frac_bits in range(formats.FRAC_BITS_MAX + 1):
        level = threshold_lsb(scale, weight_shift, frac_bits)
        fits = level <= THRESHOLD_TARGET
        bounded = formats.accumulator_bound(fan_in, frac_bits, level) <= formats.ACC_MAX
        if fits and bounded:
            chosen = frac_bits
    return chosen


def lif_format(weight_shift: int, fan_in: int, beta: float, threshold: float, init_mem: float = 0.0) -> LayerFormat:
    """A LIF layer's integers: ``F`` from the threshold, ``beta_q = round(beta * 256)``,
    ``theta = round(threshold * 2**(e+F))`` and the initial membrane
    ``v_init = round(init_mem * 2**(e+F))`` saturated to 16 bits (:func:`level_lsb`), so
    ``init_mem = threshold / 2`` gives ``v_init = theta / 2`` wherever ``theta`` is even."""
    frac_bits = frac_bits_for(threshold, weight_shift, fan_in)
    beta_q = min(max(round_half_up(beta * formats.BETA_ONE), 0), formats.BETA_ONE)
    return LayerFormat(weight_shift, frac_bits, {
        "beta": beta_q,
        "threshold": threshold_lsb(threshold, weight_shift, frac_bits),
        "v_init": level_lsb(init_mem, weight_shift, frac_bits),
    })


def izhikevich_frac_bits(weight_shift: int, fan_in: int, scale: float) -> int:
    """``F`` of an Izhikevich layer from the largest level its state must hold (``scale``).

    The square shift ``Q = e + F`` must lie in [0, SQUARE_SHIFT_MAX] (ValueError otherwise).
    """
    frac_bits = frac_bits_for(scale, weight_shift, fan_in)
    square_shift = weight_shift + frac_bits
    if not 0 <= square_shift <= formats.SQUARE_SHIFT_MAX:
        raise ValueError(
            f"Izhikevich layer: weight scale 2**{-weight_shift} leaves the square shift e + F = {square_shift} "
            f"outside [0, {formats.SQUARE_SHIFT_MAX}]: the weights are too large for the state format"
        )
    return frac_bits


def izhikevich_integers(params, square_shift: int) -> Dict[str, torch.Tensor]:
    """An Izhikevich layer's integer parameters (``params``: IzhikevichParameters) as
    float64 scalar tensors: coefficients ``round(x * 4096)``, levels ``round(x * 2**Q)``,
    rounded half up with a straight-through gradient and saturated to their fields,
    so learned parameters train through QAT with the integers export writes."""
    out = {}
    for name in params.names:
        value = params.value(name).double()
        if name in COEFFICIENTS:
            low, high, factor = formats.COEF_MIN, formats.COEF_MAX, 2.0 ** formats.COEF_FRAC_BITS
        else:
            low, high, factor = formats.STATE_MIN, formats.STATE_MAX, 2.0 ** square_shift
        out["threshold" if name == "v_th" else name] = torch.clamp(round_half_up_ste(value * factor), low, high)
    return out
