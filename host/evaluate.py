"""Run an artifact on the emulator over a data split and report what a user reads.

Accuracy, spike rates per layer, synaptic events, neuron updates,
estimated energy (``host/energy.py``), the emulator's throughput in samples per
second of wall time, and the cycles the IP would take (``overlay/cycles.py``).
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Iterable, List, Optional, Tuple

import numpy as np

from ..overlay import cycles, registers
from ..overlay.artifact import Artifact
from ..overlay.capacity import check_fits
from ..overlay.core_build import DEFAULT_BUILD
from ..overlay.emulator import Counts, check_input, emulate
from ..overlay.working_set import WORKING_SET_BYTES
from .energy import EnergyEstimate, estimate_energy
from .labels import check_labels


@dataclass(frozen=True)
class RunReport:
    """Results of one run over ``n_samples`` samples.

    ``spike_rates`` are spikes per neuron per timestep, per layer; ``spikes_per_sample``
    are per layer; ``synaptic_events`` and ``neuron_updates`` are totals over all samples;
    ``seconds`` is the emulator's wall time; ``ip_cycles`` the IP's active cycles for the
    batch as one RUN (None beyond 65535 samples).
    """

    n_samples: int
    accuracy: Optional[float]
    predictions: np.ndarray
    spike_rates: List[float]
    spikes_per_sample: List[float]
    synaptic_events: int
    neuron_updates: int
    energy: EnergyEstimate
    energy_vs_ann: EnergyEstimate
    seconds: float
    ip_cycles: Optional[int] = None

    @property
    def samples_per_second(self) -> float:
        return self.n_samples / self.seconds if self.seconds > 0 else float("inf")

    def to_dict(self) -> dict:
        """JSON-able summary (predictions omitted)."""
        return {
            "n_samples": self.n_samples,
            "accuracy": self.accuracy,
            "spike_rates": self.spike_rates,
            "spikes_per_sample": self.spikes_per_sample,
            "synaptic_events": self.synaptic_events,
            "neuron_updates": self.neuron_updates,
            "energy_per_sample_nj": self.energy.per_sample_nj,
            "energy_model": self.energy.model,
            "snn_45nm_energy_per_sample_nj": self.energy_vs_ann.per_sample_nj,
            "ann_45nm_energy_per_sample_nj": self.energy_vs_ann.ann_per_sample_nj,
            "snn_to_ann_energy_ratio": self.energy_vs_ann.snn_to_ann_ratio,
            "seconds": self.seconds,
            "samples_per_second": self.samples_per_second,
            "ip_cycles": self.ip_cycles,
        }


def _merge(parts: List[Counts]) -> Counts:
    return Counts(
        spikes=sum(p.spikes for p in parts),
        input_spikes=sum(p.input_spikes for p in parts),
        neurons=parts[0].neurons,
        neuron_updates=sum(p.neuron_updates for p in parts),
        n_samples=sum(p.n_samples for p in parts),
    )


def check_batch_size(batch_size: int) -> int:
    """``batch_size`` as an int; ValueError unless it is an integer >= 1 (samples per batch)."""
    if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) or batch_size < 1:
        raise ValueError(f"batch_size must be an integer >= 1 (samples per batch), got {batch_size!r}")
    return int(batch_size)


def run_artifact(
    artifact: Artifact,
    spikes: np.ndarray,
    labels: Optional[np.ndarray] = None,
    batch_size: int = 1024,
    energy_model: str = "neuromorphic",
    budget: int = WORKING_SET_BYTES,
) -> RunReport:
    """Emulate ``artifact`` on spikes uint8 [T, N, C] in batches of ``batch_size`` samples.

    Keeps the output layer's spike counts, not its raster, so that beyond ``spikes`` it needs
    the working set ``budget`` (bytes) and the predictions alone, whatever ``T`` and
    ``batch_size``. Raises CapacityError (the default build cannot hold the network) before any
    work, ValueError for a wrong input, wrong labels or a batch size below 1.
    """
    batch_size = check_batch_size(batch_size)
    check_fits(artifact.requirements(), DEFAULT_BUILD)
    check_input(artifact, spikes)
    n_samples = spikes.shape[1]
    if n_samples == 0:
        raise ValueError("no samples to run: the input has 0 samples")
    if labels is not None:
        labels = check_labels(labels, n_samples, artifact.n_outputs)
    batches = ((spikes[:, begin: begin + batch_size], None if labels is None else labels[begin: begin + batch_size])
               for begin in range(0, n_samples, batch_size))
    return run_batches(artifact, batches, energy_model, budget)


def run_batches(
    artifact: Artifact,
    batches: Iterable[Tuple[np.ndarray, Optional[np.ndarray]]],
    energy_model: str = "neuromorphic",
    budget: int = WORKING_SET_BYTES,
) -> RunReport:
    """Emulate ``artifact`` on ``(spikes uint8 [T, n, C], labels [n] or None)`` batches, one after
    the other, and report them as one run: labels for every batch or for none.

    ``seconds`` counts the emulator alone, not the making of the batches; each emulation keeps
    its working set within ``budget`` bytes.
    """
    check_fits(artifact.requirements(), DEFAULT_BUILD)
    predictions, parts, correct, labelled, seconds = [], [], 0, 0, 0.0
    for spikes, labels in batches:
        check_input(artifact, spikes)
        if labels is not None:
            labels = check_labels(labels, spikes.shape[1], artifact.n_outputs)
        start = time.perf_counter()
        result = emulate(artifact, spikes, record_output=False, budget=budget)
        seconds += time.perf_counter() - start
        predictions.append(result.predictions)
        parts.append(result.counts)
        if labels is not None:
            correct += int((result.predictions == labels).sum())
            labelled += labels.size
    if not parts:
        raise ValueError("no samples to run: no batches")
    counts = _merge(parts)
    n_samples = counts.n_samples
    if n_samples == 0:
        raise ValueError("no samples to run: the input has 0 samples")
    if labelled not in (0, n_samples):
        raise ValueError(f"labels for {labelled} of {n_samples} samples: give labels for every batch or for none")
    work = dict(
        neuron_updates=int(counts.neuron_updates.sum()),
        synaptic_events=int(counts.synaptic_events.sum()),
        n_samples=n_samples,
        sizes=artifact.sizes,
    )
    return RunReport(
        n_samples=n_samples,
        accuracy=correct / n_samples if labelled else None,
        predictions=np.concatenate(predictions),
        spike_rates=[float(r) for r in counts.spike_rates],
        spikes_per_sample=[float(s) / n_samples for s in counts.spikes],
        synaptic_events=work["synaptic_events"],
        neuron_updates=work["neuron_updates"],
        energy=estimate_energy(model=energy_model, **work),
        energy_vs_ann=estimate_energy(model="45nm", ann="45nm", **work),
        seconds=seconds,
        ip_cycles=_ip_cycles(artifact, counts),
    )


def _ip_cycles(artifact: Artifact, counts: Counts) -> Optional[int]:
    """The IP's CYCLES for the whole batch as one RUN that reads back spike counts, by the
    exact cycle model of the default build; None past one RUN's SAMPLES limit."""
    if counts.n_samples > registers.SAMPLES_MAX:
        return None
    return cycles.run_cycles(artifact, counts.input_spikes, artifact.n_steps, counts.n_samples,
                             registers.OUT_COUNTS, DEFAULT_BUILD.lanes)
