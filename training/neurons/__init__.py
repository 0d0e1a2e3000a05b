"""Float spiking neuron models: snnTorch neurons, ``spk, mem = neuron(cur, mem)``.

:data:`NEURONS` is the registry of the models a network layer can use, by the name
the command line and :class:`~pynq_snn.training.network.NetworkConfig` spell: the
LIF neuron (``snn.Leaky`` itself), and the normalized and standard Izhikevich
neurons (``snntorch.SpikingNeuron`` subclasses), which run on the
IP's one Izhikevich datapath with different parameters (``overlay/CONTRACT.md``).
The registry imports no torch, so the command line lists the models cheaply; the
modules (``lif.py``, ``izhikevich.py``) are imported when a neuron is built.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable, Mapping

from .presets import NORMALIZED_PRESETS, STANDARD_PRESETS, IzhikevichParams

if TYPE_CHECKING:  # pragma: no cover
    from torch import nn


@dataclass(frozen=True)
class NeuronKind:
    """One float neuron model a layer can use.

    Attributes:
        name: the model's name (``--neuron``).
        summary: one line for help texts.
        gain_shift: the synaptic current reaching the membrane is ``2**gain_shift``
            times the weighted input sum (a power of two: it folds into the weight
            scale on export and costs the IP nothing).
        presets: named parameter sets (Izhikevich models); empty for a model that
            takes ``beta`` and ``threshold``.
        build: ``build(config, kind)``: the float neuron module of a layer, from a
            ``NetworkConfig`` (``beta``, ``threshold``, ``preset``, ``spike_grad``,
            ``learn_params``, ``izhikevich_threshold``).
    """

    name: str
    summary: str
    gain_shift: int
    presets: Mapping[str, IzhikevichParams]
    build: Callable[[object, "NeuronKind"], "nn.Module"]

    def neuron(self, config) -> "nn.Module":
        """The float neuron module of a layer of this model, from a ``NetworkConfig``."""
        return self.build(config, self)

    def preset(self, name: str) -> IzhikevichParams:
        """The preset ``name``; ValueError lists the model's presets."""
        if not self.presets:
            raise ValueError(f"unknown Izhikevich model {self.name!r}: it has no presets")
        if name not in self.presets:
            raise ValueError(f"unknown {self.name} preset {name!r}; choose one of {', '.join(self.presets)}")
        return self.presets[name]


def _lif(config, kind: NeuronKind) -> "nn.Module":
    from .lif import leaky

    return leaky(beta=config.beta, threshold=config.threshold, spike_grad=config.spike_grad)


def _izhikevich(config, kind: NeuronKind) -> "nn.Module":
    from .izhikevich import Izhikevich

    return Izhikevich(kind.preset(config.preset), spike_grad=config.spike_grad,
                      threshold=config.izhikevich_threshold, learn=config.learn_params)


#: Every float neuron model by name. The standard model's current is 64 mV per unit
#: weight (``gain_shift`` 6), so the trained weights stay near 1 and Adam's steps fit them.
NEURONS: Mapping[str, NeuronKind] = {
    kind.name: kind
    for kind in (
        NeuronKind("lif", "leaky integrate-and-fire, snn.Leaky's model", 0, {}, _lif),
        NeuronKind("izh-norm", "normalized Izhikevich (Liu et al. 2024)", 0, NORMALIZED_PRESETS, _izhikevich),
        NeuronKind("izh", "standard Izhikevich in mV (Izhikevich 2003)", 6, STANDARD_PRESETS, _izhikevich),
    )
}


def neuron_kind(name: str) -> NeuronKind:
    """The registered model ``name``; ValueError lists the choices."""
    if name not in NEURONS:
        raise ValueError(f"unknown neuron {name!r}; choose one of {', '.join(NEURONS)}")
    return NEURONS[name]


def preset(model: str, name: str) -> IzhikevichParams:
    """The preset ``name`` of the Izhikevich model ``model`` ("izh-norm" or "izh")."""
    if model not in NEURONS or not NEURONS[model].presets:
        raise ValueError(f"unknown Izhikevich model {model!r}; choose one of "
                         f"{', '.join(k.name for k in NEURONS.values() if k.presets)}")
    return NEURONS[model].preset(name)


__all__ = ["NEURONS", "NeuronKind", "neuron_kind", "preset"]
