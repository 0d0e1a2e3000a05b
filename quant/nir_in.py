"""NIR in: a NIR graph as the toolkit's QAT network, or every reason the IP cannot run it.

:func:`from_nir` reads graphs written by snnTorch's ``export_to_nir`` and by
:func:`~.nir_out.to_nir`: one chain ``Input -> Linear -> LIF -> Linear -> ... -> Output``,
where a ``Linear`` may be an ``Affine`` with a zero bias, a neuron may be the toolkit's
Izhikevich node (``nir_izhikevich.py``), and ``Flatten`` passes its input on. A LIF's
continuous parameters become the IP's discrete LIF as snnTorch maps them
(``nir_lif.py``: ``beta = 1 - dt / tau``, the input scale ``r * dt / tau`` moved into the
threshold). :func:`snntorch_model` builds the snnTorch model of the graph (``nn.Linear``
and ``snn.Leaky`` or the toolkit's Izhikevich neurons), and :func:`from_nir` returns
:func:`~.from_snntorch.from_snntorch` of it: the same QAT, export and verification follow.

**Weights.** The float weights are Brevitas's latent weights, which it quantizes as it
quantizes any. A graph of 4-bit weights on a power-of-two grid (``to_nir``'s) keeps its
integers and shift: Brevitas's scale is ``2**ceil(log2(max|W| / 8))``, so a largest weight of
exactly ``4 * 2**k`` would get the scale ``2**(k-1)`` and be clipped to ``3.5 * 2**k``; those
weights are handed to Brevitas as ``4.25 * 2**k``, inside the same rounding interval, and
come back as ``4 * 2**k``.

**Refused**, every node with its reason, all in one
:class:`~.from_snntorch.ConversionError`: the node types of :data:`REFUSED`, a non-zero
bias, a LIF the IP cannot run (``nir_lif.discrete_lif``: a resting potential, a reset to
a value, parameters that differ between neurons, ``tau < dt``), branches, recurrent
connections, and a chain that does not alternate Linear and neuron.
"""
from __future__ import annotations

from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple, Type

import h5py
import nir
import numpy as np
import torch
from nir.ir.utils import ensure_str
from nir.serialization import hdf2dict
from torch import nn

from ..overlay import formats
from ..training.neurons.lif import leaky
from .from_snntorch import ConversionError, from_snntorch
from .network import QuantSpikingNetwork
from .nir_izhikevich import NODE_TYPE, IzhikevichNode, izhikevich_neuron
from .nir_lif import discrete_lif

#: Nodes that pass ``[features]`` on unchanged.
_PASS_THROUGH = (nir.Input, nir.Output, nir.Flatten)
#: Why the IP cannot run a node, by type (first match wins).
REFUSED: Sequence[Tuple[Tuple[Type[nir.NIRNode], ...], str]] = (
    ((nir.NIRGraph,), "a subgraph (snnTorch writes a recurrent layer as one): the IP is feed-forward"),
    ((nir.CubaLIF, nir.CubaLI), "a synaptic current (tau_syn): the IP's LIF holds the membrane alone"),
    ((nir.LI, nir.I), "an integrator without spikes: the IP's layers end in spiking neurons"),
    ((nir.IF,), "NIR's IF resets to v_reset, and snnTorch reads it as a Leaky with beta 0.9 that resets to zero; "
                "write a leak-free layer as a LIF with tau = r = inf (beta = 1)"),
    ((nir.Conv1d, nir.Conv2d), "convolutions: the IP has dense layers only"),
    ((nir.SumPool2d, nir.AvgPool2d), "pooling: the IP has dense layers only"),
    ((nir.Delay,), "delays: a layer sees the previous layer's spikes of the same timestep"),
    ((nir.Scale,), "a per-channel scale: the IP's layer has one power-of-two weight scale"),
    ((nir.Threshold,), "a threshold without a membrane: the IP's neurons are LIF or Izhikevich"),
)
#: Brevitas's abs-max scale is ``2**ceil(log2(max|W| / 2**(bits-1)))``: a largest weight of
#: exactly ``2**(bits-2)`` times a power of two falls on the boundary between two scales.
_BOUNDARY = 2.0 ** (formats.WEIGHT_BITS - 2)
#: Such weights are handed to Brevitas this much larger (4 -> 4.25, the same integer).
_NUDGE = 17 / 16


