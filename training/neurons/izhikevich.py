"""Izhikevich neurons in float: the normalized model and the standard one in mV.

Both are a quadratic membrane ``v`` with a linear recovery ``u``, advanced by one
explicit Euler step per timestep with the reset of the previous step's spike
applied first (the order of ``overlay/CONTRACT.md``, "Izhikevich")::

    if s[t-1]:  v, u = c, u + d
    v[t] = v + a1*v**2 + a2*v + a3*u + a0 + I[t]
    u[t] = u + b1*v + b2*u + b3                 # the same (old) v
    s[t] = H(v[t] - v_th)                       # strict: fires when v > v_th

``v[-1] = v_init``, ``u[-1] = u_init``; all coefficients are per timestep.

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

from dataclasses import asdict, dataclass
from typing import Dict, Optional, Tuple

import torch
from torch import nn

from ...overlay import formats
from .. import surrogate


@dataclass(frozen=True)
class IzhikevichParams:
    """Per-timestep coefficients (``a*``, ``b*``) and levels (``a0, b3, c, d, v_th, v_*``)."""

    a1: float
    a2: float
    a3: float
    b1: float
    b2: float
    c: float
    d: float
    v_th: float
    a0: float = 0.0
    b3: float = 0.0
    v_init: float = 0.0
    u_init: float = 0.0

    @property
    def scale(self) -> float:
        """The largest level the state must hold, in the units of v (sets the fixed point)."""
        return max(abs(x) for x in (self.v_th, self.c, self.d, self.a0, self.b3, self.v_init, self.u_init))

    def to_dict(self) -> Dict[str, float]:
        return asdict(self)


def _normalized(a1, a2, a3, b1, b2, b3, c, d, v_th) -> IzhikevichParams:
    return IzhikevichParams(a1=a1, a2=-a2, a3=-a3, b1=b1, b2=-b2, b3=b3, c=c, d=d, v_th=v_th)


def _standard(a, b, c, d, dt=0.5) -> IzhikevichParams:
    return IzhikevichParams(
        a1=0.04 * dt, a2=5 * dt, a0=140 * dt, a3=-dt, b1=a * b * dt, b2=-a * dt,
        c=c, d=d, v_th=30.0, v_init=-65.0, u_init=b * -65.0,
    )


#: Normalized presets (magnitudes as published by Liu et al.; signs as above).
NORMALIZED_PRESETS: Dict[str, IzhikevichParams] = {
    "RS": _normalized(1, 0.21, 0.019, 1 / 32, 1 / 32, 0, 0.105, 0.412, 0.7),
    "IB": _normalized(1, 1 / 4, 0.043, 1 / 128, 1 / 64, 0, 0.152, 0.164, 1.0),
    "CH": _normalized(4, 0.66, 0.077, 1 / 128, 1 / 32, 0, 0.158, 0.295, 0.645),
}

#: Standard presets, (a, b, c, d) from Izhikevich (2003).
STANDARD_PRESETS: Dict[str, IzhikevichParams] = {
    "RS": _standard(0.02, 0.2, -65, 8),
    "IB": _standard(0.02, 0.2, -55, 4),
    "CH": _standard(0.02, 0.2, -50, 2),
    "FS": _standard(0.1, 0.2, -65, 2),
    "LTS": _standard(0.02, 0.25, -65, 2),
}

#: Model name (as the CLI spells it) -> its presets.
PRESETS = {"izh-norm": NORMALIZED_PRESETS, "izh": STANDARD_PRESETS}

#: The synaptic current reaching the membrane is ``2**shift`` times the weighted input
#: sum: 64 mV per unit weight for the standard model, so the trained weights stay
#: near 1 and Adam's steps fit them. A power of two, it folds into the weight scale
#: on export (``weight_shift - shift``) and costs the IP nothing.
INPUT_GAIN_SHIFT = {"lif": 0, "izh-norm": 0, "izh": 6}


def preset(model: str, name: str) -> IzhikevichParams:
    """The preset ``name`` of ``model`` ("izh-norm" or "izh"); ValueError lists the choices."""
    if model not in PRESETS:
        raise ValueError(f"unknown Izhikevich model {model!r}; choose one of {', '.join(PRESETS)}")
    if name not in PRESETS[model]:
        raise ValueError(f"unknown {model} preset {name!r}; choose one of {', '.join(PRESETS[model])}")
    return PRESETS[model][name]


#: Parameters that ``learn=True`` makes trainable (the rest stay fixed buffers).
LEARNABLE = ("a1", "a2", "a3", "b1", "b2", "a0", "b3", "c", "d")
#: Parameters held as coefficients with 12 fraction bits; the others are levels.
COEFFICIENTS = ("a1", "a2", "a3", "b1", "b2")


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
        return -8 * self.scale, 8 * self.scale

    def value(self, name: str) -> torch.Tensor:
        """Parameter ``name``, clamped to its range (no gradient past the clamp)."""
        low, high = self.limits(name)
        return torch.clamp(getattr(self, name), low, high)

    def current(self) -> IzhikevichParams:
        """The clamped values as plain floats (what export turns into integers)."""
        return IzhikevichParams(**{name: float(self.value(name).detach()) for name in self.names})


class Izhikevich(nn.Module):
    """``spk, v, u = izh(cur, v, u)``: one timestep of a layer of Izhikevich neurons.

    With ``learn=True`` the coefficients and levels (``LEARNABLE``) are trained.
    """

    #: State tensors after the spike in the call's return, by name.
    STATE_NAMES = ("v", "u")

    def __init__(self, params: IzhikevichParams, spike_grad: str = "atan", learn: bool = False):
        super().__init__()
        self.params = IzhikevichParameters(params, learn)
        self.spike = surrogate.get(spike_grad)

    def forward(
        self, cur: torch.Tensor, v: Optional[torch.Tensor] = None, u: Optional[torch.Tensor] = None
    ) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        p = {name: self.params.value(name).to(cur.dtype) for name in self.params.names}
        scale = self.params.scale
        if v is None:
            v = p["v_init"].expand_as(cur)
        if u is None:
            u = p["u_init"].expand_as(cur)
        fired = (v > p["v_th"]).detach()
        v = torch.where(fired, p["c"], v)
        u = u + fired.to(u.dtype) * p["d"]
        limit = 8 * scale
        v_new = torch.clamp(v + p["a1"] * v * v + p["a2"] * v + p["a3"] * u + p["a0"] + cur, -limit, limit)
        u_new = torch.clamp(u + p["b1"] * v + p["b2"] * u + p["b3"], -limit, limit)
        spk = self.spike((v_new - p["v_th"]) / scale)
        return spk, v_new, u_new
