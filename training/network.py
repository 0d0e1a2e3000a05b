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
from typing import Dict, List, Optional, Sequence, Tuple

import torch
from torch import nn

from .neurons import NeuronKind, neuron_kind
from .options import (DataDefaults, TrainOptions, check_gain_shift, check_izhikevich_threshold,
                      check_izhikevich_threshold_fits, check_scale_percentile)


@dataclass
class NetworkConfig:
    """Topology and neuron parameters of a network: everything needed to rebuild it.

    ``sizes`` = [n_inputs, hidden..., n_outputs]. ``neuron`` is every layer's model
    unless ``output_neuron`` names another one for the last layer. LIF layers use
    ``beta`` (leak per step) and ``threshold`` (in units of the synaptic current);
    Izhikevich layers use the named ``preset``, trained too if ``learn_params``.
    ``scale_percentile`` sets the 4-bit twin's weight scales (``quant/network.py``).
    ``izhikevich_gain_shift`` multiplies the current into every Izhikevich layer by
    ``2**izhikevich_gain_shift`` on top of its model's own gain (``NeuronKind.gain_shift``):
    a power of two, which folds into the weight scale on export and costs the IP nothing.
    ``izhikevich_threshold`` replaces the preset's ``v_th`` in every Izhikevich layer (``None``:
    the preset's).
    The defaults are ``pynq-snn train``'s (``training/options.py``).
    """

    sizes: List[int]
    neuron: str = TrainOptions.neuron
    beta: float = DataDefaults.beta
    threshold: float = TrainOptions.threshold
    spike_grad: str = TrainOptions.spike_grad
    output_neuron: Optional[str] = TrainOptions.output_neuron
    preset: str = TrainOptions.preset
    learn_params: bool = TrainOptions.learn_params
    scale_percentile: float = 100.0
    izhikevich_gain_shift: int = 0
    izhikevich_threshold: Optional[float] = None

    def __post_init__(self):
        check_scale_percentile(self.scale_percentile)
        check_gain_shift(self.izhikevich_gain_shift)
        check_izhikevich_threshold(self.izhikevich_threshold)
        if len(self.sizes) < 2 or any(int(n) < 1 for n in self.sizes):
            raise ValueError(f"sizes must be at least [inputs, outputs], all >= 1; got {self.sizes}")
        models = [self.neuron, self.output_neuron or self.neuron]
        for name in models:
            kind = neuron_kind(name)  # an unknown model, or preset of an Izhikevich one, fails here
            if kind.presets:
                kind.preset(self.preset)
        check_izhikevich_threshold_fits(self.izhikevich_threshold, models, [self.preset])
        self.sizes = [int(n) for n in self.sizes]

    @classmethod
    def from_options(cls, options: TrainOptions, sizes: Sequence[int]) -> "NetworkConfig":
        """The network ``options`` describe (resolved: no ``None`` left) with topology ``sizes``."""
        return cls(sizes=list(sizes), neuron=options.neuron, output_neuron=options.output_neuron,
                   preset=options.preset, learn_params=options.learn_params, beta=options.beta,
                   threshold=options.threshold, spike_grad=options.spike_grad,
                   scale_percentile=options.scale_percentile, izhikevich_gain_shift=options.izhikevich_gain_shift,
                   izhikevich_threshold=options.izhikevich_threshold)

    def layer_neurons(self) -> List[NeuronKind]:
        """The neuron model of each layer, first to last."""
        hidden = [self.neuron] * (len(self.sizes) - 2)
        return [neuron_kind(name) for name in hidden + [self.output_neuron or self.neuron]]

    def gain_shift(self, kind: NeuronKind) -> int:
        """The current gain of a layer of model ``kind``, as a power of two: the model's own, plus
        ``izhikevich_gain_shift`` for an Izhikevich model."""
        return kind.gain_shift + (self.izhikevich_gain_shift if kind.presets else 0)

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class NetworkOutput:
    """Output spikes [T, B, n_out], every layer's spikes, and final states per layer."""

    spikes: torch.Tensor
    rasters: List[torch.Tensor] = field(default_factory=list)
    final_states: List[Dict[str, torch.Tensor]] = field(default_factory=list)


