"""NIR's continuous LIF and the IP's discrete LIF, mapped onto each other as snnTorch maps them.

NIR's ``LIF`` node is a continuous-time neuron (``v`` and ``v_threshold`` in the units of
``r * I``, ``tau`` in seconds)::

    tau * dv/dt = (v_leak - v) + r * I,    z = H(v - v_threshold),    after a spike v = v_reset

snnTorch (``snntorch/export_nir.py`` and ``import_nir.py``) steps it with ``dt = 1e-4`` s per
timestep and reads it as ``snn.Leaky``, the contract's LIF (``overlay/CONTRACT.md``)::

    beta      = 1 - dt / tau                       (out: tau = dt / (1 - beta), r = tau / dt)
    mem[t]    = beta * mem[t-1] + I[t] - reset[t] * threshold
    threshold = v_threshold / (r * dt / tau)       (out: v_leak = v_reset = 0, r * dt / tau = 1)

The input scale ``r * dt / tau`` moves into the threshold; within ``numpy.allclose`` of 1
the threshold is ``v_threshold`` itself, as snnTorch reads it. ``beta = 1`` (no leak) is
``tau = r = inf``, which those formulas give, and reads back with the input scale 1.

**The reset.** NIR's LIF sets ``v`` to ``v_reset`` after a spike. snnTorch writes its
subtracting ``snn.Leaky`` (the threshold subtracted one step after the spike) as that LIF
with ``v_reset = 0``, so a LIF with ``v_reset = 0`` is read as that Leaky: the IP's LIF.
The toolkit writes it with ``metadata = {"reset_mechanism": "subtract", "reset_delay": True}``
(snnTorch's option names), and refuses a LIF whose metadata names another reset.
snnTorch's own ``import_from_nir`` builds a Leaky that resets to zero at once
(``reset_mechanism="zero"``, ``reset_delay=False``): from the first spike on, its
membrane differs from the IP's unless its reset is set to the IP's.
"""
from __future__ import annotations

from typing import List, Optional, Tuple

import nir
import numpy as np

#: snnTorch's timestep for NIR's continuous neurons, in seconds.
DT = 1e-4
#: The IP's reset in snnTorch's ``snn.Leaky`` option names, written as each LIF node's metadata.
RESET = {"reset_mechanism": "subtract", "reset_delay": True}


def lif_node(beta: float, threshold: float, n: int) -> nir.LIF:
    """The NIR LIF of ``n`` neurons with leak ``beta`` in [0, 1] and ``threshold`` > 0 per timestep.

    Example:
        >>> node = lif_node(beta=0.75, threshold=1.0, n=2)
        >>> node.tau, node.r, node.v_threshold  # tau = dt / (1 - beta) s, r = tau / dt
        (array([0.0004, 0.0004], dtype=float32), array([4., 4.], dtype=float32), array([1., 1.], dtype=float32))
    """
    tau = np.inf if beta == 1.0 else DT / (1.0 - beta)

    def per_neuron(value: float) -> np.ndarray:
        return np.full(n, value, dtype=np.float32)

    return nir.LIF(tau=per_neuron(tau), r=per_neuron(tau / DT), v_leak=per_neuron(0.0),
                   v_threshold=per_neuron(threshold), v_reset=per_neuron(0.0), metadata=dict(RESET))


def per_layer(node: nir.NIRNode, name: str, problems: List[str]) -> np.ndarray:
    """The first neuron's ``name`` (an array of one value); a problem unless every neuron of
    ``node`` has that value."""
    values = np.asarray(getattr(node, name)).ravel()
    if np.unique(values).size > 1:
        problems.append(f"a per-neuron {name}: the IP holds one value per layer")
    return values[:1]


def discrete_lif(node: nir.LIF) -> Tuple[Optional[Tuple[float, float]], List[str]]:
    """``((beta, threshold), [])`` of the IP's LIF that runs ``node``, or ``(None, problems)``.

    ``beta`` and ``threshold`` are computed in the node's own dtype, as snnTorch computes
    them, so both read a graph into the same float model.

    Example:
        >>> discrete_lif(lif_node(beta=0.75, threshold=1.5, n=3))
        ((0.75, 1.5), [])
    """
    problems: List[str] = []
    tau, r, v_threshold, v_leak, v_reset = (
        per_layer(node, name, problems) for name in ("tau", "r", "v_threshold", "v_leak", "v_reset"))
    if np.any(v_leak != 0):
        problems.append(f"v_leak = {v_leak[0]:g}: the IP's LIF leaks towards 0, it has no resting potential")
    if np.any(v_reset != 0):
        problems.append(f"v_reset = {v_reset[0]:g}: the IP resets by subtracting the threshold "
                        "(a LIF with v_reset = 0 is read as snnTorch's subtracting Leaky)")
    for name, wanted in RESET.items():
        if name in node.metadata and node.metadata[name] != wanted:
            problems.append(f"metadata {name} = {node.metadata[name]!r}: the IP's reset is {name} = {wanted!r}")
    with np.errstate(divide="ignore", invalid="ignore"):
        beta = 1 - DT / tau
    if not 0 <= beta[0] <= 1:
        problems.append(f"tau = {tau[0]:g} s gives beta = 1 - dt / tau = {beta[0]:g} outside [0, 1] "
                        f"(snnTorch's step dt = {DT:g} s)")
        return None, problems
    with np.errstate(invalid="ignore"):
        input_scale = np.ones_like(r) if np.isinf(tau[0]) and np.isinf(r[0]) else r * DT / tau
    threshold = v_threshold if np.allclose(input_scale, 1.0) else v_threshold / input_scale
    if not (np.isfinite(input_scale[0]) and input_scale[0] > 0):
        problems.append(f"r = {r[0]:g} with tau = {tau[0]:g} s: the input reaches the membrane scaled by "
                        f"r * dt / tau = {input_scale[0]:g}, which must be finite and > 0")
    elif not 0 < threshold[0] < np.inf:
        problems.append(f"the threshold v_threshold / (r * dt / tau) = {threshold[0]:g} is not finite and > 0")
    if problems:
        return None, problems
    return (float(beta[0]), float(threshold[0])), []
