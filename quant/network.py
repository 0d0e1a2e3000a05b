"""The quantized network: Brevitas 4-bit weights and the contract's integer neurons.

Each layer is a Brevitas ``QuantLinear`` (4-bit narrow-range weights in [-7, 7],
power-of-two scale ``2**-e`` from ``Int8WeightPerTensorFixedPoint``, no bias)
followed by the quantized LIF of :mod:`.qlif`. The current ``I * 2**-e`` that
Brevitas computes is moved into state LSBs by multiplying with ``2**(e+F)``,
which is exact, so the forward pass *is* the integer arithmetic of the IP in
training and in eval mode alike.
"""
from __future__ import annotations

from typing import Dict, Tuple

import torch
from brevitas.nn import QuantLinear
from brevitas.quant import Int8WeightPerTensorFixedPoint
from torch import nn

from ..overlay import formats
from ..training import surrogate
from ..training.network import NetworkConfig, NetworkOutput, SpikingMLP, run_layers
from .fixed_point import LayerFormat, lif_format, weight_shift_from_scale
from .qlif import qlif_step


class QuantSpikingLinear(nn.Module):
    """4-bit dense synapses (Brevitas) followed by quantized LIF neurons."""

    def __init__(self, n_in: int, n_out: int, beta: float, threshold: float, spike_grad: str):
        super().__init__()
        self.linear = QuantLinear(
            n_in,
            n_out,
            bias=False,
            weight_quant=Int8WeightPerTensorFixedPoint,
            weight_bit_width=formats.WEIGHT_BITS,
        )
        self.beta = float(beta)
        self.threshold = float(threshold)
        self.spike = surrogate.get(spike_grad)

    def integer_weights(self) -> Tuple[torch.Tensor, int]:
        """Brevitas's own integer weights (int [n_out, n_in]) and the shift ``e``."""
        quant = self.linear.quant_weight()
        return quant.int().detach(), weight_shift_from_scale(float(quant.scale.detach()))

    def integer_format(self) -> LayerFormat:
        """The layer's integers as they stand now: weight shift, F, beta_q, theta."""
        scale = float(self.linear.quant_weight().scale.detach())
        return lif_format(weight_shift_from_scale(scale), self.linear.in_features, self.beta, self.threshold)

    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor, Dict[str, torch.Tensor]]:
        fmt = self.integer_format()
        current = self.linear(x) * (2.0 ** (fmt.weight_shift + fmt.frac_bits))
        v = torch.zeros_like(current[0])
        spikes = []
        for t in range(current.shape[0]):
            spk, v = qlif_step(current[t], v, fmt.beta, fmt.threshold, self.spike)
            spikes.append(spk)
        return torch.stack(spikes), {"v": v}


class QuantSpikingMLP(nn.Module):
    """The 4-bit twin of :class:`~pynq_snn.training.network.SpikingMLP`.

    Final states are returned in state LSBs (integers held in float32).
    """

    def __init__(self, config: NetworkConfig):
        super().__init__()
        self.config = config
        pairs = zip(config.sizes[:-1], config.sizes[1:])
        self.layers = nn.ModuleList(
            QuantSpikingLinear(n_in, n_out, config.beta, config.threshold, config.spike_grad)
            for n_in, n_out in pairs
        )

    def forward(self, x: torch.Tensor) -> NetworkOutput:
        return run_layers(self.layers, x)

    @classmethod
    def from_float(cls, model: SpikingMLP) -> "QuantSpikingMLP":
        """Start QAT from a trained float network: same config, same float weights."""
        quant = cls(model.config)
        with torch.no_grad():
            for q, f in zip(quant.layers, model.layers):
                q.linear.weight.copy_(f.linear.weight)
        return quant
