"""Izhikevich parameter sets in float: the normalized model's and the standard model's presets.

Plain Python (no torch), so that the names of models and presets can be listed
anywhere, the command line included. The equations are in ``izhikevich.py``.

*Normalized* (Liu et al., "SC-IZ", Electronics 13 (2024) 909): ``v' = a1 v^2 +
a2 v + a3 u + I``, ``u' = b1 v + b2 u + b3`` with the published magnitudes and the
signs of the standard model: ``a2, a3, b2 < 0 < a1, b1``.

*Standard* (Izhikevich, IEEE TNN 14 (2003) 1569), v in mV, stepped with ``dt = 0.5``
ms per timestep: ``a1 = 0.04 dt, a2 = 5 dt, a0 = 140 dt, a3 = -dt, b1 = a b dt,
b2 = -a dt``, spike at 30 mV.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Dict


#: The IP's 16-bit state holds this many times a preset's largest level (``scale``): the threshold
#: takes at most 2**12 of its 2**15 LSBs (``quant/fixed_point.py``). ``v`` and the levels stay within
#: ``+-STATE_HEADROOM * scale``.
STATE_HEADROOM = 8


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
