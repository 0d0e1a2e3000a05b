"""Bit-exact functional emulator of the SNN core IP (numpy only).

Runs an :class:`~pynq_snn.overlay.artifact.Artifact` on a batch of input spike
trains exactly as ``CONTRACT.md`` specifies: the same output spikes, per-layer
rasters and final neuron states as the IP, for every sample of the batch at once.

The drive of a whole layer over all timesteps is one matrix product,
``(I << F)[t, n, :] = s_in[t, n, :] @ (W * 2**F).T``. It runs in float32, which is
exact here: every partial sum is an integer of magnitude at most
``7 * fan_in * 2**F``, below 2**23 for every artifact that passes the accumulator
bound. The neuron updates then run step by step in int32, vectorized over
samples and neurons; spikes are kept as float32 0/1 between layers, ready for the
next product.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, Optional, Tuple

import numpy as np

from .artifact import Artifact
from .neurons import MODELS


@dataclass(frozen=True)
class Counts:
    """Work done for a batch, summed over its samples.

    Attributes:
        spikes: spikes emitted per layer, int64 [n_layers].
        synaptic_events: per layer, input spikes times the layer's fan-out.
        weight_reads: per layer, weights read from memory (one per synaptic event).
        neuron_updates: per layer, ``n_out * steps * n_samples``.
        n_samples: samples in the batch.
    """

    spikes: np.ndarray
    synaptic_events: np.ndarray
    weight_reads: np.ndarray
    neuron_updates: np.ndarray
    n_samples: int

    def spike_rates(self, sizes, steps: int) -> np.ndarray:
        """Mean spikes per neuron per timestep, per layer (a probability in [0, 1])."""
        neurons = np.asarray(sizes[1:], dtype=np.float64)
        return self.spikes / (neurons * steps * max(self.n_samples, 1))


@dataclass(frozen=True)
class EmulatorResult:
    """What one batch produced.

    Attributes:
        output_spikes: uint8 [T, N, n_out], the last layer's raster.
        rasters: per layer uint8 [T, N, n] when requested, else None.
        final_states: per layer, a dict of state name -> int32 [N, n] after the last step.
        counts: work counters, see :class:`Counts`.
    """

    output_spikes: np.ndarray
    rasters: Optional[Tuple[np.ndarray, ...]]
    final_states: Tuple[Dict[str, np.ndarray], ...]
    counts: Counts

    @property
    def spike_counts(self) -> np.ndarray:
        """Output spikes per sample and neuron, int64 [N, n_out]."""
        return self.output_spikes.sum(axis=0, dtype=np.int64)

    @property
    def predictions(self) -> np.ndarray:
        """Predicted class per sample: most output spikes, ties to the lowest index."""
        return np.argmax(self.spike_counts, axis=1)


def check_input(artifact: Artifact, spikes: np.ndarray) -> None:
    """Raise ValueError unless ``spikes`` is a {0,1} array [T, N, n_inputs] for this artifact."""
    if not isinstance(spikes, np.ndarray):
        raise ValueError(f"input spikes must be a numpy array, got {type(spikes).__name__}")
    if spikes.ndim != 3:
        raise ValueError(
            f"input spikes must be [steps, samples, {artifact.n_inputs}], got shape {spikes.shape}"
        )
    steps, _, channels = spikes.shape
    if channels != artifact.n_inputs:
        raise ValueError(f"input has {channels} channels, the network expects {artifact.n_inputs}")
    if steps != artifact.n_steps:
        raise ValueError(f"input has {steps} timesteps, the artifact's encoding uses {artifact.n_steps}")
    if spikes.dtype != np.uint8 and spikes.dtype != np.bool_:
        raise ValueError(f"input spikes must be uint8 or bool, got {spikes.dtype}")
    if spikes.dtype == np.uint8 and spikes.size and spikes.max() > 1:
        raise ValueError(f"input spikes must be 0 or 1, found {int(spikes.max())}")


def emulate(artifact: Artifact, spikes: np.ndarray, record_rasters: bool = False) -> EmulatorResult:
    """Run ``artifact`` on input spikes uint8 [T, N, n_inputs] (time-major) and return the result."""
    check_input(artifact, spikes)
    steps, n_samples, _ = spikes.shape
    layer_input = spikes.astype(np.float32)
    rasters = []
    finals = []
    n_layers = len(artifact.layers)
    counts = {k: np.zeros(n_layers, dtype=np.int64) for k in ("spikes", "events", "updates")}
    for index, layer in enumerate(artifact.layers):
        model = MODELS[layer.neuron]
        shifted_weights = np.ascontiguousarray(layer.weights.T, dtype=np.float32) * 2.0 ** layer.frac_bits
        drive = (layer_input.reshape(steps * n_samples, layer.n_in) @ shifted_weights).astype(np.int32)
        drive = drive.reshape(steps, n_samples, layer.n_out)
        state = model.initial_state(n_samples, layer)
        out = np.empty((steps, n_samples, layer.n_out), dtype=np.float32)
        for t in range(steps):
            state, out[t] = model.step(state, drive[t], layer)
        counts["events"][index] = int(layer_input.sum(dtype=np.float64)) * layer.n_out
        counts["spikes"][index] = int(out.sum(dtype=np.float64))
        counts["updates"][index] = layer.n_out * steps * n_samples
        finals.append(dict(zip(model.state_names, state)))
        if record_rasters:
            rasters.append(out.astype(np.uint8))
        layer_input = out
    return EmulatorResult(
        output_spikes=out.astype(np.uint8),
        rasters=tuple(rasters) if record_rasters else None,
        final_states=tuple(finals),
        counts=Counts(
            spikes=counts["spikes"],
            synaptic_events=counts["events"],
            weight_reads=counts["events"].copy(),
            neuron_updates=counts["updates"],
            n_samples=n_samples,
        ),
    )
