"""The quantized network: Brevitas 4-bit weights and the contract's integer neurons.

Each layer is a Brevitas ``QuantLinear`` (4-bit narrow-range weights in [-7, 7],
power-of-two scale ``2**-e`` from ``Int8WeightPerTensorFixedPoint``, no bias; the scale
is ``2**ceil(log2(m / 8))`` for ``m`` the largest ``|w|``, or with ``scale_percentile`` q < 100
the q-th percentile of ``|w|``, and the weights beyond 7 steps clip to ``±7``)
followed by a quantized neuron (:class:`~.qlif.QuantLIF`,
:class:`~.qizhikevich.QuantIzhikevich`) with the float neuron's call shape. The
current ``I * 2**-e`` of Brevitas's quantized weights is moved into state LSBs by
scaling those weights with ``2**(e+F)``, which is exact, so the forward pass *is* the
integer arithmetic of the IP in training and in eval mode alike.
"""
from __future__ import annotations

import math
from typing import Dict, Mapping, Optional, Tuple, Type

import snntorch as snn
import torch
from brevitas.nn import QuantLinear
from brevitas.inject.enum import StatsOp
from brevitas.quant import Int8WeightPerTensorFixedPoint
from brevitas.quant_tensor import QuantTensor
from torch import nn
from torch.nn import functional

from ..overlay import formats
from ..training.network import NetworkConfig, SpikingMLP, SpikingNetwork, run_neuron
from ..training.neurons.izhikevich import Izhikevich
from .fixed_point import LayerFormat, weight_shift_from_scale
from .qizhikevich import QuantIzhikevich
from .qlif import QuantLIF

#: The quantized twin of each float neuron class.
QUANT_NEURONS: Mapping[Type[nn.Module], Type[nn.Module]] = {snn.Leaky: QuantLIF, Izhikevich: QuantIzhikevich}


def quant_neuron(neuron: nn.Module) -> nn.Module:
    """The quantized twin of the float neuron ``neuron`` (its parameters copied)."""
    for float_class, quant_class in QUANT_NEURONS.items():
        if type(neuron) is float_class:
            return quant_class.from_float(neuron)
    names = ", ".join(cls.__name__ for cls in QUANT_NEURONS)
    raise ValueError(f"no quantized twin of {type(neuron).__name__}: the IP runs {names}")


class AbsPercentileTopK(nn.Module):
    """The ``q``-th percentile of ``|x|`` over the whole tensor, as Brevitas's ``AbsPercentile``
    defines it (the ``k``-th smallest, ``k = floor(q / 100 * n + 1/2)``), found as the least of the
    ``n - k + 1`` largest: ``topk`` of those few is half the time of ``kthvalue`` on a 784x512 layer,
    and the percentile is taken at every forward pass of QAT."""

    def __init__(self, high_percentile_q: float, stats_reduce_dim: Optional[int] = None, keepdim: bool = False):
        super().__init__()
        if stats_reduce_dim is not None or keepdim:
            raise ValueError("AbsPercentileTopK takes one percentile over the whole tensor")
        self.q = high_percentile_q

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        magnitudes = x.abs().reshape(-1)
        k = int(math.floor(0.01 * self.q * magnitudes.numel() + 0.5))
        return torch.topk(magnitudes, magnitudes.numel() - k + 1, sorted=False).values.min()


def quant_linear(n_in: int, n_out: int, scale_percentile: float = 100.0) -> QuantLinear:
    """The IP's synapses in Brevitas: 4-bit narrow-range weights in [-7, 7] with a power-of-two
    scale ``2**-e`` per layer (``Int8WeightPerTensorFixedPoint``), and no bias (the IP has none).

    The scale is ``2**ceil(log2(m / 8))`` (Brevitas's fixed point divides by ``2**(bits - 1)``), ``m``
    the ``scale_percentile``-th percentile of ``|w|``: at 100 (the default) the largest weight, which
    then lies within 8 steps (beyond 7 it clips to ``±7``); below 100, the largest few weights clip to
    ``±7`` and the rest get finer steps. Set by the largest weight, a layer's scale can leave most of
    its weights on the middle three levels (the 784-512-10 Fashion-MNIST network's hidden weights
    were 53% zero and 41% ±1 at 100)."""
    quant = Int8WeightPerTensorFixedPoint
    if scale_percentile < 100:
        quant = quant.let(scaling_stats_op=StatsOp.PERCENTILE, scaling_stats_impl=AbsPercentileTopK,
                          high_percentile_q=scale_percentile)
    return QuantLinear(n_in, n_out, bias=False, weight_quant=quant, weight_bit_width=formats.WEIGHT_BITS)


