"""Izhikevich neurons in float: the normalized model and the standard one in mV.

Both are a quadratic membrane ``v`` with a linear recovery ``u``, advanced by one
explicit Euler step per timestep with the reset of the previous step's spike
applied first (the order of ``overlay/CONTRACT.md``, "Izhikevich")::

    if s[t-1]:  v, u = c, u + d
    v[t] = v + a1*v**2 + a2*v + a3*u + a0 + I[t]
    u[t] = u + b1*v + b2*u + b3                 # the same (old) v
    s[t] = H(v[t] - v_th)                       # strict: fires when v > v_th

``v[-1] = v_init``, ``u[-1] = u_init`` and ``s[-1] = 0`` (no reset at the first step,
even from a ``v_init`` above ``v_th``); all coefficients are per timestep.

*Normalized* (Liu et al., "SC-IZ", Electronics 13 (2024) 909): ``v' = a1 v^2 +
a2 v + a3 u + I``, ``u' = b1 v + b2 u + b3`` with the published magnitudes. The
signs follow from the standard model (the linear term and ``u`` pull ``v`` down,
``u`` relaxes towards ``v``): ``a2, a3, b2 < 0 < a1, b1``; with them RS fires
regularly with adaptation and CH chatters under constant input.

*Standard* (Izhikevich, IEEE TNN 14 (2003) 1569), v in mV and t in ms:
``v' = 0.04 v^2 + 5 v + 140 - u + I``, ``u' = a (b v - u)``, spike at 30 mV,
stepped with ``dt = 0.5`` ms per timestep (Izhikevich's own half step), so
``a1 = 0.04 dt, a2 = 5 dt, a0 = 140 dt, a3 = -dt, b1 = a b dt, b2 = -a dt``.

``v`` is clipped to ``[-v_limit, v_limit]`` (``v_limit = 8 * scale``, the same range
the 16-bit state of the IP holds), so the square cannot overflow in float. The
parameters can be learned (``learn=True``), clamped to what the IP's fixed point
holds.
"""
from __future__ import annotations

from dataclasses import replace
from typing import Optional, Tuple

import torch
from snntorch import SpikingNeuron
from torch import nn

from ...overlay import formats
from ...overlay.neurons.izhikevich import COEFFICIENTS
from .lif import SpikeGrad, spike_function
from .presets import STATE_HEADROOM, IzhikevichParams


#: Parameters that ``learn=True`` makes trainable (the rest stay fixed buffers).
LEARNABLE = ("a1", "a2", "a3", "b1", "b2", "a0", "b3", "c", "d")


class IzhikevichParameters(nn.Module):
    """A layer's Izhikevich parameters as tensors, optionally learnable.

    Every value is clamped, where it is used, to what the IP's fixed point holds:
    coefficients to [-8, 8 - 2**-12] (16 bits, 12 fraction bits), levels to
    ``+-8 * scale`` (the 16-bit state holds 8x the preset's largest level, see the
    choice of F in ``overlay/CONTRACT.md``). ``scale`` stays the preset's.
    """

    def __init__(self, params: IzhikevichParams, learn: bool = False):
        super().__init__()
        self.scale = params.scale
        self.names = tuple(params.to_dict())
        for name, value in params.to_dict().items():
            tensor = torch.tensor(float(value), dtype=torch.float64)
            if learn and name in LEARNABLE:
                self.register_parameter(name, nn.Parameter(tensor))
            else:
                self.register_buffer(name, tensor)

    def limits(self, name: str) -> Tuple[float, float]:
        """The real range parameter ``name`` is clamped to."""
        if name in COEFFICIENTS:
            one = 2.0 ** formats.COEF_FRAC_BITS
            return formats.COEF_MIN / one, formats.COEF_MAX / one
        return -STATE_HEADROOM * self.scale, STATE_HEADROOM * self.scale

    def value(self, name: str) -> torch.Tensor:
        """Parameter ``name``, clamped to its range (no gradient past the clamp)."""
        low, high = self.limits(name)
        return torch.clamp(getattr(self, name), low, high)

    def current(self) -> IzhikevichParams:
        """The clamped values as plain floats (what export turns into integers)."""
        return IzhikevichParams(**{name: float(self.value(name).detach()) for name in self.names})


