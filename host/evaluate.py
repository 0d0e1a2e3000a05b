"""Run an artifact on the emulator over a data split and report what a user reads.

Accuracy, spike rates per layer, synaptic events, neuron updates,
estimated energy (``host/energy.py``), the emulator's throughput in samples per
second of wall time, and the cycles the IP would take (``overlay/cycles.py``).
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import List, Optional

import numpy as np

from ..overlay import cycles, registers
from ..overlay.artifact import Artifact
from ..overlay.core_build import DEFAULT_BUILD
from ..overlay.emulator import Counts, check_input, emulate
from .energy import EnergyEstimate, estimate_energy


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


def run_artifact(
    artifact: Artifact,
    spikes: np.ndarray,
    labels: Optional[np.ndarray] = None,
    batch_size: int = 1024,
    energy_model: str = "neuromorphic",
) -> RunReport:
    """Emulate ``artifact`` on spikes uint8 [T, N, C] in batches of ``batch_size`` samples."""
    if batch_size < 1:
        raise ValueError(f"batch_size must be >= 1, got {batch_size}")
    check_input(artifact, spikes)
    n_samples = spikes.shape[1]
    if n_samples == 0:
        raise ValueError("no samples to run: the input has 0 samples")
    if labels is not None and len(labels) != n_samples:
        raise ValueError(f"{len(labels)} labels for {n_samples} samples")
    start = time.perf_counter()
    predictions, parts = [], []
    for begin in range(0, n_samples, batch_size):
        result = emulate(artifact, spikes[:, begin : begin + batch_size])
        predictions.append(result.predictions)
        parts.append(result.counts)
    seconds = time.perf_counter() - start
    counts = _merge(parts)
    predictions = np.concatenate(predictions)
    work = dict(
        neuron_updates=int(counts.neuron_updates.sum()),
        synaptic_events=int(counts.synaptic_events.sum()),
        n_samples=n_samples,
        sizes=artifact.sizes,
    )
    return RunReport(
        n_samples=n_samples,
        accuracy=None if labels is None else float((predictions == labels).mean()),
        predictions=predictions,
        spike_rates=[float(r) for r in counts.spike_rates(artifact.sizes, artifact.n_steps)],
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
