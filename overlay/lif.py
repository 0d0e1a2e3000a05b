"""Integer LIF neuron of the SNN core IP, as plain numpy integer code.

One timestep for a vector of neurons (``CONTRACT.md``, "One timestep of one
layer"), all quantities in state LSBs of ``2**-(weight_shift + frac_bits)``::

    leak   = (beta_q * v[t-1]) >> 8                 # floor
    reset  = theta if v[t-1] > theta else 0         # previous step's spike
    v[t]   = sat16(leak + (I[t] << F) - reset)
    s[t]   = v[t] > theta

``v[-1] = 0``. This module is the emulator's only copy of the update.
"""
from __future__ import annotations

from typing import Mapping, Tuple

import numpy as np

from . import formats

STATE_NAMES = ("v",)


def initial_state(n_samples: int, n_neurons: int) -> Tuple[np.ndarray, ...]:
    """Membrane potentials of a fresh sample: all zero, int32 [n_samples, n_neurons]."""
    return (np.zeros((n_samples, n_neurons), dtype=np.int32),)


def step(
    state: Tuple[np.ndarray, ...],
    current: np.ndarray,
    params: Mapping[str, int],
    frac_bits: int,
) -> Tuple[Tuple[np.ndarray, ...], np.ndarray]:
    """Advance one timestep.

    Args:
        state: ``(v,)`` with v int32 [N, n] in state LSBs.
        current: synaptic current I int32 [N, n] in weight LSBs.
        params: ``beta`` (beta_q, leak = beta_q / 256) and ``threshold`` (state LSBs).
        frac_bits: F, the state's fractional bits beyond the weight LSB.

    Returns:
        ``((v,), spikes)`` with spikes bool [N, n].
    """
    (v,) = state
    theta = np.int32(params["threshold"])
    leak = (np.int32(params["beta"]) * v) >> formats.BETA_BITS
    reset = np.where(v > theta, theta, np.int32(0))
    acc = leak + (current << frac_bits) - reset
    v = np.clip(acc, formats.STATE_MIN, formats.STATE_MAX).astype(np.int32, copy=False)
    return (v,), v > theta
