"""A small builder of ONNX graphs: nodes with fresh output names, constants as initializers.

:class:`GraphBuilder` collects the nodes and initializers of one graph (the main graph
or a ``Scan`` body); every operator call returns the name of its single output, so
the network's equations read as nested calls::

    leak = g.op("Floor", g.op("Div", g.op("Mul", v, g.const(beta, np.float32)), g.const(256, np.float32)))
"""
from __future__ import annotations

from typing import Any, List, Sequence

import numpy as np
import onnx
from onnx import helper, numpy_helper

#: The operator set the exported models use; onnxruntime 1.14 and later run it.
OPSET = 17
#: The IR version that goes with :data:`OPSET` (ONNX 1.12).
IR_VERSION = 8


class GraphBuilder:
    """Nodes and initializers of one ONNX graph; names carry ``prefix`` so that a body graph's
    names never collide with its parent's."""

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix
        self.nodes: List[onnx.NodeProto] = []
        self.initializers: List[onnx.TensorProto] = []
        self._count = 0

    def fresh(self, hint: str) -> str:
        """A name not used before in this builder, e.g. ``body/Mul_12``."""
        self._count += 1
        return f"{self.prefix}/{hint}_{self._count}"

    def const(self, value: Any, dtype: Any) -> str:
        """An initializer holding ``value`` as a numpy array of ``dtype`` (a scalar stays 0-d)."""
        name = self.fresh("const")
        self.initializers.append(numpy_helper.from_array(np.asarray(value, dtype=dtype), name))
        return name

    def op(self, op_type: str, *inputs: str, **attributes: Any) -> str:
        """Append one node with a single, fresh output and return the output's name."""
        output = self.fresh(op_type)
        self.node(op_type, inputs, [output], **attributes)
        return output

    def node(self, op_type: str, inputs: Sequence[str], outputs: Sequence[str], **attributes: Any) -> None:
        """Append one node with the given input and output names."""
        self.nodes.append(helper.make_node(op_type, list(inputs), list(outputs), name=self.fresh(f"{op_type}_node"),
                                           **attributes))
