"""Spike encoders: turn a data set's inputs into time-major spike trains.

Every encoder returns uint8 spikes ``s[t, n, c]`` in {0, 1}, shape [T, N, C]
(time-major: step ``t``, sample ``n``, input channel ``c``), the layout that the
networks, the emulator and the IP take. Four kinds exist:

``"rate"`` (Bernoulli rate coding)
    ``x`` holds intensities [N, C] in [0, 1]. At every step each channel spikes
    independently with probability ``p = clip(gain * x, 0, 1)``::

        s[t, n, c] = 1  if  u[t, n, c] < gain * x[n, c]  else 0,
        u[t, n, c] ~ Uniform[0, 1)  (float32, one draw per step, sample, channel)

    so the expected spike count of a channel over ``T`` steps is ``T * p`` and
    its rate is ``p`` spikes per step. ``gain`` is dimensionless.

``"raster"``
    ``x`` already is a spike raster [N, T, C] in {0, 1} (batch-major, as data
    sets store it); it is passed through, transposed to [T, N, C]. ``gain`` plays
    no part.

``"latency"`` (time to first spike, ``snntorch.spikegen.latency``)
    ``x`` holds intensities [N, C] in [0, 1]; each fires once, the brighter the
    earlier: ``t = tau * (1 - x)`` (``linear``) or ``t = tau * ln(x / (x - threshold))``
    (log), in steps, optionally ``normalize``d to span T - 1 steps and ``clip``ped
    below ``threshold`` (:mod:`.temporal_codes` gives every step).

``"delta"`` (``snntorch.spikegen.delta``)
    ``x`` holds a series [N, T, C] of real values; a channel spikes at a step
    where it rose by at least ``threshold`` since the previous step (from 0, or
    from its first value with ``padding``).

This module imports numpy only.
"""
from __future__ import annotations

import copy
from dataclasses import dataclass
from numbers import Real
from typing import Any, Iterator, Mapping, Optional

import numpy as np

from . import formats, temporal_codes
from .quote import quote
from .working_set import WORKING_SET_BYTES

KINDS = ("rate", "raster", "latency", "delta")
#: The parameters each kind records, beyond ``kind`` and ``steps``, and their defaults
#: (snntorch.spikegen's: latency threshold 0.01, delta threshold 0.1).
PARAMETERS = {
    "rate": {"gain": 1.0},
    "raster": {"gain": 1.0},
    "latency": {"tau": 1.0, "threshold": 0.01, "linear": False, "normalize": False, "clip": False},
    "delta": {"threshold": 0.1, "padding": False},
}
MAX_TAU = float(formats.STEPS_MAX)
#: The kinds whose spikes follow from the input alone (no random draws).
DETERMINISTIC = ("raster", "latency", "delta")
MAX_STEPS = formats.STEPS_MAX
MAX_GAIN = 1e3


