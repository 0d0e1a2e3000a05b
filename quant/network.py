"""The quantized network: Brevitas 4-bit weights and the contract's integer neurons.

Each layer is a Brevitas ``QuantLinear`` (4-bit narrow-range weights in [-7, 7],
power-of-two scale ``2**-e`` from ``Int8WeightPerTensorFixedPoint``, no bias)
followed by the quantized LIF of :mod:`.qlif` or Izhikevich of :mod:`.qizhikevich`. The current ``I * 2**-e`` that
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
from ..training.neurons.izhikevich import INPUT_GAIN_SHIFT, IzhikevichParameters
from .fixed_point import (
    LayerFormat,
    izhikevich_frac_bits,
    izhikevich_integers,
    lif_format,
    weight_shift_from_scale,
)
from .qizhikevich import qizh_step
from .qlif import qlif_step


class QuantSpikingLinear(nn.Module):
    """4-bit dense synapses (Brevitas) followed by quantized neurons of one model.

    ``kind`` is "lif" (params: a dict of ``beta``, ``threshold``) or an Izhikevich
    model ("izh-norm", "izh"; params: an IzhikevichParams, learnable if ``learn``).
    """

    def __init__(self, n_in: int, n_out: int, kind: str, params, spike_grad: str, learn: bool = False):
        super().__init__()
        self.linear = QuantLinear(
            n_in,
            n_out,
            bias=False,
            weight_quant=Int8WeightPerTensorFixedPoint,
            weight_bit_width=formats.WEIGHT_BITS,
        )
        self.kind = kind
        self.gain_shift = INPUT_GAIN_SHIFT[kind]
        if kind == "lif":
            self.params = params
        else:
            self.izhikevich = IzhikevichParameters(params, learn)
        self.spike = surrogate.get(spike_grad)

    @property
    def artifact_neuron(self) -> str:
        """The IP's name of this layer's neuron model."""
        return "lif" if self.kind == "lif" else "izhikevich"

    def integer_weights(self) -> Tuple[torch.Tensor, int]:
        """Brevitas's own integer weights (int [n_out, n_in]) and the weight shift ``e``
        of the current they make: Brevitas's scale times the input gain ``2**gain_shift``."""
        quant = self.linear.quant_weight()
        return quant.int().detach(), self._weight_shift(quant)

    def _weight_shift(self, quant) -> int:
        return weight_shift_from_scale(float(quant.scale.detach()) * 2.0 ** self.gain_shift)

    def integer_format(self) -> LayerFormat:
        """The layer's integers as they stand now: weight shift, F and neuron parameters."""
        shift = self._weight_shift(self.linear.quant_weight())
        if self.kind == "lif":
            return lif_format(shift, self.linear.in_features, self.params["beta"], self.params["threshold"])
        frac_bits, integers = self._izhikevich_integers(shift)
        return LayerFormat(shift, frac_bits, {name: int(value) for name, value in integers.items()})

    def _izhikevich_integers(self, weight_shift: int) -> Tuple[int, Dict[str, torch.Tensor]]:
        """``F`` and the Izhikevich parameters as straight-through integer tensors."""
        frac_bits = izhikevich_frac_bits(weight_shift, self.linear.in_features, self.izhikevich.scale)
        return frac_bits, izhikevich_integers(self.izhikevich, weight_shift + frac_bits)

    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor, Dict[str, torch.Tensor]]:
        spikes = []
        if self.kind == "lif":
            fmt = self.integer_format()
            drive = self.linear(x) * 2.0 ** (fmt.weight_shift + fmt.frac_bits + self.gain_shift)
            v = torch.zeros_like(drive[0])
            for t in range(drive.shape[0]):
                spk, v = qlif_step(drive[t], v, fmt.params["beta"], fmt.params["threshold"], self.spike)
                spikes.append(spk)
            return torch.stack(spikes), {"v": v}
        weight_shift = self._weight_shift(self.linear.quant_weight())
        frac_bits, p = self._izhikevich_integers(weight_shift)
        shift = weight_shift + frac_bits
        drive = (self.linear(x) * 2.0 ** (shift + self.gain_shift)).double()
        v = p["v_init"].expand_as(drive[0])
        u = p["u_init"].expand_as(drive[0])
        spike_scale = max(self.izhikevich.scale * 2.0 ** shift, 1.0)
        for t in range(drive.shape[0]):
            spk, v, u = qizh_step(drive[t], v, u, p, shift, self.spike, spike_scale)
            spikes.append(spk.float())
        return torch.stack(spikes), {"v": v, "u": u}


def neuron_params(kind: str, config: NetworkConfig):
    """Float neuron parameters of a layer of model ``kind``."""
    if kind == "lif":
        return {"beta": config.beta, "threshold": config.threshold}
    return config.izhikevich_params(kind)


class QuantSpikingMLP(nn.Module):
    """The 4-bit twin of :class:`~pynq_snn.training.network.SpikingMLP`.

    Final states are returned in state LSBs (integers held in float32).
    """

    def __init__(self, config: NetworkConfig):
        super().__init__()
        self.config = config
        shapes = zip(config.sizes[:-1], config.sizes[1:], config.layer_neurons())
        self.layers = nn.ModuleList(
            QuantSpikingLinear(n_in, n_out, kind, neuron_params(kind, config), config.spike_grad, config.learn_params)
            for n_in, n_out, kind in shapes
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
                if q.kind != "lif":
                    q.izhikevich.load_state_dict(f.neuron.params.state_dict())
        return quant
