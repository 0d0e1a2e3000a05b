"""Quantized LIF neuron: the contract's integer update, written in torch for QAT.

All tensors hold integers in state LSBs (``2**-(e+F)``), stored as float32; every
intermediate stays below 2**24, so float32 holds them exactly and eval mode gives
the IP's integers bit for bit. With ``beta_q`` (leak * 256) and ``theta``::

    leak  = floor(beta_q * v[t-1] / 256)           # floor, straight-through gradient
    reset = theta * H(v[t-1] - theta)               # previous step's spike, no gradient
    v[t]  = sat16(leak + I[t] - reset)              # I[t] already shifted by F
    s[t]  = H(v[t] - theta)                         # surrogate gradient

This is written independently of the emulator's numpy code (``overlay/neurons/lif.py``);
tests prove the two equal.
"""
from __future__ import annotations

from typing import Optional, Tuple

import torch

from ..overlay import formats
from ..training.neurons.lif import LIF
from .fixed_point import LayerFormat, floor_ste, lif_format, saturate


class QuantLIF(LIF):
    """``spk, v = qlif(drive, v)``: one timestep of LIF neurons in the IP's integers.

    A :class:`~pynq_snn.training.neurons.lif.LIF` (same parameters: ``beta`` in [0, 1],
    ``threshold`` > 0 in units of the synaptic current; same call shape) whose step is
    the contract's integer update. Its integers depend on the layer's weight scale,
    which QAT moves: the layer calls :meth:`quantize` with the current weight shift
    before stepping, and ``drive`` and ``v`` are in the state LSBs that call returns.

    Example:
        >>> import torch
        >>> neuron = QuantLIF(beta=0.5, threshold=1.0)
        >>> neuron.quantize(weight_shift=0, fan_in=1)  # e + F: 1.0 is 2**12 state LSBs
        12
        >>> spk, v = neuron(torch.tensor([5000.0]))
        >>> spk.item(), v.item()
        (1.0, 5000.0)
        >>> spk, v = neuron(torch.tensor([0.0]), v)  # floor(5000 / 2) - 4096
        >>> spk.item(), v.item()
        (0.0, -1596.0)
    """

    #: The IP's model this neuron runs as (``overlay/neurons``).
    hardware = "lif"

    def __init__(self, beta: float = 0.9, threshold: float = 1.0, spike_grad: str = "atan"):
        super().__init__(beta, threshold, spike_grad)
        self._format: Optional[LayerFormat] = None

    @classmethod
    def from_float(cls, neuron: LIF) -> "QuantLIF":
        """The quantized twin of a float LIF: same leak, threshold and surrogate."""
        quant = cls(neuron.beta, neuron.threshold)
        quant.spike = neuron.spike
        return quant

    def integer_format(self, weight_shift: int, fan_in: int) -> LayerFormat:
        """The layer's integers for weight scale ``2**-weight_shift``: ``F``, ``beta_q``, ``theta``."""
        return lif_format(weight_shift, fan_in, self.beta, self.threshold)

    def quantize(self, weight_shift: int, fan_in: int) -> int:
        """Fix the integers for the next steps; return the state LSB exponent ``e + F``."""
        self._format = self.integer_format(weight_shift, fan_in)
        return weight_shift + self._format.frac_bits

    def forward(self, drive: torch.Tensor, v: Optional[torch.Tensor] = None) -> Tuple[torch.Tensor, torch.Tensor]:
        if self._format is None:
            raise RuntimeError("call quantize(weight_shift, fan_in) before stepping a QuantLIF")
        beta_q, theta = self._format.params["beta"], self._format.params["threshold"]
        if v is None:
            v = torch.zeros_like(drive)
        leak = floor_ste(v * (beta_q / formats.BETA_ONE))
        reset = (v > theta).to(v.dtype) * theta
        v = saturate(leak + drive - reset)
        return self.spike((v - theta) / theta), v