@dataclass(frozen=True)
class Encoding:
    """How inputs become spikes: ``kind`` (one of :data:`KINDS`), ``steps`` T, and the kind's parameters.

    ``steps`` is the number of timesteps T (1 to 65535); ``gain`` scales rate-coded
    intensities into spike probabilities, 0 < gain <= 1000; ``tau`` (steps, 0 < tau
    <= 65535), ``linear``, ``normalize`` and ``clip`` shape latency coding;
    ``threshold`` is latency coding's intensity threshold in [0, 1) or delta coding's
    rise, > 0; ``padding`` starts delta coding from the first value instead of 0
    (see the module docstring). ``threshold=None`` takes the kind's default
    (:data:`PARAMETERS`).
    """

    kind: str
    steps: int
    gain: float = 1.0
    tau: float = 1.0
    threshold: Optional[float] = None
    linear: bool = False
    normalize: bool = False
    clip: bool = False
    padding: bool = False

    def __post_init__(self):
        if not isinstance(self.kind, str) or self.kind not in KINDS:
            raise ValueError(f"encoding kind must be one of {', '.join(KINDS)}, got {quote(self.kind)}")
        if not _is_int(self.steps) or not 1 <= self.steps <= MAX_STEPS:
            raise ValueError(f"encoding steps must be an integer in [1, {MAX_STEPS}], got {quote(self.steps)}")
        # compared before any float conversion: an integer gain may be too large for a float,
        # and NaN fails every comparison
        if not _is_real(self.gain) or not 0 < self.gain <= MAX_GAIN:
            raise ValueError(f"encoding gain must be a number in (0, {MAX_GAIN:g}], got {quote(self.gain)}")
        threshold = PARAMETERS[self.kind].get("threshold", 0.01) if self.threshold is None else self.threshold
        low_open = self.kind == "delta"  # delta: a rise > 0; latency: an intensity in [0, 1)
        if not _is_real(threshold) or not (0 < threshold if low_open else 0 <= threshold < 1) \
                or not threshold < float("inf"):
            limits = "a finite number > 0" if low_open else "a number in [0, 1)"
            raise ValueError(f"{self.kind} encoding threshold must be {limits}, got {quote(threshold)}")
        if not _is_real(self.tau) or not 0 < self.tau <= MAX_TAU:
            raise ValueError(f"encoding tau must be a number of steps in (0, {MAX_TAU:g}], got {quote(self.tau)}")
        for flag in ("linear", "normalize", "clip", "padding"):
            if not isinstance(getattr(self, flag), (bool, np.bool_)):
                raise ValueError(f"encoding {flag} must be true or false, got {quote(getattr(self, flag))}")
        # Plain Python values, so that to_dict() is JSON-able even from numpy scalars.
        object.__setattr__(self, "steps", int(self.steps))
        object.__setattr__(self, "gain", float(self.gain))
        object.__setattr__(self, "tau", float(self.tau))
        object.__setattr__(self, "threshold", float(threshold))
        for flag in ("linear", "normalize", "clip", "padding"):
            object.__setattr__(self, flag, bool(getattr(self, flag)))

    def to_dict(self) -> dict:
        """``{"kind": str, "steps": int, ...}`` with the kind's parameters (:data:`PARAMETERS`): plain JSON values.

        Rate and raster encodings give ``{"kind", "steps", "gain"}``, as artifacts always recorded them.
        """
        return {"kind": self.kind, "steps": self.steps, **{key: getattr(self, key) for key in PARAMETERS[self.kind]}}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> "Encoding":
        """Rebuild an encoding from :meth:`to_dict`'s output; a parameter left out takes its default.

        Raises ValueError for a non-mapping, unknown or missing keys, or values of
        the wrong type or out of range.
        """
        if not isinstance(d, Mapping):
            raise ValueError(f"an encoding must be a dict, got {type(d).__name__}")
        missing = [key for key in ("kind", "steps") if key not in d]
        if missing:
            raise ValueError(f"encoding is missing {', '.join(missing)}")
        if not isinstance(d["kind"], str):
            raise ValueError(f"encoding kind must be a string, got {type(d['kind']).__name__}")
        if d["kind"] not in KINDS:
            raise ValueError(f"encoding kind must be one of {', '.join(KINDS)}, got {quote(d['kind'])}")
        expected = ("kind", "steps", *PARAMETERS[d["kind"]])
        unknown = sorted(set(d) - set(expected), key=str)
        if unknown:
            raise ValueError(f"unknown encoding keys {quote(unknown)}; expected {', '.join(expected)}")
        if not _is_int(d["steps"]):
            raise ValueError(f"encoding steps must be an integer, got {type(d['steps']).__name__}")
        gain = d.get("gain", 1.0)
        if not _is_real(gain):
            raise ValueError(f"encoding gain must be a number, got {type(gain).__name__}")
        parameters = {key: d[key] for key in PARAMETERS[d["kind"]] if key in d}
        return cls(**{**parameters, "kind": d["kind"], "steps": d["steps"], "gain": gain})


