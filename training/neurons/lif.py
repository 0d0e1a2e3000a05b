"""Leaky integrate-and-fire neuron in float, the same model as ``snntorch.Leaky``.

With input current ``I[t]`` (output of the synapse layer, in threshold units of the
network's choosing), leak ``beta`` in [0, 1] and threshold ``theta``::

    reset[t] = H(mem[t-1] - theta)          # previous step's spike, no gradient
    mem[t]   = beta * mem[t-1] + I[t] - reset[t] * theta
    spk[t]   = H(mem[t] - theta)            # strict: fires when mem > theta

``mem[-1] = 0``. This is ``snn.Leaky(beta, threshold, reset_mechanism="subtract")``
with its default delayed reset, and the float twin of the contract's integer LIF
(``overlay/CONTRACT.md``). The spike's gradient is the chosen surrogate's, taken
with respect to ``(mem - theta) / theta``.
"""
from __future__ import annotations

from typing import Optional, Tuple

import torch
from torch import nn

from .. import surrogate


class LIF(nn.Module):
    """``spk, mem = lif(cur, mem)``: one timestep of a layer of LIF neurons.

    Example:
        >>> import torch
        >>> from pynq_snn.training.neurons.lif import LIF
        >>> lif = LIF(beta=0.5, threshold=1.0)
        >>> spk, mem = lif(torch.tensor([[0.6, 1.5, 0.0]]))  # first step: mem starts at 0
        >>> spk, mem
        (tensor([[0., 1., 0.]]), tensor([[0.6000, 1.5000, 0.0000]]))
        >>> spk, mem = lif(torch.tensor([[0.6, 0.0, 0.0]]), mem)  # neuron 1's spike subtracts the threshold
        >>> spk, mem
        (tensor([[0., 0., 0.]]), tensor([[ 0.9000, -0.2500,  0.0000]]))
    """

    #: State tensors after the spike in the call's return, by name.
    STATE_NAMES = ("v",)

    def __init__(self, beta: float = 0.9, threshold: float = 1.0, spike_grad: str = "atan"):
        super().__init__()
        if not 0.0 <= beta <= 1.0:
            raise ValueError(f"beta must be in [0, 1], got {beta}")
        if not threshold > 0:
            raise ValueError(f"threshold must be > 0, got {threshold}")
        self.beta = float(beta)
        self.threshold = float(threshold)
        self.spike = surrogate.get(spike_grad)

    def forward(self, cur: torch.Tensor, mem: Optional[torch.Tensor] = None) -> Tuple[torch.Tensor, torch.Tensor]:
        if mem is None:
            mem = torch.zeros_like(cur)
        reset = (mem > self.threshold).to(cur.dtype)
        mem = self.beta * mem + cur - reset * self.threshold
        spk = self.spike((mem - self.threshold) / self.threshold)
        return spk, mem
