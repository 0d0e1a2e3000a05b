"""Conversion of a QCFS ANN (:mod:`.qcfs`) into integrate-and-fire layers the IP runs.

Layer ``l`` of the ANN computes ``a_l = h_l(W_l a_{l-1})`` with ``a_0`` the input rates.
Its IF twin receives the previous layer's spikes, whose rate is ``a_{l-1} / lambda_{l-1}``
(``lambda_0 = 1``: the rate code's spike probabilities), so with the same 4-bit weights it
needs, in units of the synaptic current::

    threshold_l = lambda_l / lambda_{l-1},   v_init_l = threshold_l / 2,   beta = 1 (beta_q = 256)

and subtractive reset (the contract's LIF). The spike count of an IF neuron over ``T``
steps with a constant current ``z`` per step is then ``clip(floor(z T / theta + 1/2), 0, T)``,
QCFS with ``L = T`` and ``lambda = theta`` (the integer form, ties aside, is proven in
``tests/test_convert.py``); over ``T`` steps a layer's count means ``lambda_l * count / T``.
The output layer is read out by spike count (``CONTRACT.md``, "Readout").

The IP compares ``v > theta`` strictly, so where ``z T / theta + 1/2`` is exactly an integer
the IF count is one lower than QCFS's ``floor``: with ``theta`` near 4096 state LSBs
(``quant/fixed_point.py``) that is a 1-LSB boundary of each level.
"""
from __future__ import annotations

from typing import List

import torch

from .network import QuantSpikingLinear, QuantSpikingNetwork
from .qcfs import QcfsNet
from .qlif import QuantLIF

#: The IF neuron's leak: none (``beta_q = 256``).
IF_BETA = 1.0


def if_thresholds(ann: QcfsNet) -> List[float]:
    """Each layer's IF threshold ``lambda_l / lambda_{l-1}`` (``lambda_0 = 1``), in units of the synaptic current."""
    lambdas = ann.lambdas()
    return [lam / before for lam, before in zip(lambdas, [1.0] + lambdas[:-1])]


def qcfs_to_snn(ann: QcfsNet, spike_grad: str = "atan") -> QuantSpikingNetwork:
    """The IF network of ``ann`` (module docstring): the same Brevitas weights and quantizer, each
    layer a :class:`~.qlif.QuantLIF` with ``beta = 1``, its threshold and ``v_init = threshold / 2``.
    ``spike_grad`` is the surrogate that fine-tuning trains with.

    Example:
        >>> import torch
        >>> from pynq_snn.quant.qcfs import QcfsNet
        >>> _ = torch.manual_seed(0)
        >>> snn = qcfs_to_snn(QcfsNet([4, 3, 2], levels=4))
        >>> [layer.integer_format().params["beta"] for layer in snn.layers]
        [256, 256]
    """
    layers = []
    for layer, threshold in zip(ann.layers, if_thresholds(ann)):
        neuron = QuantLIF(beta=IF_BETA, threshold=threshold, spike_grad=spike_grad, init_mem=threshold / 2)
        twin = QuantSpikingLinear(layer.linear.in_features, layer.linear.out_features, neuron)
        with torch.no_grad():
            twin.linear.load_state_dict(layer.linear.state_dict())
        layers.append(twin)
    return QuantSpikingNetwork(layers).eval()
