"""Quantized Izhikevich neuron: the contract's integer update, written in torch for QAT.

Tensors hold integers (state LSBs ``2**-Q``, ``Q = e + F``) in float64, which is
exact for every intermediate: ``|v*v| <= 2**30`` and ``|a1 * sq| <= 2**45``, far
below 2**53. With coefficients ``a1..b2`` (12 fraction bits) and levels in state
LSBs::

    if s[t-1]:  v, u = c, sat16(u + d)               # no gradient through the reset choice; s[-1] = 0
    sq    = floor(v * v / 2**Q)                      # straight-through floors
    v[t]  = sat16(v + floor((a1*sq + a2*v + a3*u) / 4096) + a0 + I[t])
    u[t]  = sat16(u + floor((b1*v + b2*u) / 4096) + b3)
    s[t]  = H(v[t] - threshold)                      # surrogate gradient

Written independently of the emulator's numpy code (``overlay/neurons/izhikevich.py``);
tests prove the two equal.
"""
from __future__ import annotations

import copy
from typing import Dict, Optional, Tuple

import torch

from ..overlay import formats
from ..training.neurons.izhikevich import Izhikevich
from ..training.neurons.lif import SpikeGrad
from ..training.neurons.presets import IzhikevichParams
from .fixed_point import LayerFormat, floor_ste, izhikevich_frac_bits, izhikevich_integers, saturate

_COEF_ONE = float(2 ** formats.COEF_FRAC_BITS)


class QuantIzhikevich(Izhikevich):
    """``spk, v, u = qizh(drive, v, u)``: one timestep of Izhikevich neurons in the IP's integers.

    An :class:`~pynq_snn.training.neurons.izhikevich.Izhikevich` (same parameters,
    learnable with ``learn=True``; same call shape) whose step is the contract's integer
    update. The layer calls :meth:`quantize` with the current weight shift before
    stepping; ``drive``, ``v`` and ``u`` are then in state LSBs ``2**-Q``, ``Q`` the
    value that call returns.

    Example:
        >>> import torch
        >>> from pynq_snn.training.neurons import preset
        >>> neuron = QuantIzhikevich(preset("izh-norm", "RS"))
        >>> neuron.quantize(weight_shift=4, fan_in=1)  # Q = e + F
        12
        >>> spk, v, u = neuron(torch.tensor([3000.0]))
        >>> spk.item(), v.item(), u.item()
        (1.0, 3000.0, 0.0)
    """

    #: The IP's model this neuron runs as (``overlay/neurons``).
    hardware = "izhikevich"

    def __init__(self, params: IzhikevichParams, spike_grad: SpikeGrad = "atan", learn: bool = False):
        super().__init__(params, spike_grad=spike_grad, learn=learn)
        self._integers: Optional[Dict[str, torch.Tensor]] = None
        self._square_shift = 0

    @classmethod
    def from_float(cls, neuron: Izhikevich) -> "QuantIzhikevich":
        """The quantized twin of a float Izhikevich neuron: its parameters (learned values and
        learnability included) and surrogate."""
        quant = cls(neuron.params.current(), neuron.spike_grad)
        quant.params = copy.deepcopy(neuron.params)
        return quant

    def _frac_bits(self, weight_shift: int, fan_in: int) -> int:
        return izhikevich_frac_bits(weight_shift, fan_in, self.params.scale)

    def integer_format(self, weight_shift: int, fan_in: int) -> LayerFormat:
        """The layer's integers for weight scale ``2**-weight_shift``: ``F`` and the twelve parameters."""
        frac_bits = self._frac_bits(weight_shift, fan_in)
        integers = izhikevich_integers(self.params, weight_shift + frac_bits)
        return LayerFormat(weight_shift, frac_bits, {name: int(value) for name, value in integers.items()})

    def quantize(self, weight_shift: int, fan_in: int) -> int:
        """Fix the integers for the next steps (straight-through tensors, so learned
        parameters train); return the state LSB exponent ``Q = e + F``."""
        self._square_shift = weight_shift + self._frac_bits(weight_shift, fan_in)
        self._integers = izhikevich_integers(self.params, self._square_shift)
        return self._square_shift

    def step(self, drive: torch.Tensor, v: Optional[torch.Tensor], u: Optional[torch.Tensor]
             ) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """One timestep in state LSBs from explicit states (``None``: ``v_init``, ``u_init``)."""
        if self._integers is None:
            raise RuntimeError("call quantize(weight_shift, fan_in) before stepping a QuantIzhikevich")
        p, shift = self._integers, self._square_shift
        drive = drive.double()
        # the first step sees no previous spike (s[-1] = 0), even from a v_init above the threshold
        fired = torch.zeros_like(drive, dtype=torch.bool) if v is None else v > p["threshold"]
        v = p["v_init"].expand_as(drive) if v is None else v
        u = p["u_init"].expand_as(drive) if u is None else u
        v = torch.where(fired, p["c"], v)
        u = torch.where(fired, saturate(u + p["d"]), u)
        square = floor_ste(v * v / 2.0 ** shift)
        dv = floor_ste((p["a1"] * square + p["a2"] * v + p["a3"] * u) / _COEF_ONE) + p["a0"] + drive
        du = floor_ste((p["b1"] * v + p["b2"] * u) / _COEF_ONE) + p["b3"]
        v_new = saturate(v + dv)
        u_new = saturate(u + du)
        spike_scale = max(self.params.scale * 2.0 ** shift, 1.0)
        return self.spike_grad((v_new - p["threshold"]) / spike_scale).float(), v_new, u_new
