"""NIR out: a quantized network as a NIR graph whose float values carry the IP's integers.

:func:`to_nir` writes the chain ``Input -> Linear -> neuron -> ... -> Output`` (nodes
``input``, ``linear0``, ``lif0`` or ``izhikevich0``, ``linear1``, ..., ``output``):

* ``nir.Linear`` per layer, weight ``w * 2**-e``: Brevitas's 4-bit integers ``w`` in [-7, 7]
  times the layer's power-of-two scale (the standard Izhikevich model's input gain folded
  in), exact in float32, so the floats carry the integers and the shift;
* ``nir.LIF`` per LIF layer, mapped as snnTorch maps ``snn.Leaky`` (``nir_lif.py``): ``tau``
  and ``r`` from the leak the IP runs, ``beta_q / 256``, and ``v_threshold`` the layer's
  threshold (the IP's ``theta`` is its rounding to state LSBs, which the import repeats).
  NIR's LIF has no initial membrane: a LIF layer that starts elsewhere than 0 (``init_mem``)
  is refused;
* the toolkit's ``IzhikevichNode`` per Izhikevich layer (``nir_izhikevich.py``) with
  ``extension=True``. Plain NIR, the default, has no Izhikevich neuron: a network with
  Izhikevich layers is refused rather than written as something else.

:func:`~.nir_in.from_nir` reads the graph back into a network whose artifact equals the
original's, integer for integer.
"""
from __future__ import annotations

from typing import Callable, Dict, Optional

import nir
import numpy as np

from ..overlay import formats
from .network import QuantSpikingLinear, QuantSpikingNetwork
from .nir_izhikevich import NODE_TYPE, izhikevich_node
from .nir_lif import lif_node

#: The key of the graph's metadata under which the toolkit records what ``pynq-snn import``
#: takes from a graph it wrote (the encoding, the data set).
METADATA_KEY = "pynq_snn"


def _lif(layer: QuantSpikingLinear) -> nir.NIRNode:
    beta_q = layer.integer_format().params["beta"]
    return lif_node(beta_q / formats.BETA_ONE, float(layer.neuron.threshold), layer.linear.out_features)


def _izhikevich(layer: QuantSpikingLinear) -> nir.NIRNode:
    params = layer.neuron.params
    return izhikevich_node(params.current(), params.scale, layer.linear.out_features)


#: The NIR node of a layer, by the IP's name of its neuron model.
NEURON_NODES: Dict[str, Callable[[QuantSpikingLinear], nir.NIRNode]] = {"lif": _lif, "izhikevich": _izhikevich}


def to_nir(model: QuantSpikingNetwork, extension: bool = False, record: Optional[dict] = None) -> nir.NIRGraph:
    """The NIR graph of ``model`` (see the module docstring).

    Args:
        model: the quantized network.
        extension: write Izhikevich layers as the toolkit's ``pynq_snn.Izhikevich`` node;
            without it they are refused (ValueError). A LIF layer with a non-zero
            ``init_mem`` is refused either way (ValueError).
        record: plain values (str, int, float, or dicts of them) kept in the graph's
            metadata under :data:`METADATA_KEY`.

    Example:
        >>> import torch
        >>> from pynq_snn.quant.network import QuantSpikingMLP
        >>> from pynq_snn.quant.nir_out import to_nir
        >>> from pynq_snn.training.network import NetworkConfig
        >>> _ = torch.manual_seed(0)
        >>> graph = to_nir(QuantSpikingMLP(NetworkConfig(sizes=[3, 2], beta=0.9)))
        >>> list(graph.nodes)
        ['input', 'linear0', 'lif0', 'output']
        >>> graph.nodes["linear0"].weight * 16  # the 4-bit integers; the weight scale is 2**-4
        array([[ 0.,  5., -7.],
               [-7., -4.,  2.]], dtype=float32)
        >>> graph.nodes["lif0"].tau  # dt / (1 - beta_q / 256) s with beta_q = round(0.9 * 256) = 230
        array([0.00098462, 0.00098462], dtype=float32)
    """
    started = [f"layer {index} at {layer.neuron.init_mem:g}" for index, layer in enumerate(model.layers)
               if layer.hardware == "lif" and layer.neuron.init_mem != 0]
    if started:
        raise ValueError(f"NIR's LIF has no initial membrane, and {', '.join(started)} starts elsewhere than 0 "
                         "(init_mem): export the artifact or ONNX, which carry it")
    izhikevich = [index for index, layer in enumerate(model.layers) if layer.hardware == "izhikevich"]
    if izhikevich and not extension:
        layers = f"layer{'s' if len(izhikevich) > 1 else ''} {', '.join(map(str, izhikevich))}"
        raise ValueError(f"plain NIR has no Izhikevich neuron ({layers}): "
                         f"write them as the toolkit's {NODE_TYPE} node (extension=True, "
                         "pynq-snn export --nir-extension), which this toolkit reads back")
    nodes: Dict[str, nir.NIRNode] = {"input": nir.Input(input_type=np.array([model.n_inputs]))}
    for index, layer in enumerate(model.layers):
        weights, shift = layer.integer_weights()
        nodes[f"linear{index}"] = nir.Linear(weight=(weights.cpu().numpy() * 2.0 ** -shift).astype(np.float32))
        nodes[f"{layer.hardware}{index}"] = NEURON_NODES[layer.hardware](layer)
    nodes["output"] = nir.Output(output_type=np.array([model.layers[-1].linear.out_features]))
    names = list(nodes)
    metadata = {METADATA_KEY: dict(record)} if record else {}
    return nir.NIRGraph(nodes=nodes, edges=list(zip(names[:-1], names[1:])), metadata=metadata)


def save_nir(model: QuantSpikingNetwork, path, extension: bool = False, record: Optional[dict] = None) -> None:
    """Write :func:`to_nir`'s graph of ``model`` to ``path`` with ``nir.write`` (HDF5)."""
    nir.write(path, to_nir(model, extension, record))
