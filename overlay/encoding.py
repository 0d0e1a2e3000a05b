"""Spike encoders: turn a data set's inputs into time-major spike trains.

Every encoder returns uint8 spikes ``s[t, n, c]`` in {0, 1}, shape [T, N, C]
(time-major: step ``t``, sample ``n``, input channel ``c``), the layout that the
networks, the emulator and the IP take. Two kinds exist:

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

This module imports numpy only.
"""
from __future__ import annotations

import copy
from dataclasses import dataclass
from numbers import Real
from typing import Any, Iterator, Mapping

import numpy as np

from . import formats
from .quote import quote
from .working_set import WORKING_SET_BYTES

KINDS = ("rate", "raster")
MAX_STEPS = formats.STEPS_MAX
MAX_GAIN = 1e3


@dataclass(frozen=True)
class Encoding:
    """How inputs become spikes: ``kind`` ("rate" or "raster"), ``steps`` T, ``gain``.

    ``steps`` is the number of timesteps T (1 to 65535); ``gain`` scales rate-coded
    intensities into spike probabilities, 0 < gain <= 1000 (see the module docstring).
    """

    kind: str
    steps: int
    gain: float = 1.0

    def __post_init__(self):
        if not isinstance(self.kind, str) or self.kind not in KINDS:
            raise ValueError(f"encoding kind must be one of {', '.join(KINDS)}, got {quote(self.kind)}")
        if not _is_int(self.steps) or not 1 <= self.steps <= MAX_STEPS:
            raise ValueError(f"encoding steps must be an integer in [1, {MAX_STEPS}], got {quote(self.steps)}")
        # compared before any float conversion: an integer gain may be too large for a float,
        # and NaN fails every comparison
        if not _is_real(self.gain) or not 0 < self.gain <= MAX_GAIN:
            raise ValueError(f"encoding gain must be a number in (0, {MAX_GAIN:g}], got {quote(self.gain)}")
        # Plain Python numbers, so that to_dict() is JSON-able even from numpy scalars.
        object.__setattr__(self, "steps", int(self.steps))
        object.__setattr__(self, "gain", float(self.gain))

    def to_dict(self) -> dict:
        """``{"kind": str, "steps": int, "gain": float}``: plain JSON values."""
        return {"kind": self.kind, "steps": self.steps, "gain": self.gain}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> "Encoding":
        """Rebuild an encoding from :meth:`to_dict`'s output; ``gain`` may be omitted (1.0).

        Raises ValueError for a non-mapping, unknown or missing keys, or values of
        the wrong type or out of range.
        """
        if not isinstance(d, Mapping):
            raise ValueError(f"an encoding must be a dict, got {type(d).__name__}")
        unknown = sorted(set(d) - {"kind", "steps", "gain"}, key=str)
        if unknown:
            raise ValueError(f"unknown encoding keys {quote(unknown)}; expected kind, steps, gain")
        missing = [key for key in ("kind", "steps") if key not in d]
        if missing:
            raise ValueError(f"encoding is missing {', '.join(missing)}")
        if not isinstance(d["kind"], str):
            raise ValueError(f"encoding kind must be a string, got {type(d['kind']).__name__}")
        if not _is_int(d["steps"]):
            raise ValueError(f"encoding steps must be an integer, got {type(d['steps']).__name__}")
        gain = d.get("gain", 1.0)
        if not _is_real(gain):
            raise ValueError(f"encoding gain must be a number, got {type(gain).__name__}")
        return cls(kind=d["kind"], steps=d["steps"], gain=gain)


def encode(encoding: Encoding, x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Encode ``x`` as uint8 spikes [T, N, C] (time-major), T = ``encoding.steps``.

    ``"raster"``: ``x`` is [N, T, C] with values 0 or 1 (bool, integer or float
    dtype); ``rng`` is not used. ``"rate"``: ``x`` is [N, C] finite intensities in
    [0, 1]; the spikes come from one ``rng.random((T, N, C), dtype=np.float32)``
    call, so they depend only on ``rng``'s state and on the shape: generators made
    from the same seed give the same spikes.

    Raises ValueError naming the problem and the expected shape for a wrong number
    of dimensions, a raster with the wrong T, a non-numeric dtype, NaN or infinite
    values, or values outside {0, 1} (raster) or [0, 1] (rate).
    """
    x = _check_input(encoding, x)
    if encoding.kind == "raster":
        return _raster(x)
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
    Rate coding draws the spikes of every sample of a step together, so each batch of a
    split input draws the whole stream again from ``rng``'s state at the start and keeps
    its own samples: the time grows with the number of batches, the memory does not.
    """
    x = _check_input(encoding, x, check_values=encoding.kind == "rate")
    if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) or batch_size < 1:
        raise ValueError(f"batch_size must be an integer >= 1 (samples per batch), got {batch_size!r}")
    n_samples = x.shape[0]
    if encoding.kind == "raster":
        for first in range(0, n_samples, batch_size):
            yield _raster(_check_raster_values(x[first: first + batch_size]))
        return
    _check_rng(rng)
    start = copy.deepcopy(rng.bit_generator.state)
    steps, channels = encoding.steps, x.shape[1]
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


def _check_input(encoding: Encoding, x: np.ndarray, check_values: bool = True) -> np.ndarray:
    """``x`` as an array, checked as :func:`encode` says (raster values only if ``check_values``)."""
    if not isinstance(encoding, Encoding):
        raise TypeError(f"encoding must be an Encoding, got {type(encoding).__name__}")
    x = np.asarray(x)
    if not (np.issubdtype(x.dtype, np.number) or x.dtype == np.bool_) or np.issubdtype(x.dtype, np.complexfloating):
        raise ValueError(f"input must be a real numeric array, got dtype {x.dtype}")
    steps = encoding.steps
    if encoding.kind == "raster":
        if x.ndim != 3:
            raise ValueError(
                f"a raster input must be [N, T, C] = [samples, {steps}, channels], got shape {x.shape}"
            )
        if x.shape[1] != steps:
            raise ValueError(
                f"the raster has T = {x.shape[1]} steps, the encoding has {steps}: "
                f"expected [samples, {steps}, channels], got shape {x.shape}"
            )
        return _check_raster_values(x) if check_values else x
    if x.ndim != 2:
        raise ValueError(f"a rate input must be [N, C] = [samples, channels] intensities, got shape {x.shape}")
    if x.size and not np.all(np.isfinite(x)):
        raise ValueError("rate intensities contain NaN or infinite values; expected finite values in [0, 1]")
    if x.size and (x.min() < 0 or x.max() > 1):
        raise ValueError(
            f"rate intensities must lie in [0, 1], found values in [{float(x.min())}, {float(x.max())}]"
        )
    return x


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
