"""Bit-exact functional emulator of the SNN core IP (numpy only).

Runs an :class:`~pynq_snn.overlay.artifact.Artifact` on a batch of input spike
trains exactly as ``CONTRACT.md`` specifies: the same output spikes, per-layer
rasters and final neuron states as the IP.

The drive of a layer over a run of timesteps is one matrix product,
``(I << F)[t, n, :] = s_in[t, n, :] @ (W * 2**F).T``. It runs in float32, which is
exact here: every partial sum is an integer of magnitude at most
``7 * fan_in * 2**F``, below 2**23 for every artifact that passes the accumulator
bound. The neuron updates then run step by step in int32 (int64 for Izhikevich
layers), vectorized over samples and neurons; spikes are kept as float32 0/1
between layers, ready for the next product.

Memory: the batch is cut into chunks of samples and each chunk into runs of
timesteps, sized so that everything beyond the caller's input and the outputs
asked for stays within a working-set bound (``working_set.py``, 256 MiB by
default), whatever ``T`` and the batch size. Layers see the previous layer's spikes
of the same step (no synaptic delay), so a run of timesteps goes through every layer
before the next one starts, each layer's state carried over.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, Optional, Sequence, Tuple

import numpy as np

from .artifact import Artifact, Layer
from .capacity import check_fits
from .core_build import DEFAULT_BUILD, CoreBuild
from .neurons import MODELS
from .working_set import WORKING_SET_BYTES, check_budget, samples_per_chunk

#: Bytes per neuron and sample that a chunk keeps besides its timestep arrays: the state of
#: every layer (at most int64 ``v`` and ``u`` and a bool spike, 17 bytes) and one timestep's
#: temporaries of the widest model (about ten int64 arrays), rounded up.
STATE_BYTES_PER_NEURON = 128
#: Bytes per sample and timestep, for each input of a layer (its spikes as float32), and for
#: each of its neurons (the drive as float32 and as int32, the output spikes as float32).
STEP_BYTES_PER_INPUT = 4
STEP_BYTES_PER_NEURON = 12


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

    @property
    def spike_rates(self) -> np.ndarray:
        """Per layer, mean spikes per neuron per timestep, ``spikes / neuron_updates`` (a probability
        in [0, 1]; 0 for an empty batch)."""
        return self.spikes / np.maximum(self.neuron_updates, 1).astype(np.float64)


@dataclass(frozen=True)
class EmulatorResult:
    """What one batch produced.

    Attributes:
        output_spikes: uint8 [T, N, n_out], the last layer's raster; None when not recorded.
        rasters: per layer uint8 [T, N, n] when requested, else None.
        final_states: per layer, a dict of state name -> int32 [N, n] after the last step
            (``v``, and ``u`` for Izhikevich layers; every value is a 16-bit state).
        counts: work counters, see :class:`Counts`.
        spike_counts: int64 [N, n_out], output spikes per sample and neuron.
    """

    output_spikes: Optional[np.ndarray]
    rasters: Optional[Tuple[np.ndarray, ...]]
    final_states: Tuple[Dict[str, np.ndarray], ...]
    counts: Counts
    spike_counts: np.ndarray

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


def emulate(
    artifact: Artifact,
    spikes: np.ndarray,
    record_rasters: bool = False,
    record_output: bool = True,
    build: CoreBuild = DEFAULT_BUILD,
    budget: int = WORKING_SET_BYTES,
) -> EmulatorResult:
    """Run ``artifact`` on input spikes uint8 [T, N, n_inputs] (time-major) and return the result.

    The network is checked against ``build`` first (:func:`~.capacity.check_fits`: CapacityError
    before anything is allocated), then the input against the artifact (:func:`check_input`),
    its ``T`` against the artifact's encoding among the rest. ``record_output=False`` keeps the
    output layer's spike counts but not its raster, so that the outputs do not grow with ``T``;
    ``budget`` is the working set in bytes (module docstring).

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
    check_fits(artifact.requirements(), build)
    check_input(artifact, spikes)
    return emulate_layers(artifact.layers, spikes, record_rasters, record_output, budget)


