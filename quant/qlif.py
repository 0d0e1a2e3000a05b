"""Quantized LIF neuron: the contract's integer update, written in torch for QAT.

All tensors hold integers in state LSBs (``2**-(e+F)``), stored as float32; every
intermediate stays below 2**24, so float32 holds them exactly and eval mode gives
the IP's integers bit for bit. With ``beta_q`` (leak * 256) and ``theta``::

    leak  = floor(beta_q * v[t-1] / 256)           # floor, straight-through gradient
    reset = theta * H(v[t-1] - theta)               # previous step's spike, no gradient
    v[t]  = sat16(leak + I[t] - reset)              # I[t] already shifted by F
    s[t]  = H(v[t] - theta)                         # surrogate gradient

with ``v[-1] = v_init``, the initial membrane ``init_mem`` in state LSBs (so the first
step resets where ``v_init > theta``).

This is written independently of the emulator's numpy code (``overlay/neurons/lif.py``);
tests prove the two equal.
"""
from __future__ import annotations

import math
from typing import Optional, Tuple

import snntorch as snn
import torch

from ..overlay import formats
from ..training.neurons.lif import SpikeGrad, check_lif, spike_function
from .fixed_point import LayerFormat, floor_ste, lif_format, saturate


class QuantLIF(snn.Leaky):
    """``spk, v = qlif(drive, v)``: one timestep of LIF neurons in the IP's integers.

    An ``snn.Leaky`` (same parameters: ``beta`` in [0, 1], ``threshold`` > 0 in units
    of the synaptic current, ``spike_grad``; same call shape) whose step is the
    contract's integer update. ``init_mem``, in the units of ``threshold``, is where the
    membrane starts every sample (a call without ``v``); it becomes the integer
    ``v_init`` on the threshold's scale, so ``init_mem = threshold / 2`` starts at
    ``theta / 2`` (exactly, for an even ``theta``). Its integers depend on the layer's weight scale, which
    QAT moves: the layer calls :meth:`quantize` with the current weight shift before
    stepping, and ``drive`` and ``v`` are in the state LSBs that call returns. The
    surrogate sees ``(v - theta) / theta``, the membrane in units of the threshold.

    Example:
        >>> import torch
        >>> neuron = QuantLIF(beta=0.5, threshold=1.0)
        >>> neuron.quantize(weight_shift=0, fan_in=1)  # e + F: the threshold is 2**8 state LSBs
        8
        >>> spk, v = neuron(torch.tensor([300.0]))
        >>> spk.item(), v.item()
        (1.0, 300.0)
        >>> spk, v = neuron(torch.tensor([0.0]), v)  # floor(300 / 2) - 256
        >>> spk.item(), v.item()
        (0.0, -106.0)
        >>> half = QuantLIF(beta=1.0, threshold=1.0, init_mem=0.5)  # an integrate-and-fire neuron at theta / 2
        >>> half.quantize(weight_shift=0, fan_in=1)
        8
        >>> half.integer_format(weight_shift=0, fan_in=1).params
        {'beta': 256, 'threshold': 256, 'v_init': 128}
        >>> spk, v = half(torch.tensor([100.0]))  # 128 + 100
        >>> spk.item(), v.item()
        (0.0, 228.0)
    """

    #: The IP's model this neuron runs as (``overlay/neurons``).
    hardware = "lif"

    def __init__(self, beta: float = 0.9, threshold: float = 1.0, spike_grad: SpikeGrad = "atan",
                 init_mem: float = 0.0):
        check_lif(beta, threshold)
        if not math.isfinite(init_mem):
            raise ValueError(f"init_mem must be a finite number in the units of the threshold, got {init_mem!r}")
        super().__init__(beta=beta, threshold=threshold, spike_grad=spike_function(spike_grad),
                         reset_mechanism="subtract")
        self.init_mem = float(init_mem)
        self._format: Optional[LayerFormat] = None

    @classmethod
    def from_float(cls, neuron: snn.Leaky) -> "QuantLIF":
        """The quantized twin of a float ``snn.Leaky``: same leak, threshold and surrogate."""
        return cls(float(neuron.beta), float(neuron.threshold), neuron.spike_grad)

    def integer_format(self, weight_shift: int, fan_in: int) -> LayerFormat:
        """The layer's integers for weight scale ``2**-weight_shift``: ``F``, ``beta_q``, ``theta``, ``v_init``."""
        return lif_format(weight_shift, fan_in, float(self.beta), float(self.threshold), self.init_mem)

    def quantize(self, weight_shift: int, fan_in: int) -> int:
        """Fix the integers for the next steps; return the state LSB exponent ``e + F``."""
        self._format = self.integer_format(weight_shift, fan_in)
        return weight_shift + self._format.frac_bits

    def forward(self, drive: torch.Tensor, v: Optional[torch.Tensor] = None) -> Tuple[torch.Tensor, torch.Tensor]:
        if self._format is None:
            raise RuntimeError("call quantize(weight_shift, fan_in) before stepping a QuantLIF")
        beta_q, theta = self._format.params["beta"], self._format.params["threshold"]
        if v is None:
            v = torch.full_like(drive, self._format.params["v_init"])
        leak = floor_ste(v * (beta_q / formats.BETA_ONE))
        reset = (v > theta).to(v.dtype) * theta
        v = saturate(leak + drive - reset)
        return self.spike_grad((v - theta) / theta), v
