"""Integer LIF neuron of the SNN core IP, as plain numpy integer code.

One timestep for a vector of neurons (``CONTRACT.md``, "One timestep of one
layer"), all quantities in state LSBs of ``2**-(weight_shift + frac_bits)``::

    leak   = (beta_q * v[t-1]) >> 8                 # floor
    reset  = theta if s[t-1] else 0                 # s[t-1] = v[t-1] > theta
    v[t]   = sat16(leak + drive[t] - reset)         # drive = I << F
    s[t]   = v[t] > theta

``v[-1] = v_init`` (the layer's initial membrane, any 16-bit value) and so
``s[-1] = v_init > theta``: a sample that starts above the threshold is reset at
step 0, as the IP's comparator on ``v[t-1]`` does. This module is the emulator's
only copy of the update. The state tuple is ``(v, s)``: ``v`` is the neuron's one
register; ``s`` caches the comparison of the previous step so that it is not
computed twice.
:data:`MODEL` is the model's descriptor (name ``"lif"``, hardware code 0).
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Dict, List, Mapping, Tuple

import numpy as np

from .. import formats
from .model import NeuronModel

if TYPE_CHECKING:  # pragma: no cover
    from ..artifact import Layer


def initial_state(n_samples: int, layer: "Layer") -> Tuple[np.ndarray, np.ndarray]:
    """A fresh sample: ``v = v_init`` (int32) and ``s = v_init > theta``, both [n_samples, n_out]."""
    v = np.full((n_samples, layer.n_out), layer.params["v_init"], dtype=np.int32)
    return v, v > layer.params["threshold"]


def step(
    state: Tuple[np.ndarray, np.ndarray],
    drive: np.ndarray,
    layer: "Layer",
) -> Tuple[Tuple[np.ndarray, np.ndarray], np.ndarray]:
    """Advance one timestep.

    Args:
        state: ``(v, s)``: v int32 [N, n] in state LSBs, s bool [N, n] the previous spikes.
        drive: the synaptic current shifted into state LSBs, ``I << F``, int32 [N, n].
        layer: the artifact layer; its params ``beta`` (beta_q, leak factor beta_q / 256)
            and ``threshold`` (state LSBs); ``v_init`` enters through :func:`initial_state`.

    Returns:
        ``((v, s), s)`` with the new potentials and spikes bool [N, n].
    """
    v, fired = state
    theta = np.int32(layer.params["threshold"])
    acc = v * np.int32(layer.params["beta"])
    acc >>= formats.BETA_BITS
    acc += drive
    acc -= fired * theta
    np.clip(acc, formats.STATE_MIN, formats.STATE_MAX, out=acc)
    fired = acc > theta
    return (acc, fired), fired


def layer_problems(layer: "Layer") -> List[str]:
    """No rule beyond the parameter ranges: the weight shift never enters the LIF's arithmetic."""
    return []


def to_descriptor(layer: "Layer") -> Dict[str, int]:
    """``beta`` (D1[24:16]), ``threshold`` (D2[15:0]) and ``v_init`` (D2[31:16])."""
    return {name: layer.params[name] for name in ("beta", "threshold", "v_init")}


def from_descriptor(fields: Mapping[str, int], frac_bits: int) -> Tuple[int, Dict[str, int]]:
    """``(0, {"beta", "threshold", "v_init"})``: the image does not carry a LIF layer's weight
    shift, and the LIF arithmetic in state LSBs does not depend on it."""
    return 0, {name: fields[name] for name in ("beta", "threshold", "v_init")}


def descriptor_problems(fields: Mapping[str, int]) -> List[Tuple[int, str]]:
    """The IP refuses a LIF threshold below 1 (D2[15:0], signed)."""
    if fields["threshold"] < formats.THRESHOLD_MIN:
        return [(2, f"LIF threshold {fields['threshold']} < {formats.THRESHOLD_MIN}")]
    return []


MODEL = NeuronModel(
    name="lif",
    code=0,
    params={
        "beta": (0, formats.BETA_ONE),
        "threshold": (formats.THRESHOLD_MIN, formats.THRESHOLD_MAX),
        "v_init": (formats.STATE_MIN, formats.STATE_MAX),
    },
    defaults={"v_init": 0},
    state_names=("v",),
    initial_state=initial_state,
    step=step,
    layer_problems=layer_problems,
    to_descriptor=to_descriptor,
    from_descriptor=from_descriptor,
    descriptor_problems=descriptor_problems,
    why_high={"threshold": f"v saturates at {formats.STATE_MAX} and fires only above the threshold, "
                           f"so a threshold of {formats.STATE_MAX} never fires"},
)
