"""The toolkit's NIR extension: an Izhikevich node, which NIR itself does not define.

An Izhikevich layer is written as an :class:`IzhikevichNode` (node type
``"pynq_snn.Izhikevich"`` in the file): a discrete-time neuron, stepped once per timestep
with the contract's order (``overlay/CONTRACT.md``, ``training/neurons/izhikevich.py``)::

    if z[t-1]:  v, u = c, u + d
    v[t] = v + a1*v**2 + a2*v + a3*u + a0 + I[t]
    u[t] = u + b1*v + b2*u + b3                  # the same (old) v
    z[t] = H(v[t] - v_threshold)                 # strict: fires when v > v_threshold

with ``v[-1] = v_init`` and ``u[-1] = u_init``. The coefficients ``a1, a2, a3, b1, b2`` are
per timestep (the standard model's 0.5 ms step is folded in); the levels ``a0, b3, c, d,
v_threshold, v_init, u_init`` are in the units of ``v`` (1 for the normalized model, mV
for the standard one); ``I`` is the output of the preceding ``Linear``, whose weights carry
the standard model's 64 mV per unit weight. ``scale`` is the largest level the IP's
16-bit state holds (the preset's; it fixes the layer's fixed point, ``overlay/CONTRACT.md``
"Choice of F", and learned levels may move away from it). Every field holds one value per
neuron, as NIR's neuron nodes do, all equal in the toolkit's layers.

``nir.write`` writes the node like any other, and :func:`~.nir_in.read_nir` reads it back.
``nir.read`` and other NIR tools refuse a file that holds one (an unknown node type)
rather than run another neuron in its place.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Tuple

import nir
import numpy as np

from ..training.neurons.izhikevich import Izhikevich
from ..training.neurons.presets import IzhikevichParams
from .nir_lif import per_layer

#: The node's type in a NIR file.
NODE_TYPE = "pynq_snn.Izhikevich"
#: The node's fields named as :class:`IzhikevichParams` names them, where they differ.
_PARAM_NAMES = {"v_threshold": "v_th"}


@dataclass(eq=False)
class IzhikevichNode(nir.NIRNode):
    """A layer of Izhikevich neurons, one value per neuron in each field (see the module docstring)."""

    a1: np.ndarray
    a2: np.ndarray
    a3: np.ndarray
    b1: np.ndarray
    b2: np.ndarray
    c: np.ndarray
    d: np.ndarray
    v_threshold: np.ndarray
    a0: np.ndarray
    b3: np.ndarray
    v_init: np.ndarray
    u_init: np.ndarray
    scale: np.ndarray

    #: The fields that hold the neurons' parameters, in order.
    FIELDS = ("a1", "a2", "a3", "b1", "b2", "c", "d", "v_threshold", "a0", "b3", "v_init", "u_init", "scale")

    def __post_init__(self):
        for name in self.FIELDS:
            setattr(self, name, np.asarray(getattr(self, name), dtype=np.float64))
        shapes = {getattr(self, name).shape for name in self.FIELDS}
        if len(shapes) != 1:
            raise ValueError(f"{NODE_TYPE}: every field needs one value per neuron, got shapes {sorted(shapes)}")
        shape = np.array(shapes.pop())
        self.input_type = {"input": shape}
        self.output_type = {"output": shape}

    def to_dict(self) -> Dict[str, Any]:
        return {**super().to_dict(), "type": NODE_TYPE}

    @classmethod
    def from_dict(cls, kwargs: Dict[str, Any]) -> "IzhikevichNode":
        kwargs = dict(kwargs)
        if kwargs.pop("type") != NODE_TYPE:
            raise ValueError(f"not a {NODE_TYPE} node")
        return cls(**kwargs)


def izhikevich_node(params: IzhikevichParams, scale: float, n: int) -> IzhikevichNode:
    """The node of ``n`` neurons with ``params`` and the state range ``scale``.

    Example:
        >>> from pynq_snn.training.neurons import preset
        >>> rs = preset("izh-norm", "RS")
        >>> node = izhikevich_node(rs, rs.scale, 2)
        >>> node.v_threshold, node.to_dict()["type"]
        (array([0.7, 0.7]), 'pynq_snn.Izhikevich')
    """
    values = {**{name: params.to_dict()[_PARAM_NAMES.get(name, name)] for name in IzhikevichNode.FIELDS[:-1]},
              "scale": scale}
    return IzhikevichNode(**{name: np.full(n, value) for name, value in values.items()})


def izhikevich_neuron(node: IzhikevichNode) -> Tuple[Optional[Izhikevich], List[str]]:
    """``(neuron, [])``: the float Izhikevich neuron (fixed parameters) that runs ``node``, or ``(None, problems)``.

    Refused: per-neuron values, a ``scale`` that is not > 0, and values outside what the
    IP's fixed point holds (coefficients in [-8, 8), levels within ``8 * scale``).
    """
    problems: List[str] = []
    values = {name: float(per_layer(node, name, problems)[0]) for name in IzhikevichNode.FIELDS}
    scale = values.pop("scale")
    if not (np.isfinite(scale) and scale > 0):
        problems.append(f"scale = {scale:g}: the largest level of the state must be > 0")
    if problems:
        return None, problems
    neuron = Izhikevich(IzhikevichParams(**{_PARAM_NAMES.get(name, name): value for name, value in values.items()}))
    neuron.params.scale = scale
    for name, value in values.items():
        low, high = neuron.params.limits(_PARAM_NAMES.get(name, name))
        if not low <= value <= high:
            problems.append(f"{name} = {value:g} outside [{low:g}, {high:g}], what the IP's fixed point holds")
    return (None, problems) if problems else (neuron, [])
