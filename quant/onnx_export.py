"""Export an artifact to one ONNX model that runs the whole network, bit-exact, in onnxruntime.

The model is a third implementation of the arithmetic contract (``overlay/CONTRACT.md``),
beside the quantized torch model and the emulator: it is built from the artifact's
integers and the contract's equations alone, and calls neither.

Inputs and outputs (``T`` timesteps and ``N`` samples are free dimensions)::

    spikes             float32 [T, N, n_inputs]   input spikes, 0 or 1
    spikes_out         float32 [T, N, n_outputs]  the last layer's spikes, 0 or 1
    layer<l>_spikes    float32 [T, N, n_l]        every layer's spike raster (l = 0, 1, ...)
    layer<l>_<state>   int32   [N, n_l]           every layer's final state registers, named
                                                  by the neuron registry: v (LIF); v, u
                                                  (Izhikevich), in state LSBs

One ``Scan`` runs over the timesteps; its body is one timestep of the whole network
(layer ``l`` sees layer ``l - 1``'s spikes of the same step) and carries every
layer's registers and its previous spikes ``s[t-1]``. Per layer and step:

* **Integrate**: ``I[t] = s_in[t] @ W.T`` (``MatMul`` in float32 of the 0/1 spikes
  and the int8 weights stored in the file, cast once), then ``drive = I * 2**F``
  (``I << F``). Every partial sum is an integer of magnitude at most
  ``7 * fan_in * 2**F < 2**23`` (the accumulator bound the artifact checks), so
  float32 holds it exactly in any order of summation.
* **LIF**, in float32 (every value below the 24-bit accumulator bound is exact):
  ``v[t] = Clip(Floor(beta_q * v[t-1] / 256) + drive - Where(s[t-1], theta, 0))``,
  ``s[t] = Greater(v[t], theta)``.
* **Izhikevich**, in float64 (its products reach ``|a1 * sq| <= 2**45``, sums stay
  below ``2**47``, exact in float64's 53 bits): ``v = Where(s[t-1], c, v)``,
  ``u = Where(s[t-1], Clip(u + d), u)``, ``sq = Floor(v * v / 2**Q)``,
  ``v[t] = Clip(v + Floor((a1*sq + a2*v + a3*u) / 4096) + a0 + drive)``,
  ``u[t] = Clip(u + Floor((b1*v + b2*u) / 4096) + b3)``, ``s[t] = Greater(v[t], theta)``.

Every ``Clip`` saturates to the 16-bit state, [-32768, 32767]; every division is
by a power of two, hence exact, and ``Floor`` makes it the contract's arithmetic
right shift. At ``t = -1`` the registers hold ``v_init`` (LIF) or ``v_init, u_init``
(Izhikevich); ``s[-1] = v_init > theta`` for a LIF layer (the comparator on ``v[t-1]``)
and ``s[-1] = 0`` for an Izhikevich layer (its first step never resets).

Each neuron model's ops are written once, in one function of :data:`EMITTERS`,
keyed by the model's name in the neuron registry (``overlay/neurons``), which also
names its state registers.

**Why not Brevitas's ONNX/QONNX export.** Brevitas exports the torch model's
linear layers (``export_qonnx``: ``Quant`` nodes, which onnxruntime cannot run
without QONNX's custom operators; ``export_onnx_qcdq``: QuantizeLinear /
DequantizeLinear pairs with float scales). Either traces the torch model, so the
ONNX weights would come from it rather than from the artifact, and the neuron
dynamics, a Python loop over timesteps, would be unrolled without a ``Scan``. The
artifact's integers are what the IP runs; built from them alone, the ONNX model is
an implementation independent of both the torch model and the emulator, and its
equality with them is a test rather than a consequence of sharing code.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Dict, List, Sequence, Tuple

import numpy as np
import onnx
from onnx import TensorProto, helper

from .. import __version__
from ..overlay import formats
from ..overlay.artifact import Artifact, Layer, PathLike
from ..overlay.neurons import MODELS
from .onnx_graph import IR_VERSION, OPSET, GraphBuilder

#: The model's input: float32 [T, N, n_inputs] of 0/1.
INPUT = "spikes"
#: The last layer's spikes: float32 [T, N, n_outputs] of 0/1.
OUTPUT = "spikes_out"

_FLOAT = TensorProto.FLOAT
_BOOL = TensorProto.BOOL


def raster_output(index: int) -> str:
    """The output holding layer ``index``'s spikes, float32 [T, N, n_out]."""
    return f"layer{index}_spikes"


def state_output(index: int, name: str) -> str:
    """The output holding layer ``index``'s final state register ``name``, int32 [N, n_out]."""
    return f"layer{index}_{name}"


#: ``step(body, drive, registers, fired) -> (registers, fired)``: one timestep in the Scan body.
#: ``drive`` is ``I << F`` and ``registers`` the state registers (the registry's ``state_names``
#: order), all of the model's dtype, [N, n_out]; ``fired`` is the previous step's spikes, bool.
Step = Callable[[GraphBuilder, str, Sequence[str], str], Tuple[List[str], str]]


