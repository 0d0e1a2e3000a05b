"""Feed-forward spiking networks in float: dense synapses, one neuron model per layer.

A layer maps input spikes ``x[t]`` (time-major, [T, B, n_in]) to output spikes::

    I[t] = x[t] @ W.T        (no bias: the IP has none)
    spk[t], mem[t] = neuron(I[t], mem[t-1])

Layers are computed one after another over all timesteps (the synapse product for
the whole sequence at once, then the neuron loop), which gives the same spikes as
a timestep-by-timestep loop because there is no recurrence and no synaptic delay
(``overlay/CONTRACT.md``, "Order across layers").
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Dict, List, Sequence, Tuple

import torch
from torch import nn

from .neurons import LIF

NEURONS = ("lif",)


@dataclass
class NetworkConfig:
    """Topology and neuron parameters of a network: everything needed to rebuild it.

    ``sizes`` = [n_inputs, hidden..., n_outputs]; ``beta`` is the LIF leak per step,
    ``threshold`` the firing threshold in units of the synaptic current.
    """

    sizes: List[int]
    neuron: str = "lif"
    beta: float = 0.9
    threshold: float = 1.0
    spike_grad: str = "atan"

    def __post_init__(self):
        if len(self.sizes) < 2 or any(int(n) < 1 for n in self.sizes):
            raise ValueError(f"sizes must be at least [inputs, outputs], all >= 1; got {self.sizes}")
        if self.neuron not in NEURONS:
            raise ValueError(f"unknown neuron {self.neuron!r}; choose one of {', '.join(NEURONS)}")
        self.sizes = [int(n) for n in self.sizes]

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class NetworkOutput:
    """Output spikes [T, B, n_out], every layer's spikes, and final states per layer."""

    spikes: torch.Tensor
    rasters: List[torch.Tensor] = field(default_factory=list)
    final_states: List[Dict[str, torch.Tensor]] = field(default_factory=list)


def run_layers(layers: Sequence[nn.Module], x: torch.Tensor) -> NetworkOutput:
    """Apply spiking layers in order; each returns ``(spikes, final_state)``."""
    rasters, finals = [], []
    for layer in layers:
        x, state = layer(x)
        rasters.append(x)
        finals.append(state)
    return NetworkOutput(spikes=x, rasters=rasters, final_states=finals)


class SpikingLinear(nn.Module):
    """Dense synapses followed by a layer of float LIF neurons."""

    def __init__(self, n_in: int, n_out: int, beta: float, threshold: float, spike_grad: str):
        super().__init__()
        self.linear = nn.Linear(n_in, n_out, bias=False)
        self.neuron = LIF(beta=beta, threshold=threshold, spike_grad=spike_grad)

    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor, Dict[str, torch.Tensor]]:
        current = self.linear(x)
        mem = torch.zeros_like(current[0])
        spikes = []
        for t in range(current.shape[0]):
            spk, mem = self.neuron(current[t], mem)
            spikes.append(spk)
        return torch.stack(spikes), {"v": mem}


class SpikingMLP(nn.Module):
    """A float feed-forward SNN built from a :class:`NetworkConfig`."""

    def __init__(self, config: NetworkConfig):
        super().__init__()
        self.config = config
        pairs = zip(config.sizes[:-1], config.sizes[1:])
        self.layers = nn.ModuleList(
            SpikingLinear(n_in, n_out, config.beta, config.threshold, config.spike_grad) for n_in, n_out in pairs
        )

    def forward(self, x: torch.Tensor) -> NetworkOutput:
        return run_layers(self.layers, x)
