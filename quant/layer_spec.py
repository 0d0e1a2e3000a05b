"""A quantized network's layers as plain values, and back.

How a checkpoint records a network that was not built from one
:class:`~pynq_snn.training.network.NetworkConfig` (one beta and threshold for all
layers): a graph read by :func:`~.nir_in.from_nir`, a model converted by
:func:`~.from_snntorch.from_snntorch`. One spec per layer, JSON-able::

    {"n_in": int, "n_out": int, "gain_shift": int, "neuron": neuron}
    neuron = {"model": "lif", "beta": float, "threshold": float, "init_mem": float}
           | {"model": "izhikevich", "params": {"a1": float, ..., "u_init": float},
              "scale": float, "learn": bool}

``model`` is the IP's name of the neuron model (``hardware``); ``beta`` is per timestep
in [0, 1], ``threshold``, the LIF's initial membrane ``init_mem`` (0 where a spec lacks
it, as specs written before it do) and the Izhikevich levels are in units of the synaptic current
(of ``v`` for Izhikevich), ``scale`` is the largest level the state holds, which fixes the
layer's fixed point. The state dict restores the weights and any learned value. The
surrogate gradient is not recorded: a rebuilt network trains with ``atan``.
"""
from __future__ import annotations

from typing import Callable, Dict, List

import torch
from torch import nn

from ..training.neurons.presets import IzhikevichParams
from .network import QuantSpikingLinear, QuantSpikingNetwork
from .qizhikevich import QuantIzhikevich
from .qlif import QuantLIF


def _lif_spec(neuron: QuantLIF) -> dict:
    return {"model": "lif", "beta": float(neuron.beta), "threshold": float(neuron.threshold),
            "init_mem": neuron.init_mem}


def _izhikevich_spec(neuron: QuantIzhikevich) -> dict:
    params = neuron.params
    return {"model": "izhikevich", "params": params.current().to_dict(), "scale": float(params.scale),
            "learn": isinstance(params.a1, nn.Parameter)}


def _lif(spec: dict) -> QuantLIF:
    return QuantLIF(beta=float(spec["beta"]), threshold=float(spec["threshold"]),
                    init_mem=float(spec.get("init_mem", 0.0)))


def _izhikevich(spec: dict) -> QuantIzhikevich:
    neuron = QuantIzhikevich(IzhikevichParams(**spec["params"]), learn=bool(spec["learn"]))
    neuron.params.scale = float(spec["scale"])
    return neuron


#: The spec of a quantized neuron and the neuron of a spec, by the IP's model name.
_SPECS: Dict[str, Callable[[nn.Module], dict]] = {"lif": _lif_spec, "izhikevich": _izhikevich_spec}
_NEURONS: Dict[str, Callable[[dict], nn.Module]] = {"lif": _lif, "izhikevich": _izhikevich}


def layer_specs(model: QuantSpikingNetwork) -> List[dict]:
    """Every layer of ``model`` as a spec (see the module docstring), input side first."""
    with torch.no_grad():
        return [{"n_in": layer.linear.in_features, "n_out": layer.linear.out_features,
                 "gain_shift": int(layer.gain_shift), "neuron": _SPECS[layer.hardware](layer.neuron)}
                for layer in model.layers]


def network_from_specs(specs: List[dict]) -> QuantSpikingNetwork:
    """The network that :func:`layer_specs` describes, with fresh weights (load the state dict next).

    Example:
        >>> import torch
        >>> from pynq_snn.quant.network import QuantSpikingMLP
        >>> from pynq_snn.training.network import NetworkConfig
        >>> model = QuantSpikingMLP(NetworkConfig(sizes=[4, 3, 2], beta=0.5))
        >>> specs = layer_specs(model)
        >>> specs[0]
        {'n_in': 4, 'n_out': 3, 'gain_shift': 0, 'neuron': {'model': 'lif', 'beta': 0.5, 'threshold': 1.0, 'init_mem': 0.0}}
        >>> rebuilt = network_from_specs(specs)
        >>> rebuilt.load_state_dict(model.state_dict())
        <All keys matched successfully>
        >>> layer_specs(rebuilt) == specs
        True
    """
    layers = []
    for index, spec in enumerate(specs):
        try:
            neuron = _NEURONS[spec["neuron"]["model"]](spec["neuron"])
            layers.append(QuantSpikingLinear(int(spec["n_in"]), int(spec["n_out"]), neuron, int(spec["gain_shift"])))
        except (KeyError, TypeError) as exc:
            raise ValueError(f"layer {index}: not a layer spec ({exc!r}); its neuron model must be one of "
                             f"{', '.join(_NEURONS)}") from exc
    return QuantSpikingNetwork(layers)
