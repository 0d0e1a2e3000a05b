"""Latency and delta coding: spike times and changes as uint8 spikes [T, N, C].

The arithmetic follows ``snntorch.spikegen`` step for step, in float32 as torch
computes it, so the same inputs give the same spikes (``tests/test_encoders.py``
checks it on random inputs). Where snntorch raises or returns something the IP
cannot take, the difference is stated below. This module imports numpy only.

Latency (``snntorch.spikegen.latency``): each input ``x`` in [0, 1] [N, C] fires
once, at step ``round(t)`` (half to even), where ``th`` = ``threshold``::

    linear:  t = min(tau * (1 - x), tau * (1 - th))           tau = T - 1 when normalized
    log:     t = tau * ln(x' / (x' - th)),  x' = max(x, th + 1e-7)
             normalized: t * (T - 1) / t_max,  t_max = tau * ln((th + 1e-7) / 1e-7)

so brighter inputs fire earlier. ``clip`` drops the spikes of inputs below ``th``.
Differences: a spike time past step T - 1 is dropped (snntorch raises unless
``bypass``); snntorch normalizes the log code by the largest time in the batch, this
by the largest time any input can have, which is the same whenever some input of the
batch is at or below ``th`` (a dark pixel), and keeps a sample's spikes independent
of the batch it is in.

Delta (``snntorch.spikegen.delta``): ``x`` is a series [N, T, C]; channel ``c``
spikes at step ``t`` when it rose by at least ``threshold``::

    s[t] = 1  if  x[t] - x[t - 1] >= threshold,   x[-1] = 0 (or x[0] with ``padding``)

Difference: snntorch's ``off_spike`` (-1 spikes on falls) has no counterpart: the
IP's inputs are 1 bit.
"""
from __future__ import annotations

import numpy as np

#: snntorch's epsilon that keeps the log code's denominator positive.
EPSILON = 1e-7


def latency_times(x: np.ndarray, steps: int, tau: float, threshold: float, linear: bool,
                  normalize: bool) -> np.ndarray:
    """Spike times (in steps, float32 [N, C]) of intensities ``x`` in [0, 1] (see the module docstring)."""
    x = np.asarray(x, dtype=np.float32)
    if linear:
        tau = steps - 1 if normalize else tau
        return np.minimum(np.float32(-tau) * (x - np.float32(1)), np.float32(-tau * (threshold - 1)))
    low = np.float32(threshold + EPSILON)
    clamped = np.maximum(x, low)
    times = np.float32(tau) * np.log(clamped / (clamped - np.float32(threshold)))
    if normalize:
        longest = np.float32(tau) * np.log(low / (low - np.float32(threshold)))
        times = times * np.float32(steps - 1) / longest
    return times


def latency(x: np.ndarray, steps: int, tau: float, threshold: float, linear: bool, normalize: bool,
            clip: bool) -> np.ndarray:
    """Time-to-first-spike coding: uint8 spikes [T, N, C], at most one per channel."""
    x = np.asarray(x)
    step = np.rint(latency_times(x, steps, tau, threshold, linear, normalize))
    fires = step <= steps - 1
    if clip:
        fires &= x >= threshold
    spikes = np.zeros((steps,) + x.shape, dtype=np.uint8)
    n, c = np.nonzero(fires)
    spikes[step[n, c].astype(np.int64), n, c] = 1
    return spikes


def delta(x: np.ndarray, threshold: float, padding: bool) -> np.ndarray:
    """Delta coding of a series [N, T, C]: uint8 spikes [T, N, C] where a channel rose by ``threshold`` or more."""
    series = np.asarray(x, dtype=np.float32).transpose(1, 0, 2)
    previous = np.concatenate([series[:1] if padding else np.zeros_like(series[:1]), series[:-1]])
    return ((series - previous) >= np.float32(threshold)).astype(np.uint8)