def _dense(weight: np.ndarray) -> nn.Linear:
    linear = nn.Linear(weight.shape[1], weight.shape[0], bias=False)
    with torch.no_grad():
        linear.weight.copy_(torch.as_tensor(weight, dtype=torch.float32))
    return linear


def _module(node: nir.NIRNode) -> Tuple[Optional[nn.Module], List[str]]:
    """``(module, [])`` for a node the IP runs (``None`` for one that passes its input on),
    or ``(None, problems)``."""
    if isinstance(node, _PASS_THROUGH):
        return None, []
    if isinstance(node, (nir.Linear, nir.Affine)):
        weight = np.asarray(node.weight)
        if weight.ndim != 2:
            return None, [f"a weight of shape {weight.shape}: the IP's layers are dense matrices"]
        if not np.all(np.isfinite(weight)):
            return None, ["weights that are not finite"]
        if isinstance(node, nir.Affine) and np.any(np.asarray(node.bias) != 0):
            return None, ["a non-zero bias: the IP has none"]
        return _dense(weight), []
    if isinstance(node, nir.LIF):
        values, problems = discrete_lif(node)
        return (None, problems) if values is None else (leaky(beta=values[0], threshold=values[1]), [])
    if isinstance(node, IzhikevichNode):
        return izhikevich_neuron(node)
    for types, why in REFUSED:
        if isinstance(node, types):
            return None, [why]
    return None, [f"not a node the IP runs (Linear or Affine, LIF, {NODE_TYPE})"]


def _reaches(after: Dict[str, List[str]], start: str, goal: str) -> bool:
    """Whether a path of edges leads from node ``start`` to node ``goal``."""
    seen, stack = set(), [start]
    while stack:
        key = stack.pop()
        if key == goal:
            return True
        if key not in seen:
            seen.add(key)
            stack.extend(after[key])
    return False


def _chain(graph: nir.NIRGraph, problems: List[str]) -> List[str]:
    """The node names from the Input node to the Output node, or [] with the structure's problems appended."""
    inputs = [key for key, node in graph.nodes.items() if isinstance(node, nir.Input)]
    outputs = [key for key, node in graph.nodes.items() if isinstance(node, nir.Output)]
    if len(inputs) != 1 or len(outputs) != 1:
        problems.append(f"{len(inputs)} Input and {len(outputs)} Output nodes: the IP runs one chain of layers")
    after: Dict[str, List[str]] = {key: [] for key in graph.nodes}
    before: Dict[str, List[str]] = {key: [] for key in graph.nodes}
    for source, target in graph.edges:
        if source not in graph.nodes or target not in graph.nodes:
            problems.append(f"the edge ({source!r}, {target!r}) names a node the graph does not have")
            return []
        after[source].append(target)
        before[target].append(source)
    looped = [key for key in graph.nodes if any(_reaches(after, target, key) for target in after[key])]
    if looped:
        problems.append(f"a recurrent loop through nodes {', '.join(map(repr, looped))}: the IP is feed-forward")
    for key in graph.nodes:
        if key not in looped and len(after[key]) > 1:
            problems.append(f"node {key!r} feeds {len(after[key])} nodes: the IP runs one chain of layers")
        if key not in looped and len(before[key]) > 1:
            problems.append(f"node {key!r} takes {len(before[key])} inputs: the IP runs one chain of layers")
    if problems:
        return []
    chain = inputs
    while after[chain[-1]]:
        chain = chain + after[chain[-1]]
    off_path = [key for key in graph.nodes if key not in chain]
    if off_path:
        problems.append(f"nodes {', '.join(map(repr, off_path))} are not on the path from input to output")
        return []
    return chain


def _chain_rules(layers: List[Tuple[str, nn.Module]], problems: List[str]) -> None:
    """Each Linear followed by one neuron, first to last."""
    pending = False
    for key, module in layers:
        linear = isinstance(module, nn.Linear)
        if linear and pending:
            problems.append(f"node {key!r}: two Linear nodes in a row; a neuron must follow each Linear")
        if not linear and not pending:
            problems.append(f"node {key!r}: a neuron without a Linear node before it")
        pending = linear
    if pending:
        problems.append("the graph ends with a Linear node: the IP's layers end in spiking neurons")
    if not layers:
        problems.append("no Linear node followed by a neuron: nothing to run")