class Izhikevich(SpikingNeuron):
    """``spk, v, u = izh(cur, v, u)``: one timestep of a layer of Izhikevich neurons.

    An snnTorch neuron (a ``SpikingNeuron``): it drops into any snnTorch model and
    takes snnTorch's options. The spike is ``spike_grad((v - v_th) / scale)``, the
    surrogate seeing ``v`` in units of the preset's largest level (``scale``), so
    one surrogate width serves the normalized model and the one in mV.

    Args:
        params: the coefficients and levels (a preset, see ``presets.py``).
        spike_grad: the surrogate gradient, by name (``training/surrogate.py``) or as a
            callable, as snnTorch takes it.
        threshold: ``v_th``, when it should differ from the preset's.
        init_hidden: keep ``v`` and ``u`` inside the module (snnTorch's convention);
            then ``izh(cur)`` returns the spikes alone, or ``(spk, v, u)`` with ``output``.
        output: with ``init_hidden``, also return the states.
        learn: train the coefficients and levels (``LEARNABLE``), clamped to the IP's
            fixed point.

    Example:
        >>> import torch
        >>> from pynq_snn.training.neurons import NEURONS
        >>> from pynq_snn.training.neurons.izhikevich import Izhikevich
        >>> izh = Izhikevich(NEURONS["izh-norm"].preset("RS"))  # regular spiking, normalized units
        >>> cur = torch.tensor([[0.0, 0.05, 0.2]])  # a constant current into each of 3 neurons
        >>> v = u = None
        >>> counts = torch.zeros(1, 3)
        >>> for t in range(100):
        ...     spk, v, u = izh(cur, v, u)
        ...     counts += spk
        >>> counts  # spikes in 100 steps: more current, more spikes
        tensor([[ 0.,  8., 26.]])
    """

    #: State tensors after the spike in the call's return, by name.
    STATE_NAMES = ("v", "u")

    def __init__(self, params: IzhikevichParams, spike_grad: SpikeGrad = "atan", threshold: Optional[float] = None,
                 init_hidden: bool = False, output: bool = False, learn: bool = False):
        if threshold is not None:
            params = replace(params, v_th=float(threshold))
        super().__init__(threshold=params.v_th, spike_grad=spike_function(spike_grad), init_hidden=init_hidden,
                         reset_mechanism="none", output=output)
        self.params = IzhikevichParameters(params, learn)
        self.reset_mem()

    def reset_mem(self) -> None:
        """Forget the hidden states: the next step starts from ``v_init`` and ``u_init``."""
        self.v: Optional[torch.Tensor] = None
        self.u: Optional[torch.Tensor] = None

    def step(self, cur: torch.Tensor, v: Optional[torch.Tensor], u: Optional[torch.Tensor]
             ) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """One timestep from explicit states (``None``: the initial ones); returns ``(spk, v, u)``."""
        p = {name: self.params.value(name).to(cur.dtype) for name in self.params.names}
        scale = self.params.scale
        # the first step sees no previous spike (s[-1] = 0), even from a v_init above v_th
        fired = torch.zeros_like(cur, dtype=torch.bool) if v is None else (v > p["v_th"]).detach()
        if v is None:
            v = p["v_init"].expand_as(cur)
        if u is None:
            u = p["u_init"].expand_as(cur)
        v = torch.where(fired, p["c"], v)
        u = u + fired.to(u.dtype) * p["d"]
        limit = STATE_HEADROOM * scale
        v_new = torch.clamp(v + p["a1"] * v * v + p["a2"] * v + p["a3"] * u + p["a0"] + cur, -limit, limit)
        u_new = torch.clamp(u + p["b1"] * v + p["b2"] * u + p["b3"], -limit, limit)
        return self.spike_grad((v_new - p["v_th"]) / scale), v_new, u_new

    def forward(self, cur: torch.Tensor, v: Optional[torch.Tensor] = None, u: Optional[torch.Tensor] = None):
        if not self.init_hidden:
            return self.step(cur, v, u)
        if v is not None or u is not None:
            raise TypeError("`v` and `u` are kept inside the module with init_hidden=True: do not pass them")
        spk, self.v, self.u = self.step(cur, self.v, self.u)
        return (spk, self.v, self.u) if self.output else spk