def run_neuron(neuron: nn.Module, current: torch.Tensor) -> Tuple[torch.Tensor, Dict[str, torch.Tensor]]:
    """Step ``neuron`` (snnTorch's call shape ``spk, *state = neuron(cur, *state)``) over current [T, B, n].

    The neuron's hidden state is reset first (``reset_mem``), so every call starts a
    fresh sample. Returns the spikes [T, B, n] and the final state by name:
    ``neuron.STATE_NAMES``, or ``("v",)`` for snnTorch's one-state neurons
    (``snn.Leaky`` returns ``(spk, mem)``).

    The steps are taken with ``unbind``: its backward stacks the T step gradients
    once, where indexing ``current[t]`` would fill a zero gradient of the whole
    [T, B, n] current for every step (T**2 work: a quarter of a 4-bit training step
    of 784-512-10 at T=25, half of it at T=100).
    """
    neuron.reset_mem()
    state: tuple = ()
    spikes = []
    for step in current.unbind(0):
        spk, *state = neuron(step, *state)
        spikes.append(spk)
    return torch.stack(spikes), dict(zip(getattr(neuron, "STATE_NAMES", ("v",)), state))


def run_layers(layers: Sequence[nn.Module], x: torch.Tensor) -> NetworkOutput:
    """Apply spiking layers in order; each returns ``(spikes, final_state)``."""
    rasters, finals = [], []
    for layer in layers:
        x, state = layer(x)
        rasters.append(x)
        finals.append(state)
    return NetworkOutput(spikes=x, rasters=rasters, final_states=finals)


class SpikingLinear(nn.Module):
    """Dense synapses followed by a layer of float spiking neurons.

    The current is ``(x @ W.T) * 2**gain_shift`` (``NeuronKind.gain_shift`` of the model).
    """

    def __init__(self, n_in: int, n_out: int, neuron: nn.Module, gain_shift: int = 0):
        super().__init__()
        self.linear = nn.Linear(n_in, n_out, bias=False)
        self.neuron = neuron
        self.gain_shift = gain_shift

    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor, Dict[str, torch.Tensor]]:
        return run_neuron(self.neuron, self.linear(x) * 2.0 ** self.gain_shift)


class SpikingNetwork(nn.Module):
    """A feed-forward chain of spiking layers, input side first: :class:`SpikingLinear`
    layers, or their quantized twins. Each layer has a ``linear`` with ``in_features``
    and ``out_features``; the chain is checked on construction."""

    def __init__(self, layers: Sequence[nn.Module]):
        super().__init__()
        layers = list(layers)
        if not layers:
            raise ValueError("a network needs at least one layer")
        for index, (before, after) in enumerate(zip(layers[:-1], layers[1:])):
            if before.linear.out_features != after.linear.in_features:
                raise ValueError(f"layer {index + 1} takes {after.linear.in_features} inputs, layer {index} "
                                 f"has {before.linear.out_features} neurons (layers must chain)")
        self.layers = nn.ModuleList(layers)

    @property
    def n_inputs(self) -> int:
        """Input channels of the first layer."""
        return self.layers[0].linear.in_features

    def forward(self, x: torch.Tensor) -> NetworkOutput:
        return run_layers(self.layers, x)


class SpikingMLP(SpikingNetwork):
    """A float feed-forward SNN built from a :class:`NetworkConfig`."""

    def __init__(self, config: NetworkConfig):
        shapes = zip(config.sizes[:-1], config.sizes[1:], config.layer_neurons())
        super().__init__([SpikingLinear(n_in, n_out, kind.neuron(config), config.gain_shift(kind))
                          for n_in, n_out, kind in shapes])
        self.config = config
