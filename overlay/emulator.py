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
from typing import Dict, Optional, Sequence, Tuple

import numpy as np

from .artifact import Artifact, Layer
from .neurons import MODELS


@dataclass(frozen=True)
class Counts:
    """Work done for a batch, summed over its samples; int64 arrays hold one entry per layer.

    Attributes:
        spikes: spikes the layer emitted.
        input_spikes: spikes arriving at the layer's inputs: the input stream's for
            layer 0, layer ``l - 1``'s for layer ``l``. The cycle model's
            ``sum_{samples, t} E_{l,t}``.
        neurons: the layer's neurons, ``n_out``.
        neuron_updates: ``n_out * steps * n_samples``.
        n_samples: samples in the batch.
    """

    spikes: np.ndarray
    input_spikes: np.ndarray
    neurons: np.ndarray
    neuron_updates: np.ndarray
    n_samples: int

    @property
    def synaptic_events(self) -> np.ndarray:
        """Per layer, ``input_spikes * n_out``: each input spike reads its row of weights, one per
        neuron of the layer, and adds it to that neuron's current."""
        return self.input_spikes * self.neurons

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
    """Run ``artifact`` on input spikes uint8 [T, N, n_inputs] (time-major) and return the result.

    The input is checked against the artifact first (:func:`check_input`), its ``T`` against
    the artifact's encoding among the rest.

    Example:
        >>> import numpy as np
        >>> from pynq_snn.overlay.artifact import Artifact, Layer
        >>> from pynq_snn.overlay.emulator import emulate
        >>> layer = Layer("lif", np.array([[7, -3, 5], [2, 6, -7]], dtype=np.int8), weight_shift=2,
        ...               frac_bits=4, params={"beta": 230, "threshold": 64})  # 3 inputs, 2 LIF neurons
        >>> artifact = Artifact(n_inputs=3, layers=(layer,), encoding={"kind": "raster", "steps": 4}, meta={})
        >>> spikes = np.array([[[1, 0, 1]], [[0, 1, 0]], [[1, 1, 1]], [[0, 0, 0]]], dtype=np.uint8)  # [T, N, C]
        >>> result = emulate(artifact, spikes)
        >>> result.output_spikes[:, 0]  # [T, 2] of sample 0: neuron 0 fires at steps 0, 2 and 3
        array([[1, 0],
               [0, 0],
               [1, 0],
               [1, 0]], dtype=uint8)
        >>> result.final_states[0]["v"]  # membranes after the last step, in state LSBs
        array([[112,  33]], dtype=int32)
    """
    check_input(artifact, spikes)
    return emulate_layers(artifact.layers, spikes, record_rasters)


def emulate_layers(layers: Sequence[Layer], spikes: np.ndarray, record_rasters: bool = False) -> EmulatorResult:
    """Run the chained ``layers`` on input spikes 0/1 [T, N, n_in of the first layer] for any
    ``T >= 1``, unchecked: what the IP does for ``STEPS = T``. :func:`emulate` checks the input
    of an artifact, then calls this."""
    steps, n_samples, _ = spikes.shape
    layer_input = spikes.astype(np.float32)
    rasters = []
    finals = []
    counts = {k: np.zeros(len(layers), dtype=np.int64) for k in ("spikes", "inputs", "updates")}
    for index, layer in enumerate(layers):
        model = MODELS[layer.neuron]
        shifted_weights = np.ascontiguousarray(layer.weights.T, dtype=np.float32) * 2.0 ** layer.frac_bits
        drive = (layer_input.reshape(steps * n_samples, layer.n_in) @ shifted_weights).astype(np.int32)
        drive = drive.reshape(steps, n_samples, layer.n_out)
        state = model.initial_state(n_samples, layer)
        out = np.empty((steps, n_samples, layer.n_out), dtype=np.float32)
        for t in range(steps):
            state, out[t] = model.step(state, drive[t], layer)
        counts["inputs"][index] = int(layer_input.sum(dtype=np.float64))
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
            input_spikes=counts["inputs"],
            neurons=np.array([layer.n_out for layer in layers], dtype=np.int64),
            neuron_updates=counts["updates"],
            n_samples=n_samples,
        ),
    )