@dataclass(frozen=True)
class NeuronOps:
    """One layer's neuron model as ONNX ops.

    Attributes:
        dtype: numpy dtype of the registers in the graph: float32 where every value of
            the update is an integer below 2**24, float64 where products reach 2**47.
        initial: each register's value at ``t = -1``, in ``state_names`` order.
        initial_fired: the previous spike ``s[-1]`` that step 0 sees.
        step: the update of one timestep, see :data:`Step`.
    """

    dtype: type
    initial: Tuple[int, ...]
    initial_fired: bool
    step: Step


def _saturate(g: GraphBuilder, x: str, dtype: type) -> str:
    """``sat16(x)``: Clip to [STATE_MIN, STATE_MAX]."""
    return g.op("Clip", x, g.const(formats.STATE_MIN, dtype), g.const(formats.STATE_MAX, dtype))


def _floor_shift(g: GraphBuilder, x: str, bits: int, dtype: type) -> str:
    """``x >> bits`` rounding toward minus infinity: ``Floor(x / 2**bits)``, exact for integers below
    the dtype's mantissa."""
    return g.op("Floor", g.op("Div", x, g.const(2 ** bits, dtype)))


def lif_ops(layer: Layer) -> NeuronOps:
    """The LIF update in float32: ``v[t] = sat16(((beta_q * v[t-1]) >> 8) + drive - theta * s[t-1])``,
    ``s[t] = v[t] > theta`` from ``v[-1] = v_init``, ``s[-1] = v_init > theta``; ``|beta_q * v| <= 2**23``
    and the sum obeys the accumulator bound."""
    dtype = np.float32
    beta, theta, v_init = layer.params["beta"], layer.params["threshold"], layer.params["v_init"]

    def step(g: GraphBuilder, drive: str, registers: Sequence[str], fired: str) -> Tuple[List[str], str]:
        (v,) = registers
        leak = _floor_shift(g, g.op("Mul", v, g.const(beta, dtype)), formats.BETA_BITS, dtype)
        reset = g.op("Where", fired, g.const(theta, dtype), g.const(0, dtype))
        v = _saturate(g, g.op("Sub", g.op("Add", leak, drive), reset), dtype)
        return [v], g.op("Greater", v, g.const(theta, dtype))

    return NeuronOps(dtype, (v_init,), v_init > theta, step)


def izhikevich_ops(layer: Layer) -> NeuronOps:
    """The Izhikevich update in float64 (the module docstring gives the equations)."""
    dtype = np.float64
    p = layer.params
    square_shift = layer.weight_shift + layer.frac_bits

    def step(g: GraphBuilder, drive: str, registers: Sequence[str], fired: str) -> Tuple[List[str], str]:
        v, u = registers

        def times(name: str, x: str) -> str:
            return g.op("Mul", g.const(p[name], dtype), x)

        def plus(*terms: str) -> str:
            total = terms[0]
            for term in terms[1:]:
                total = g.op("Add", total, term)
            return total

        v = g.op("Where", fired, g.const(p["c"], dtype), v)
        u = g.op("Where", fired, _saturate(g, plus(u, g.const(p["d"], dtype)), dtype), u)
        square = _floor_shift(g, g.op("Mul", v, v), square_shift, dtype)
        dv = _floor_shift(g, plus(times("a1", square), times("a2", v), times("a3", u)), formats.COEF_FRAC_BITS, dtype)
        du = _floor_shift(g, plus(times("b1", v), times("b2", u)), formats.COEF_FRAC_BITS, dtype)
        v_new = _saturate(g, plus(v, dv, g.const(p["a0"], dtype), drive), dtype)
        u_new = _saturate(g, plus(u, du, g.const(p["b3"], dtype)), dtype)
        return [v_new, u_new], g.op("Greater", v_new, g.const(p["threshold"], dtype))

    return NeuronOps(dtype, (p["v_init"], p["u_init"]), False, step)


#: Every neuron model's ops, by its name in the registry (``MODELS``).
EMITTERS: Dict[str, Callable[[Layer], NeuronOps]] = {"lif": lif_ops, "izhikevich": izhikevich_ops}


def _tensor_type(dtype) -> int:
    return helper.np_dtype_to_tensor_dtype(np.dtype(dtype))


