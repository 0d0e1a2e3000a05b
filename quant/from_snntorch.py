"""Your snnTorch model in: a chain of ``nn.Linear`` and spiking neurons becomes the QAT network.

:func:`from_snntorch` reads a model's layers in the order they were registered
(``nn.Sequential``, or a module whose ``forward`` runs its ``nn.Linear`` layers and
neurons one after another, e.g. ``fc1, lif1, fc2, lif2``) and returns the toolkit's
:class:`~.network.QuantSpikingNetwork` with the float weights and neuron parameters
copied, ready for 4-bit QAT (``training.trainer.fit``), export (``export.to_artifact``)
and verification. :func:`float_network` gives the same layers as the toolkit's float
network, which computes the model's own spikes.

What the IP runs, and so what converts:

* ``nn.Linear`` without a bias, or with an all-zero one (the IP has no bias);
* ``snn.Leaky`` with ``reset_mechanism="subtract"`` and the default delayed reset, any
  ``beta`` in [0, 1] and ``threshold`` > 0 (one value per layer; a learned one is taken
  at its current value), ``init_hidden`` True or False;
* the toolkit's Izhikevich neurons (``training.neurons.izhikevich.Izhikevich``);
* ``nn.Flatten`` and ``nn.Identity`` (no-ops on [batch, features]).

Anything else is refused with one error that lists every offending layer and why.
"""
from __future__ import annotations

import copy
from typing import List, Sequence, Tuple

import snntorch as snn
import torch
from torch import nn

from ..training.network import SpikingLinear, SpikingNetwork
from ..training.neurons.izhikevich import Izhikevich
from .network import QuantSpikingLinear, QuantSpikingNetwork, quant_neuron

#: Modules that change nothing on [batch, features] inputs.
_PASS_THROUGH = (nn.Flatten, nn.Identity)
#: snnTorch neurons with their own recurrence, by the name the error uses.
_RECURRENT = (snn.RLeaky, snn.RSynaptic, nn.RNNBase)
#: Why a module the IP cannot run is refused, by type (first match wins).
_REFUSED: Sequence[Tuple[type, str]] = (
    (_RECURRENT, "recurrent layers: the IP is feed-forward"),
    ((nn.Conv1d, nn.Conv2d, nn.Conv3d), "convolutions: the IP has dense layers only"),
    (snn.Synaptic, "snn.Synaptic (a synaptic current state): the IP's LIF has the membrane alone"),
)


class ConversionError(ValueError):
    """The model holds what the IP cannot run; ``problems`` lists every one."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = list(problems)
        lines = "\n".join(f"  - {problem}" for problem in self.problems)
        super().__init__(f"the model cannot run on the SNN core IP:\n{lines}")


def _value(parameter: torch.Tensor) -> float:
    """A layer's one value of a scalar or per-neuron (all equal) parameter, as it stands now."""
    return float(parameter.detach().flatten()[0])


def _leaky_problems(neuron: snn.Leaky) -> List[str]:
    found = []
    if neuron.reset_mechanism != "subtract":
        found.append(f"reset_mechanism={neuron.reset_mechanism!r}: the IP resets by subtraction")
    if not neuron.reset_delay:
        found.append("reset_delay=False: the IP subtracts the threshold one step after the spike")
    for name in ("beta", "threshold"):
        value = getattr(neuron, name).detach().flatten()
        if value.numel() > 1 and not torch.all(value == value[0]):
            found.append(f"a per-neuron {name}: the IP holds one {name} per layer")
    beta, threshold = _value(neuron.beta), _value(neuron.threshold)
    if not 0.0 <= beta <= 1.0:
        found.append(f"beta {beta} outside [0, 1]")
    if not threshold > 0:
        found.append(f"threshold {threshold} not > 0")
    if neuron.inhibition:
        found.append("inhibition=True: the IP has no winner-take-all")
    if neuron.state_quant:
        found.append("state_quant: the IP quantizes the state its own way")
    return found


def _neuron_problems(module: nn.Module) -> List[str]:
    if type(module) is snn.Leaky:
        return _leaky_problems(module)
    if type(module) is Izhikevich:
        return []
    for types, why in _REFUSED:
        if isinstance(module, types):
            return [why]
    return [f"{type(module).__name__}: the IP runs snn.Leaky and the toolkit's Izhikevich neurons"]


def _plain_leaky(neuron: snn.Leaky) -> snn.Leaky:
    """A copy of ``neuron`` that takes and returns its state (``init_hidden=False``), one value
    per layer, the same surrogate."""
    return snn.Leaky(beta=_value(neuron.beta), threshold=_value(neuron.threshold),
                     spike_grad=neuron.spike_grad, reset_mechanism="subtract")