def encode(encoding: Encoding, x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Encode ``x`` as uint8 spikes [T, N, C] (time-major), T = ``encoding.steps``.

    ``"raster"``: ``x`` is [N, T, C] with values 0 or 1 (bool, integer or float
    dtype); ``"delta"``: ``x`` is [N, T, C] finite values; ``"latency"``: ``x`` is
    [N, C] intensities in [0, 1]; these three do not use ``rng``. ``"rate"``: ``x`` is [N, C] finite intensities in
    [0, 1]; the spikes come from one ``rng.random((T, N, C), dtype=np.float32)``
    call, so they depend only on ``rng``'s state and on the shape: generators made
    from the same seed give the same spikes. A spike is ``draw < gain * x``; the
    float32 draws lie on the grid ``k * 2**-24`` (k = 0 .. 2**24 - 1), so a step spikes
    with probability ``min(ceil(gain * x * 2**24) / 2**24, 1)``: ``gain * x`` rounded
    up to that grid (for ``gain * x`` in (0, 2**-24], 2**-24 rather than ``gain * x``).

    Raises ValueError naming the problem and the expected shape for a wrong number
    of dimensions, a raster with the wrong T, a non-numeric dtype, NaN or infinite
    values, or values outside {0, 1} (raster) or [0, 1] (rate).
    """
    x = _check_input(encoding, x)
    if encoding.kind in DETERMINISTIC:
        return _deterministic(encoding, x)
    _check_rng(rng)
    probability = encoding.gain * x.astype(np.float64)
    draws = rng.random((encoding.steps,) + x.shape, dtype=np.float32)
    return (draws < probability).astype(np.uint8)


def encode_batches(
    encoding: Encoding, x: np.ndarray, rng: np.random.Generator, batch_size: int, budget: int = WORKING_SET_BYTES
) -> Iterator[np.ndarray]:
    """:func:`encode` in batches of ``batch_size`` samples: yields uint8 [T, n, C] for consecutive
    batches, each equal to its slice of ``encode(encoding, x, rng)``, and leaves ``rng`` where
    ``encode`` leaves it.

    Memory: one batch, and for rate coding a piece of the draws of at most ``budget`` bytes.
    Rate coding draws the spikes of every sample of a step together. When all the draws
    fit in ``budget`` they are drawn at once; beyond it, with numpy's default bit
    generator (PCG64), each batch jumps to its own draws in the stream (``advance``,
    about 0.2 ms a step and batch), so the time stays that of :func:`encode`; with any
    other, each batch draws the whole
    stream again from ``rng``'s state at the start and keeps its own samples: the time
    grows with the number of batches, the memory does not.
    """
    x = _check_input(encoding, x, check_values=encoding.kind == "rate")
    if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) or batch_size < 1:
        raise ValueError(f"batch_size must be an integer >= 1 (samples per batch), got {batch_size!r}")
    n_samples = x.shape[0]
    if encoding.kind in DETERMINISTIC:
        for first in range(0, n_samples, batch_size):
            batch = x[first: first + batch_size]
            yield _deterministic(encoding, _check_raster_values(batch) if encoding.kind == "raster" else batch)
        return
    _check_rng(rng)
    start = copy.deepcopy(rng.bit_generator.state)
    steps, channels = encoding.steps, x.shape[1]
    if 4 * steps * n_samples * channels <= budget:
        draws = rng.random((steps, n_samples, channels), dtype=np.float32)
        for first in range(0, max(n_samples, 1), batch_size):
            probability = encoding.gain * x[first: first + batch_size].astype(np.float64)
            yield (draws[:, first: first + batch_size] < probability).astype(np.uint8)
        return
    if isinstance(rng.bit_generator, np.random.PCG64):
        for first in range(0, n_samples, batch_size):
            probability = encoding.gain * x[first: first + batch_size].astype(np.float64)
            spikes = np.empty((steps,) + probability.shape, dtype=np.uint8)
            for t in range(steps):  # step t's draws for these samples: one run of the stream
                draws = _pcg64_at(start, (t * n_samples + first) * channels).random(probability.shape, np.float32)
                spikes[t] = draws < probability
            yield spikes
        rng.bit_generator.state = _pcg64_at(start, steps * n_samples * channels).bit_generator.state
        return
    run = max(1, min(steps, budget // max(4 * n_samples * channels, 1)))  # float32 draws per piece
    for first in range(0, max(n_samples, 1), batch_size):
        rng.bit_generator.state = copy.deepcopy(start)
        samples = slice(first, min(first + batch_size, n_samples))
        probability = encoding.gain * x[samples].astype(np.float64)
        spikes = np.empty((steps,) + probability.shape, dtype=np.uint8)
        for begin in range(0, steps, run):
            draws = rng.random((min(run, steps - begin), n_samples, channels), dtype=np.float32)
            spikes[begin: begin + draws.shape[0]] = draws[:, samples] < probability
        yield spikes


def _pcg64_at(start: dict, offset: int) -> np.random.Generator:
    """A generator that gives the float32 draws of a PCG64 generator in state ``start`` from draw ``offset`` on.

    A float32 draw takes one 32-bit half of a 64-bit output, low half first, and keeps the
    other (``has_uint32``) for the next; ``advance(k)`` skips k 64-bit outputs.
    """
    state = copy.deepcopy(start)
    if state["has_uint32"] and offset:  # draw 0 is the kept half; the rest start at a whole output
        state["has_uint32"], offset = 0, offset - 1
    bits = np.random.PCG64()
    bits.state = state
    if offset:
        bits.advance(offset // 2)
    generator = np.random.Generator(bits)
    if offset % 2:
        generator.random(1, dtype=np.float32)
    return generator


def _check_input(encoding: Encoding, x: np.ndarray, check_values: bool = True) -> np.ndarray:
    """``x`` as an array, checked as :func:`encode` says (raster values only if ``check_values``)."""
    if not isinstance(encoding, Encoding):
        raise TypeError(f"encoding must be an Encoding, got {type(encoding).__name__}")
    x = np.asarray(x)
    if not (np.issubdtype(x.dtype, np.number) or x.dtype == np.bool_) or np.issubdtype(x.dtype, np.complexfloating):
        raise ValueError(f"input must be a real numeric array, got dtype {x.dtype}")
    steps, kind = encoding.steps, encoding.kind
    if kind in ("raster", "delta"):
        if x.ndim != 3:
            raise ValueError(
                f"a {kind} input must be [N, T, C] = [samples, {steps}, channels], got shape {x.shape}"
            )
        if x.shape[1] != steps:
            raise ValueError(
                f"the {kind} input has T = {x.shape[1]} steps, the encoding has {steps}: "
                f"expected [samples, {steps}, channels], got shape {x.shape}"
            )
        if kind == "delta":
            if x.size and not np.all(np.isfinite(x)):
                raise ValueError("the delta input contains NaN or infinite values; expected finite values")
            return x
        return _check_raster_values(x) if check_values else x
    if x.ndim != 2:
        raise ValueError(f"a {kind} input must be [N, C] = [samples, channels] intensities, got shape {x.shape}")
    if x.size and not np.all(np.isfinite(x)):
        raise ValueError(f"{kind} intensities contain NaN or infinite values; expected finite values in [0, 1]")
    if x.size and (x.min() < 0 or x.max() > 1):
        raise ValueError(
            f"{kind} intensities must lie in [0, 1], found values in [{float(x.min())}, {float(x.max())}]"
        )
    return x


def _deterministic(encoding: Encoding, x: np.ndarray) -> np.ndarray:
    """The spikes [T, N, C] of the kinds that draw nothing (:data:`DETERMINISTIC`), ``x`` checked."""
    if encoding.kind == "raster":
        return _raster(x)
    if encoding.kind == "delta":
        return temporal_codes.delta(x, encoding.threshold, encoding.padding)
    return temporal_codes.latency(x, encoding.steps, encoding.tau, encoding.threshold, encoding.linear,
                                  encoding.normalize, encoding.clip)


def _check_raster_values(x: np.ndarray) -> np.ndarray:
    bad = x[(x != 0) & (x != 1)]
    if bad.size:
        raise ValueError(f"raster values must be 0 or 1 (spike or none), found {bad.flat[0].item()}")
    return x


def _raster(x: np.ndarray) -> np.ndarray:
    """A raster [N, T, C] as uint8 spikes [T, N, C]."""
    return np.ascontiguousarray(x.transpose(1, 0, 2), dtype=np.uint8)


def _check_rng(rng: np.random.Generator) -> None:
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"rng must be a numpy Generator (np.random.default_rng), got {type(rng).__name__}")


def _is_int(value) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_))


def _is_real(value) -> bool:
    return isinstance(value, Real) and not isinstance(value, (bool, np.bool_))