class QuantSpikingLinear(nn.Module):
    """4-bit dense synapses (Brevitas) followed by a quantized neuron.

    Args:
        n_in, n_out: inputs and neurons of the layer.
        neuron: a quantized neuron (``QuantLIF``, ``QuantIzhikevich``).
        gain_shift: the synaptic current is ``2**gain_shift`` times the weighted input
            sum (``NeuronKind.gain_shift``); it folds into the weight shift on export.
        scale_percentile: the percentile of ``|w|`` that sets the weights' scale (:func:`quant_linear`).
    """

    def __init__(self, n_in: int, n_out: int, neuron: nn.Module, gain_shift: int = 0,
                 scale_percentile: float = 100.0):
        super().__init__()
        self.linear = quant_linear(n_in, n_out, scale_percentile)
        self.neuron = neuron
        self.gain_shift = gain_shift

    @property
    def hardware(self) -> str:
        """The IP's name of this layer's neuron model."""
        return self.neuron.hardware

    def weight_shift(self) -> int:
        """``e`` of the current the weights make: Brevitas's scale times the input gain
        ``2**gain_shift`` is ``2**-e``."""
        return self._shift_of(self.linear.quant_weight())

    def _shift_of(self, weight: QuantTensor) -> int:
        """:meth:`weight_shift` of the quantized weight ``weight``."""
        return weight_shift_from_scale(float(weight.scale.detach()) * 2.0 ** self.gain_shift)

    def integer_weights(self) -> Tuple[torch.Tensor, int]:
        """Brevitas's own integer weights (int [n_out, n_in]) and the weight shift ``e``."""
        return self.linear.quant_weight().int().detach(), self.weight_shift()

    def integer_format(self) -> LayerFormat:
        """The layer's integers as they stand now: weight shift, F and neuron parameters."""
        return self.neuron.integer_format(self.weight_shift(), self.linear.in_features)

    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor, Dict[str, torch.Tensor]]:
        """``I = x @ (w_q * 2**(e+F+gain_shift)).T`` in state LSBs, then the neuron over the steps.

        Brevitas quantizes the weight once per call; its scale gives ``e`` and its value
        the product, as ``QuantLinear`` (no bias, no input or output quantizer) computes
        it. Scaling the weight rather than the current by the power of two is exact in
        float32, forward and backward.
        """
        weight = self.linear.quant_weight()
        state_shift = self.neuron.quantize(self._shift_of(weight), self.linear.in_features)
        return run_neuron(self.neuron, functional.linear(x, weight.value * 2.0 ** (state_shift + self.gain_shift)))


class QuantSpikingNetwork(SpikingNetwork):
    """A feed-forward chain of :class:`QuantSpikingLinear` layers, input side first.

    What export (:func:`~.export.to_artifact`) and verification take. Final states are
    returned in state LSBs (integers held in float tensors).
    """


class QuantSpikingMLP(QuantSpikingNetwork):
    """The 4-bit twin of :class:`~pynq_snn.training.network.SpikingMLP`, built from its config."""

    def __init__(self, config: NetworkConfig):
        shapes = zip(config.sizes[:-1], config.sizes[1:], config.layer_neurons())
        super().__init__([
            QuantSpikingLinear(n_in, n_out, quant_neuron(kind.neuron(config)), config.gain_shift(kind),
                               config.scale_percentile)
            for n_in, n_out, kind in shapes
        ])
        self.config = config

    @classmethod
    def from_float(cls, model: SpikingMLP) -> "QuantSpikingMLP":
        """Start QAT from a trained float network: same config, same float weights and neuron parameters."""
        quant = cls(model.config)
        with torch.no_grad():
            for q, f in zip(quant.layers, model.layers):
                q.linear.weight.copy_(f.linear.weight)
                q.neuron.load_state_dict(f.neuron.state_dict())
        return quant