def _plain_izhikevich(neuron: Izhikevich) -> Izhikevich:
    """A copy of ``neuron`` (learnable parameters included) that takes and returns its states."""
    plain = copy.deepcopy(neuron)
    plain.init_hidden = plain.output = False
    plain.reset_mem()
    return plain


def _leaves(module: nn.Module) -> List[nn.Module]:
    """The layers of ``module`` in registration order: spiking neurons (which may hold modules of
    their own) and modules without children."""
    children = list(module.children())
    if isinstance(module, snn.SpikingNeuron) or not children:
        return [module]
    return [leaf for child in children for leaf in _leaves(child)]


def _layers(model: nn.Module) -> List[Tuple[nn.Linear, nn.Module]]:
    """The model's (Linear, neuron) pairs in order; ConversionError lists every problem."""
    if not isinstance(model, nn.Module):
        raise TypeError(f"from_snntorch takes a torch nn.Module, got {type(model).__name__}")
    modules = [m for m in _leaves(model) if not isinstance(m, _PASS_THROUGH)]
    problems, pairs, pending = [], [], None
    for index, module in enumerate(modules):
        where = f"module {index} ({type(module).__name__})"
        if isinstance(module, nn.Linear):
            if pending is not None:
                problems.append(f"{where}: two Linear layers in a row; a neuron must follow each Linear")
            if module.bias is not None and torch.any(module.bias != 0):
                problems.append(f"{where}: a non-zero bias; the IP has none (bias=False)")
            pending = module
            continue
        found = _neuron_problems(module)
        problems.extend(f"{where}: {problem}" for problem in found)
        if not found:
            if pending is None:
                problems.append(f"{where}: a neuron without a Linear layer before it")
            else:
                pairs.append((pending, module))
        pending = None
    if pending is not None:
        problems.append("the model ends with a Linear layer: the IP's layers end in spiking neurons")
    if not pairs and not problems:
        problems.append("no Linear layer followed by a neuron: nothing to run")
    for (before, _), (after, _) in zip(pairs[:-1], pairs[1:]):
        if before.out_features != after.in_features:
            problems.append(f"a Linear of {after.in_features} inputs follows {before.out_features} neurons")
    if problems:
        raise ConversionError(problems)
    return pairs


def float_network(model: nn.Module) -> SpikingNetwork:
    """``model``'s layers as the toolkit's float network (weights and neuron parameters copied).

    Its spikes equal those of ``model`` stepped over time with fresh states; raises
    :class:`ConversionError` for what the IP cannot run.
    """
    layers = []
    for linear, neuron in _layers(model):
        plain = _plain_leaky(neuron) if type(neuron) is snn.Leaky else _plain_izhikevich(neuron)
        layer = SpikingLinear(linear.in_features, linear.out_features, plain)
        with torch.no_grad():
            layer.linear.weight.copy_(linear.weight)
        layers.append(layer)
    return SpikingNetwork(layers)


def from_snntorch(model: nn.Module) -> QuantSpikingNetwork:
    """The toolkit's 4-bit QAT network of an snnTorch ``model``, float weights copied.

    Raises:
        ConversionError: every layer the IP cannot run, each with the reason.

    Example:
        >>> import snntorch as snn
        >>> import torch
        >>> from pynq_snn.quant.from_snntorch import from_snntorch
        >>> net = torch.nn.Sequential(torch.nn.Linear(4, 3, bias=False), snn.Leaky(beta=0.9),
        ...                           torch.nn.Linear(3, 2, bias=False), snn.Leaky(beta=0.8))
        >>> quant = from_snntorch(net)
        >>> [layer.hardware for layer in quant.layers], quant.n_inputs
        (['lif', 'lif'], 4)
        >>> from_snntorch(torch.nn.Sequential(torch.nn.Linear(4, 3), snn.Leaky(beta=0.9, reset_mechanism="zero")))
        Traceback (most recent call last):
        ...
        pynq_snn.quant.from_snntorch.ConversionError: the model cannot run on the SNN core IP:
          - module 0 (Linear): a non-zero bias; the IP has none (bias=False)
          - module 1 (Leaky): reset_mechanism='zero': the IP resets by subtraction
    """
    layers = []
    for layer in float_network(model).layers:
        quant = QuantSpikingLinear(layer.linear.in_features, layer.linear.out_features, quant_neuron(layer.neuron),
                                   layer.gain_shift)
        with torch.no_grad():
            quant.linear.weight.copy_(layer.linear.weight)
        layers.append(quant)
    return QuantSpikingNetwork(layers)
