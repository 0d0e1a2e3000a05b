"""Seeded random networks, inputs and outputs for the RTL-vs-emulator and stream tests (numpy only).

Sizes run from one neuron to the capacity edges of the IP under test; each layer
is LIF or Izhikevich at random. Parameters are drawn half the time near values
that make neurons fire and half the time anywhere in their fields, so that both
ordinary spiking and the saturating corners are exercised.
"""
from __future__ import annotations

import numpy as np

from pynq_snn.overlay import formats
from pynq_snn.overlay.artifact import Artifact, Layer
from pynq_snn.overlay.capacity import CapacityError, Requirements, check_fits
from pynq_snn.overlay.core_build import CoreBuild
from pynq_snn.overlay.stream import Outputs


def fits(sizes, build: CoreBuild) -> bool:
    """Whether the topology fits the build, rows and layers padded to whole lane words."""
    try:
        check_fits(Requirements.from_sizes(sizes, steps=1), build)
    except CapacityError:
        return False
    return True


def random_sizes(rng: np.random.Generator, build: CoreBuild) -> list:
    """A topology that fits ``build``: tiny, middling, or at an edge (the widest layer,
    the largest fan-in, the most layers)."""
    style = rng.choice(["tiny", "mid", "wide", "fan_in", "deep"])
    for _ in range(1000):
        n_layers = int(rng.integers(1, build.layers + 1))
        if style == "tiny":
            sizes = [int(x) for x in rng.integers(1, 6, size=int(rng.integers(2, 4)))]
        elif style == "mid":
            sizes = [int(rng.integers(1, build.fan_in + 1))]
            sizes += [int(x) for x in rng.integers(1, max(2, build.neurons // 2), size=n_layers)]
        elif style == "wide":
            sizes = [int(rng.integers(1, build.fan_in + 1)), build.neurons]
        elif style == "fan_in":
            sizes = [build.fan_in] + [int(x) for x in rng.integers(1, max(2, build.neurons // 4), size=n_layers)]
        else:
            sizes = [int(rng.integers(1, build.fan_in + 1))]
            sizes += [int(x) for x in rng.integers(1, 2 * build.lanes, size=build.layers)]
        if fits(sizes, build):
            return sizes
    return [1, 1]


def _lif_params(rng, fan_in: int, frac_bits: int) -> dict:
    drive_scale = 7 * fan_in * 2 ** frac_bits
    if rng.random() < 0.5:
        threshold = int(rng.integers(1, max(2, drive_scale // 4)))
    else:
        threshold = int(rng.integers(1, formats.STATE_MAX + 1))
    threshold = min(threshold, formats.THRESHOLD_MAX)
    return {"beta": int(rng.integers(0, formats.BETA_ONE + 1)), "threshold": threshold,
            "v_init": _lif_v_init(rng, threshold)}


def _lif_v_init(rng, threshold: int) -> int:
    """The initial membrane: 0, theta / 2 (a converted network's), around the threshold (above
    it too, where step 0 resets), or anywhere in the 16-bit field, a quarter of the time each."""
    style = int(rng.integers(4))
    if style == 0:
        return 0
    if style == 1:
        return threshold // 2
    if style == 2:
        return int(rng.integers(-threshold, min(2 * threshold, formats.STATE_MAX) + 1))
    return int(rng.integers(formats.STATE_MIN, formats.STATE_MAX + 1))


def _izhikevich_params(rng, q: int) -> dict:
    if rng.random() < 0.5:  # anywhere in the fields
        coefs = {n: int(rng.integers(formats.COEF_MIN, formats.COEF_MAX + 1)) for n in ("a1", "a2", "a3", "b1", "b2")}
        levels = {n: int(rng.integers(formats.STATE_MIN, formats.STATE_MAX + 1))
                  for n in ("a0", "b3", "c", "d", "threshold", "v_init", "u_init")}
        return {**coefs, **levels}
    one = 2 ** formats.COEF_FRAC_BITS  # a normalized-like neuron that fires
    unit = 2 ** min(q, 12)
    return {
        "a1": int(rng.integers(one // 8, one)), "a2": int(rng.integers(-one // 4, one // 8)),
        "a3": int(rng.integers(-one // 2, 0)), "b1": int(rng.integers(0, one // 8)),
        "b2": int(rng.integers(-one // 8, 0)), "a0": int(rng.integers(-unit // 8, unit // 8 + 1)),
        "b3": int(rng.integers(-unit // 64, unit // 64 + 1)), "c": int(rng.integers(-unit // 2, 1)),
        "d": int(rng.integers(0, unit // 4 + 1)), "threshold": int(rng.integers(1, unit + 1)),
        "v_init": int(rng.integers(-unit // 2, unit // 2 + 1)), "u_init": int(rng.integers(-unit // 8, unit // 8 + 1)),
    }


def random_layer(rng: np.random.Generator, n_in: int, n_out: int) -> Layer:
    """One layer with weights in [-7, 7] (a random share of them zero) and a random model."""
    density = rng.uniform(0.1, 1.0)
    weights = rng.integers(formats.WEIGHT_MIN, formats.WEIGHT_MAX + 1, size=(n_out, n_in))
    weights = (weights * (rng.random((n_out, n_in)) < density)).astype(np.int8)
    # frac_bits small enough that the 24-bit accumulator bound holds for this fan-in
    frac_max = formats.FRAC_BITS_MAX
    while formats.accumulator_bound(n_in, frac_max, formats.STATE_MAX) > formats.ACC_MAX:
        frac_max -= 1
    frac_bits = int(rng.integers(0, frac_max + 1))
    if rng.random() < 0.5:
        return Layer("lif", weights, int(rng.integers(0, 8)), frac_bits, _lif_params(rng, n_in, frac_bits))
    weight_shift = int(rng.integers(max(formats.WEIGHT_SHIFT_MIN, -frac_bits), formats.SQUARE_SHIFT_MAX - frac_bits + 1))
    weight_shift = min(weight_shift, formats.WEIGHT_SHIFT_MAX)
    q = weight_shift + frac_bits
    return Layer("izhikevich", weights, weight_shift, frac_bits, _izhikevich_params(rng, q))


def network_case(seed: int = 1, sizes=(5, 7, 3), steps: int = 4, samples: int = 2, rate: float = 0.5):
    """``(artifact, spikes uint8 [steps, samples, sizes[0]])``: random layers of the topology
    ``sizes`` and input spikes that fire with probability ``rate``, for one seed."""
    rng = np.random.default_rng(seed)
    layers = [random_layer(rng, n_in, n_out) for n_in, n_out in zip(sizes[:-1], sizes[1:])]
    artifact = Artifact(n_inputs=sizes[0], layers=layers, encoding={"kind": "raster", "steps": steps}, meta={})
    spikes = (rng.random((steps, samples, sizes[0])) < rate).astype(np.uint8)
    return artifact, spikes


def random_case(seed: int, build: CoreBuild, max_steps: int = 6, max_samples: int = 3):
    """``(artifact, spikes uint8 [T, N, n_inputs], out_mode)`` for one seed."""
    rng = np.random.default_rng(seed)
    sizes = random_sizes(rng, build)
    steps = int(rng.integers(1, max_steps + 1))
    layers = [random_layer(rng, n_in, n_out) for n_in, n_out in zip(sizes[:-1], sizes[1:])]
    artifact = Artifact(n_inputs=sizes[0], layers=layers, encoding={"kind": "raster", "steps": steps}, meta={})
    n_samples = int(rng.integers(1, max_samples + 1))
    rate = rng.choice([0.02, 0.2, 0.6])
    spikes = (rng.random((steps, n_samples, sizes[0])) < rate).astype(np.uint8)
    out_mode = int(rng.choice([7, 7, 7, 1, 2, 3, 4, 5, 6]))
    return artifact, spikes, out_mode


def random_outputs(rng: np.random.Generator, artifact: Artifact, steps: int, samples: int) -> Outputs:
    """Random contents of every output section of ``artifact``, over their whole ranges."""
    raster = (rng.random((steps, samples, artifact.n_outputs)) < 0.5).astype(np.uint8)
    counts = rng.integers(0, 65536, size=(samples, artifact.n_outputs))
    states = tuple(
        {name: rng.integers(-32768, 32768, size=(samples, layer.n_out)).astype(np.int32)
         for name in (("v",) if layer.neuron == "lif" else ("v", "u"))}
        for layer in artifact.layers
    )
    return Outputs(raster, counts, states)