def to_onnx(artifact: Artifact) -> onnx.ModelProto:
    """The ONNX model of ``artifact`` (module docstring: inputs, outputs, arithmetic).

    Example:
        >>> import numpy as np
        >>> from pynq_snn.overlay.artifact import Artifact, Layer
        >>> from pynq_snn.quant.onnx_export import to_onnx
        >>> layer = Layer("lif", np.array([[7, -3, 5], [2, 6, -7]], dtype=np.int8), weight_shift=2,
        ...               frac_bits=4, params={"beta": 230, "threshold": 64})  # 3 inputs, 2 LIF neurons
        >>> artifact = Artifact(n_inputs=3, layers=(layer,), encoding={"kind": "raster", "steps": 4}, meta={})
        >>> model = to_onnx(artifact)
        >>> [output.name for output in model.graph.output]
        ['spikes_out', 'layer0_spikes', 'layer0_v']
        >>> sorted({node.op_type for node in model.graph.node[-3].attribute[0].g.node})
        ['Add', 'Cast', 'Clip', 'Div', 'Floor', 'Greater', 'MatMul', 'Mul', 'Sub', 'Where']
    """
    main, body = GraphBuilder("net"), GraphBuilder("step")
    batch = main.op("Shape", INPUT, start=1, end=2)
    layer_input = "step/spikes_t"
    initial: List[str] = []
    body_inputs: List[onnx.ValueInfoProto] = []
    body_states: List[onnx.ValueInfoProto] = []
    body_rasters: List[onnx.ValueInfoProto] = []
    final_outputs: List[Tuple[int, str, int]] = []  # (state tensor's position, output name, n_out)
    for index, layer in enumerate(artifact.layers):
        ops = EMITTERS[layer.neuron](layer)
        names = MODELS[layer.neuron].state_names
        elem, n_out = _tensor_type(ops.dtype), layer.n_out
        shape = main.op("Concat", batch, main.const([n_out], np.int64), axis=0)
        registers = []
        for name, value in zip(names, ops.initial):
            final_outputs.append((len(initial), state_output(index, name), n_out))
            initial.append(main.op("Expand", main.const(value, ops.dtype), shape))
            registers.append(f"step/layer{index}_{name}")
            body_inputs.append(helper.make_tensor_value_info(registers[-1], elem, ["N", n_out]))
        initial.append(main.op("Expand", main.const(ops.initial_fired, np.bool_), shape))
        fired = f"step/layer{index}_fired"
        body_inputs.append(helper.make_tensor_value_info(fired, _BOOL, ["N", n_out]))

        weights = main.op("Cast", main.const(layer.weights.T, np.int8), to=_FLOAT)  # [n_in, n_out], outer scope
        current = body.op("MatMul", layer_input, weights)
        drive = body.op("Mul", current, body.const(2 ** layer.frac_bits, np.float32))
        if ops.dtype is not np.float32:
            drive = body.op("Cast", drive, to=elem)
        registers, fired = ops.step(body, drive, registers, fired)
        body_states += [helper.make_tensor_value_info(r, elem, ["N", n_out]) for r in registers]
        body_states.append(helper.make_tensor_value_info(fired, _BOOL, ["N", n_out]))
        layer_input = body.op("Cast", fired, to=_FLOAT)
        body_rasters.append(helper.make_tensor_value_info(layer_input, _FLOAT, ["N", n_out]))

    body_inputs.append(helper.make_tensor_value_info("step/spikes_t", _FLOAT, ["N", artifact.n_inputs]))
    step_graph = helper.make_graph(body.nodes, "timestep", body_inputs, body_states + body_rasters,
                                   initializer=body.initializers)
    rasters = [raster_output(index) for index in range(len(artifact.layers))]
    finals = [main.fresh("final") for _ in initial]
    main.node("Scan", initial + [INPUT], finals + rasters, body=step_graph, num_scan_inputs=1)
    main.node("Identity", [rasters[-1]], [OUTPUT])
    outputs = [helper.make_tensor_value_info(OUTPUT, _FLOAT, ["T", "N", artifact.n_outputs])]
    outputs += [helper.make_tensor_value_info(name, _FLOAT, ["T", "N", layer.n_out])
                for name, layer in zip(rasters, artifact.layers)]
    for position, name, n_out in final_outputs:
        main.node("Cast", [finals[position]], [name], to=TensorProto.INT32)
        outputs.append(helper.make_tensor_value_info(name, TensorProto.INT32, ["N", n_out]))
    graph = helper.make_graph(
        main.nodes, "pynq_snn_network",
        [helper.make_tensor_value_info(INPUT, _FLOAT, ["T", "N", artifact.n_inputs])],
        outputs, initializer=main.initializers,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)], ir_version=IR_VERSION,
                              producer_name="pynq-snn", producer_version=__version__,
                              doc_string=f"pynq-snn network {'-'.join(map(str, artifact.sizes))}: "
                                         "spikes float32 [T, N, n_inputs] -> spikes_out float32 [T, N, n_outputs]")
    helper.set_model_props(model, {
        "pynq_snn.sizes": json.dumps(list(artifact.sizes)),
        "pynq_snn.neurons": json.dumps([layer.neuron for layer in artifact.layers]),
        "pynq_snn.encoding": json.dumps(artifact.encoding),
    })
    return model


def save_onnx(artifact: Artifact, path: PathLike) -> None:
    """Write the ONNX model of ``artifact`` (:func:`to_onnx`) to ``path``."""
    Path(path).write_bytes(to_onnx(artifact).SerializeToString())
