"""Integer Izhikevich neuron of the SNN core IP, as plain numpy integer code.

One datapath serves the normalized model (Liu et al., Electronics 13 (2024) 909)
and the standard one in millivolts: both are a quadratic membrane ``v`` with a
linear recovery ``u``. All quantities are integers; ``v``, ``u``, ``a0``, ``b3``,
``c``, ``d``, ``v_init``, ``u_init`` and ``threshold`` are in state LSBs
``2**-Q`` with ``Q = weight_shift + frac_bits``; ``a1, a2, a3, b1, b2`` are
coefficients with 12 fraction bits (``CONTRACT.md``, "Izhikevich")::

    if s[t-1]:  v, u = c, sat16(u + d)              # the reset of the previous spike
    sq    = (v * v) >> Q                            # v**2 in state LSBs, floor
    v[t]  = sat16(v + ((a1*sq + a2*v + a3*u) >> 12) + a0 + drive[t])
    u[t]  = sat16(u + ((b1*v + b2*u) >> 12) + b3)   # u sees the same (old) v
    s[t]  = v[t] > threshold

``v[-1] = v_init``, ``u[-1] = u_init``, ``s[-1] = 0``. Intermediates fit a 48-bit
signed accumulator (``|a1*sq| <= 2**15 * 2**30``); the emulator uses int64.
:data:`MODEL` is the model's descriptor (name ``"izhikevich"``, hardware code 1).
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Dict, List, Mapping, Tuple

import numpy as np

from .. import formats
from .model import NeuronModel

if TYPE_CHECKING:  # pragma: no cover
    from ..artifact import Layer

#: The coefficients (16-bit, 12 fraction bits) and the levels (16-bit, state LSBs).
COEFFICIENTS = ("a1", "a2", "a3", "b1", "b2")
LEVELS = ("a0", "b3", "c", "d", "threshold", "v_init", "u_init")

_State = Tuple[np.ndarray, np.ndarray, np.ndarray]


def initial_state(n_samples: int, layer: "Layer") -> _State:
    """``(v, u, s)`` of a fresh sample: v_init, u_init and no previous spike, [n_samples, n_out]."""
    shape = (n_samples, layer.n_out)
    v = np.full(shape, layer.params["v_init"], dtype=np.int64)
    u = np.full(shape, layer.params["u_init"], dtype=np.int64)
    return v, u, np.zeros(shape, dtype=bool)


def step(state: _State, drive: np.ndarray, layer: "Layer") -> Tuple[_State, np.ndarray]:
    """Advance one timestep.

    Args:
        state: ``(v, u, s)``; v, u int64 [N, n] in state LSBs, s bool [N, n] the previous spikes.
        drive: the synaptic current shifted into state LSBs, ``I << F``, [N, n].
        layer: the artifact layer: its integer parameters (module docstring) and
            ``Q = weight_shift + frac_bits``.

    Returns:
        ``((v, u, s), s)`` with the new state and the spikes bool [N, n].
    """
    v, u, fired = state
    p = layer.params
    square_shift = layer.weight_shift + layer.frac_bits
    v = np.where(fired, p["c"], v)
    u = np.where(fired, np.clip(u + p["d"], formats.STATE_MIN, formats.STATE_MAX), u)
    square = (v * v) >> square_shift
    dv = ((p["a1"] * square + p["a2"] * v + p["a3"] * u) >> formats.COEF_FRAC_BITS) + p["a0"] + drive
    du = ((p["b1"] * v + p["b2"] * u) >> formats.COEF_FRAC_BITS) + p["b3"]
    v_new = np.clip(v + dv, formats.STATE_MIN, formats.STATE_MAX)
    u_new = np.clip(u + du, formats.STATE_MIN, formats.STATE_MAX)
    fired = v_new > p["threshold"]
    return (v_new, u_new, fired), fired


def layer_problems(layer: "Layer") -> List[str]:
    """The square shift ``Q = weight_shift + frac_bits`` must lie in [0, SQUARE_SHIFT_MAX]."""
    square_shift = layer.weight_shift + layer.frac_bits
    if 0 <= square_shift <= formats.SQUARE_SHIFT_MAX:
        return []
    return [f"the square shift weight_shift + frac_bits = {square_shift} is outside [0, {formats.SQUARE_SHIFT_MAX}]"]


def to_descriptor(layer: "Layer") -> Dict[str, int]:
    """``square_shift`` Q (D1[12:8]) and all twelve parameters (D2..D7)."""
    return {"square_shift": layer.weight_shift + layer.frac_bits, **layer.params}


def from_descriptor(fields: Mapping[str, int], frac_bits: int) -> Tuple[int, Dict[str, int]]:
    """``(Q - F, the twelve parameters)``."""
    return fields["square_shift"] - frac_bits, {name: fields[name] for name in COEFFICIENTS + LEVELS}


def descriptor_problems(fields: Mapping[str, int]) -> List[Tuple[int, str]]:
    """The IP refuses a square shift Q (D1[12:8]) above SQUARE_SHIFT_MAX."""
    if fields["square_shift"] > formats.SQUARE_SHIFT_MAX:
        return [(1, f"Izhikevich Q {fields['square_shift']} > {formats.SQUARE_SHIFT_MAX}")]
    return []


MODEL = NeuronModel(
    name="izhikevich",
    code=1,
    params={
        **{name: (formats.COEF_MIN, formats.COEF_MAX) for name in COEFFICIENTS},
        **{name: (formats.STATE_MIN, formats.STATE_MAX) for name in LEVELS},
    },
    state_names=("v", "u"),
    initial_state=initial_state,
    step=step,
    layer_problems=layer_problems,
    to_descriptor=to_descriptor,
    from_descriptor=from_descriptor,
    descriptor_problems=descriptor_problems,
)
