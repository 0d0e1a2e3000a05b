"""Integer LIF neuron of the SNN core IP, as plain numpy integer code.

One timestep for a vector of neurons (``CONTRACT.md``, "One timestep of one
layer"), all quantities in state LSBs of ``2**-(weight_shift + frac_bits)``::

    leak   = (beta_q * v[t-1]) >> 8                 # floor
    reset  = theta if s[t-1] else 0                 # s[t-1] = v[t-1] > theta
    v[t]   = sat16(leak + drive[t] - reset)         # drive = I << F
    s[t]   = v[t] > theta

``v[-1] = 0`` and ``s[-1] = 0``. This module is the emulator's only copy of the
update. The state tuple is ``(v, s)``: ``v`` is the neuron's one register; ``s``
caches the comparison of the previous step so that it is not computed twice.
"""
from __future__ import annotations

from typing import Tuple

import numpy as np

from . import formats
from .artifact import Layer

#: Names of the architectural state registers, in state-tuple order.
STATE_NAMES = ("v",)


def initial_state(n_samples: int, layer: Layer) -> Tuple[np.ndarray, np.ndarray]:
    """A fresh sample: ``v`` int32 zeros and no previous spike, both [n_samples, n_out]."""
    shape = (n_samples, layer.n_out)
    return np.zeros(shape, dtype=np.int32), np.zeros(shape, dtype=bool)


def step(
    state: Tuple[np.ndarray, np.ndarray],
    drive: np.ndarray,
    layer: Layer,
) -> Tuple[Tuple[np.ndarray, np.ndarray], np.ndarray]:
    """Advance one timestep.

    Args:
        state: ``(v, s)``: v int32 [N, n] in state LSBs, s bool [N, n] the previous spikes.
        drive: the synaptic current shifted into state LSBs, ``I << F``, int32 [N, n].
        layer: the artifact layer; its params ``beta`` (beta_q, leak factor beta_q / 256)
            and ``threshold`` (state LSBs).

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