def chunk_sizes(layers: Sequence[Layer], steps: int, n_samples: int, budget: int) -> Tuple[int, int]:
    """``(samples, timesteps)`` the emulator takes at once so that a chunk stays within ``budget``
    bytes: as many samples as half the budget holds with one timestep, then as many timesteps
    as the rest holds, all but an eighth of it (kept for the counts and small temporaries).
    Raises WorkingSetError if one sample and one timestep do not fit."""
    fixed = STATE_BYTES_PER_NEURON * sum(layer.n_out for layer in layers)
    per_step = max(STEP_BYTES_PER_INPUT * layer.n_in + STEP_BYTES_PER_NEURON * layer.n_out for layer in layers)
    samples = samples_per_chunk(max(n_samples, 1), fixed + per_step, check_budget(budget) // 2,
                                "one sample and one timestep of this network")
    planned = budget - budget // 8
    return samples, max(1, min(steps, (planned - samples * fixed) // (samples * per_step)))


def emulate_layers(
    layers: Sequence[Layer],
    spikes: np.ndarray,
    record_rasters: bool = False,
    record_output: bool = True,
    budget: int = WORKING_SET_BYTES,
) -> EmulatorResult:
    """Run the chained ``layers`` on input spikes 0/1 [T, N, n_in of the first layer] for any
    ``T >= 1``, unchecked: what the IP does for ``STEPS = T``. :func:`emulate` checks the network
    and the input of an artifact, then calls this. The work goes in chunks of
    :func:`chunk_sizes`."""
    steps, n_samples, _ = spikes.shape
    last = layers[-1].n_out
    output = np.empty((steps, n_samples, last), dtype=np.uint8) if record_output else None
    rasters = tuple(np.empty((steps, n_samples, layer.n_out), dtype=np.uint8) for layer in layers) \
        if record_rasters else None
    spike_counts = np.zeros((n_samples, last), dtype=np.int64)
    finals = tuple({name: np.empty((n_samples, layer.n_out), dtype=np.int32)
                    for name in MODELS[layer.neuron].state_names} for layer in layers)
    counts = {k: np.zeros(len(layers), dtype=np.int64) for k in ("spikes", "inputs")}
    shifted = [np.ascontiguousarray(layer.weights.T, dtype=np.float32) * np.float32(2.0 ** layer.frac_bits)
               for layer in layers]
    chunk, run = chunk_sizes(layers, steps, n_samples, budget)
    for first in range(0, n_samples, chunk):
        samples = slice(first, min(first + chunk, n_samples))
        size = samples.stop - first
        states = [MODELS[layer.neuron].initial_state(size, layer) for layer in layers]
        for begin in range(0, steps, run):
            times = slice(begin, min(begin + run, steps))
            layer_input = spikes[times, samples].astype(np.float32)
            for index, layer in enumerate(layers):
                counts["inputs"][index] += int(layer_input.sum(dtype=np.float64))
                drive = (layer_input.reshape(-1, layer.n_in) @ shifted[index]).astype(np.int32)
                drive = drive.reshape(-1, size, layer.n_out)
                out = np.empty(drive.shape, dtype=np.float32)
                step = MODELS[layer.neuron].step
                for t in range(drive.shape[0]):
                    states[index], out[t] = step(states[index], drive[t], layer)
                del drive
                counts["spikes"][index] += int(out.sum(dtype=np.float64))
                if record_rasters:
                    rasters[index][times, samples] = out
                layer_input = out
            if record_output:
                output[times, samples] = layer_input
            spike_counts[samples] += layer_input.sum(axis=0, dtype=np.int64)
        for index, layer in enumerate(layers):
            for name, value in zip(MODELS[layer.neuron].state_names, states[index]):
                finals[index][name][samples] = value
    return EmulatorResult(
        output_spikes=output,
        rasters=rasters,
        final_states=finals,
        counts=Counts(
            spikes=counts["spikes"],
            input_spikes=counts["inputs"],
            neurons=np.array([layer.n_out for layer in layers], dtype=np.int64),
            neuron_updates=np.array([layer.n_out * steps * n_samples for layer in layers], dtype=np.int64),
            n_samples=n_samples,
        ),
        spike_counts=spike_counts,
    )
