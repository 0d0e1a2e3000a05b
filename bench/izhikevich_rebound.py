"""Rebound spikes of trained Izhikevich layers: how many hidden spikes inhibition causes.

One explicit Euler step of the quadratic membrane (``overlay/CONTRACT.md``, "Izhikevich")
takes ``v`` to ``v + a1*v**2 + a2*v + a0 + a3*u + I``. Apart from ``u`` and the current, that
step is positive for every ``v`` below the lower root of ``a1*v**2 + (1 + a2)*v + a0``::

    v_r = (-(1 + a2) - sqrt((1 + a2)**2 - 4*a1*a0)) / (2*a1)      (-0.79 for normalized RS)

so a neuron that inhibition pushes below ``v_r`` is lifted above rest by its next step alone, and
from far enough below (``v < -1.32`` for normalized RS, where the step lands above the 0.7
threshold) it fires on that step without any input. A *rebound spike* here is a spike at step
``t`` of a neuron whose membrane entered step ``t`` (after any reset) below ``v_r``. The table
gives, per artifact and Izhikevich layer, on the test split:

* the spike rate (spikes per neuron and step);
* the share of those spikes that are rebound spikes;
* percentiles 1, 50 and 99 of the drive ``I`` into the layer, in units of ``v``.

It steps the layer with the IP's integer neuron (``overlay/neurons/izhikevich.py``), so the
figures are the board's. Artifacts come from ``bench/accuracy.py run ... --artifact-dir DIR``::

    python bench/izhikevich_rebound.py DIR/*.snn --data fashion-mnist --samples 1000
"""
from __future__ import annotations

import argparse
import math
from pathlib import Path

import numpy as np

from pynq_snn.overlay import formats
from pynq_snn.overlay.artifact import Layer, load
from pynq_snn.overlay.emulator import check_input, emulate_layers
from pynq_snn.overlay.neurons import izhikevich
from pynq_snn.training.data import DATASETS, encode_test_split, load_dataset
from tables import print_table


def rebound_level(layer: Layer) -> float:
    """``v_r`` of the module docstring in units of ``v``; ``-inf`` where the step has no real root
    (no membrane level lifts itself)."""
    one = 2.0 ** (layer.weight_shift + layer.frac_bits)
    coef = 2.0 ** formats.COEF_FRAC_BITS
    a1, a2, a0 = layer.params["a1"] / coef, layer.params["a2"] / coef, layer.params.get("a0", 0) / one
    disc = (1 + a2) ** 2 - 4 * a1 * a0
    if a1 <= 0 or disc < 0:
        return -math.inf
    return (-(1 + a2) - math.sqrt(disc)) / (2 * a1)


def rebound_row(name: str, index: int, layer: Layer, x: np.ndarray) -> list:
    """The table's row for Izhikevich ``layer`` (the ``index``-th of its network) driven by its input
    spikes 0/1 [T, N, n_in], stepped alone to see the membrane each spike enters its step with."""
    steps, n_samples, _ = x.shape
    one = 2.0 ** (layer.weight_shift + layer.frac_bits)
    weights = layer.weights.T.astype(np.float32) * np.float32(2.0 ** layer.frac_bits)
    drive = (x.reshape(-1, layer.n_in).astype(np.float32) @ weights).astype(np.int64).reshape(steps, n_samples, -1)
    level = rebound_level(layer) * one
    state = izhikevich.initial_state(n_samples, layer)
    spikes = rebound = 0
    for t in range(steps):
        v, _, fired = state
        entering = np.where(fired, layer.params["c"], v)
        state, fired = izhikevich.step(state, drive[t], layer)
        spikes += int(fired.sum())
        rebound += int((fired & (entering < level)).sum())
    p1, p50, p99 = np.percentile(drive / one, [1, 50, 99])
    return [name, index, f"{rebound_level(layer):.2f}", f"{spikes / drive.size:.3f}",
            f"{rebound / spikes:.1%}" if spikes else "-", f"{p1:.2f} / {p50:.2f} / {p99:.2f}"]


def network_rows(name: str, layers, spikes: np.ndarray) -> list:
    """One row per Izhikevich layer of the chain ``layers`` run by the emulator on input spikes 0/1
    [T, N, n_in]: each layer's input is the input or the raster of the layer before it."""
    rasters = emulate_layers(layers, spikes, record_rasters=True, record_output=False).rasters
    inputs = (spikes,) + rasters[:-1]
    return [rebound_row(name, index, layer, x) for index, (layer, x) in enumerate(zip(layers, inputs))
            if layer.neuron == izhikevich.MODEL.name]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("artifacts", nargs="+", type=Path, help="trained .snn artifacts")
    parser.add_argument("--data", default="fashion-mnist", choices=DATASETS, help="the data set they were trained on")
    parser.add_argument("--samples", type=int, default=1000, help="test samples to run (default 1000)")
    args = parser.parse_args()
    if args.samples < 1:
        parser.error(f"--samples must be >= 1, got {args.samples}")
    dataset = load_dataset(args.data)
    spikes = encode_test_split(dataset, dataset.encoding, 0)[:, :args.samples]
    artifacts = []
    for path in args.artifacts:  # every file read and checked before any runs
        try:
            artifact = load(path)  # its errors name the file
        except (OSError, ValueError) as error:
            parser.error(str(error))
        try:
            check_input(artifact, spikes)
        except ValueError as error:
            parser.error(f"{path} on {args.data}: {error}")
        artifacts.append((path.name, artifact))
    rows = [row for name, artifact in artifacts for row in network_rows(name, artifact.layers, spikes)]
    print_table(f"Rebound spikes of Izhikevich layers ({args.data}, {spikes.shape[1]} test samples)",
                ["artifact", "layer", "v_r", "spike rate", "rebound share of spikes", "drive p1 / p50 / p99"], rows)


if __name__ == "__main__":
    main()