def snntorch_model(graph: nir.NIRGraph) -> nn.Sequential:
    """The snnTorch model of ``graph``: ``nn.Linear`` (no bias) and ``snn.Leaky`` or Izhikevich
    neurons in the chain's order. Its spikes are the graph's, its LIF read as snnTorch writes ``snn.Leaky``.

    Raises:
        ConversionError: every node and connection the IP cannot run, each with the reason.
    """
    if not isinstance(graph, nir.NIRGraph):
        raise TypeError(f"from_nir takes a nir.NIRGraph, got {type(graph).__name__}")
    problems: List[str] = []
    chain = _chain(graph, problems)
    layers = []
    for key in chain or list(graph.nodes):
        node = graph.nodes[key]
        module, found = _module(node)
        problems.extend(f"node {key!r} ({type(node).__name__}): {problem}" for problem in found)
        if module is not None:
            layers.append((key, module))
    if not problems:
        _chain_rules(layers, problems)
    if problems:
        raise ConversionError(problems)
    return nn.Sequential(*(module for _, module in layers))


def _brevitas_latent(weight: torch.Tensor) -> torch.Tensor:
    """``weight`` with a largest magnitude of exactly ``4 * 2**k`` made ``4.25 * 2**k`` (module docstring)."""
    peak = weight.abs().max()
    if peak == 0:
        return weight
    exponent = torch.log2(peak / _BOUNDARY)
    if exponent != torch.round(exponent):
        return weight
    return torch.where(weight.abs() == peak, weight * _NUDGE, weight)


def from_nir(graph: nir.NIRGraph) -> QuantSpikingNetwork:
    """The toolkit's 4-bit QAT network of a NIR ``graph`` (see the module docstring).

    Raises:
        ConversionError: every node and connection the IP cannot run, each with the reason.

    Example:
        >>> import torch
        >>> from pynq_snn.quant.export import to_artifact
        >>> from pynq_snn.quant.network import QuantSpikingMLP
        >>> from pynq_snn.quant.nir_in import from_nir
        >>> from pynq_snn.quant.nir_out import to_nir
        >>> from pynq_snn.training.network import NetworkConfig
        >>> _ = torch.manual_seed(0)
        >>> model = QuantSpikingMLP(NetworkConfig(sizes=[6, 5, 3], beta=0.9, threshold=0.5))
        >>> back = from_nir(to_nir(model))
        >>> to_artifact(back, {"kind": "rate", "steps": 8}) == to_artifact(model, {"kind": "rate", "steps": 8})
        True
    """
    quant = from_snntorch(snntorch_model(graph))
    with torch.no_grad():
        for layer in quant.layers:
            layer.linear.weight.copy_(_brevitas_latent(layer.linear.weight))
    return quant


def read_nir(path) -> nir.NIRGraph:
    """The graph in the NIR file ``path`` (``nir.write``'s HDF5), the toolkit's Izhikevich node included.

    Raises FileNotFoundError, or ValueError naming what is wrong with the file.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no NIR file at {path}")
    try:
        with h5py.File(path, "r") as file:
            data = hdf2dict(file["node"])
    except (OSError, KeyError) as exc:
        raise ValueError(f"{path} is not a NIR file (HDF5 with a 'node' group): {exc}") from exc
    if data.get("type") != "NIRGraph" or "nodes" not in data or "edges" not in data:
        raise ValueError(f"{path}: the file holds no NIR graph (its node has type {data.get('type')!r})")
    nodes = {}
    for key, node in data["nodes"].items():
        kind = node.get("type") if isinstance(node, dict) else None
        try:
            nodes[key] = IzhikevichNode.from_dict(node) if kind == NODE_TYPE else nir.dict2NIRNode(node)
        except (AssertionError, KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"{path}: node {key!r} of type {kind!r} cannot be read: "
                             f"{exc or 'not a node type of NIR or of this toolkit'}") from exc
    edges = [(ensure_str(source), ensure_str(target)) for source, target in data["edges"]]
    try:
        return nir.NIRGraph(nodes=nodes, edges=edges, metadata=data.get("metadata", {}))
    except (AssertionError, KeyError, ValueError, NotImplementedError) as exc:
        raise ValueError(f"{path}: the graph is inconsistent: {exc}") from exc
