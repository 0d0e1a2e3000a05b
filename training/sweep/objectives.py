"""The three objectives of a sweep, and their measurement on the emulator.

For a trained 4-bit network run on the bit-exact emulator over the ``N`` samples of
the validation split (``host/evaluate.py``):

* ``accuracy`` (maximise): the share of samples whose predicted class is their label;
* ``energy_nj[<preset>]`` (minimise): the estimated energy per sample in nJ,
  ``(U * E_update + S * E_event) / N`` with ``U`` neuron updates and ``S`` synaptic
  events over the split and the preset's energies per operation (``host/energy.py``;
  the default ``neuromorphic`` preset: 0.1 nJ per update, 5e-4 nJ per event);
* ``ip_cycles`` (minimise): the IP's active cycles per sample, ``CYCLES / N`` for the
  split run as one batch, by the exact cycle model of the default build
  (``overlay/cycles.py``); divided by the IP's clock in MHz (``cycles.CLOCK_MHZ``) it is
  the latency in microseconds.

The energy preset is part of the objectives: a study keeps the one it was made with.
Imports numpy only.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Tuple

import numpy as np

from ...host.energy import PRESETS
from ...host.evaluate import run_artifact
from ...overlay.artifact import Artifact


@dataclass(frozen=True)
class Objective:
    """One objective: its metric name in the study, its direction, and its label with units."""

    name: str
    direction: str
    label: str


def objectives(energy_preset: str) -> Tuple[Objective, Objective, Objective]:
    """Accuracy, energy per sample under ``energy_preset``, and IP cycles per sample."""
    if energy_preset not in PRESETS:
        raise ValueError(f"unknown energy preset {energy_preset!r}; choose one of {', '.join(PRESETS)}")
    return (
        Objective("accuracy", "maximize", "accuracy (validation)"),
        Objective(f"energy_nj[{energy_preset}]", "minimize", f"energy per sample, nJ ({energy_preset})"),
        Objective("ip_cycles", "minimize", "IP cycles per sample"),
    )


@dataclass(frozen=True)
class Measurement:
    """A trained network's objectives (see the module docstring) and its spikes per sample."""

    accuracy: float
    energy_nj: float
    cycles: float
    spikes_per_sample: float

    def values(self) -> Tuple[float, float, float]:
        """The objective values in :func:`objectives`' order."""
        return self.accuracy, self.energy_nj, self.cycles


def measure(artifact: Artifact, spikes: np.ndarray, labels: np.ndarray, energy_preset: str) -> Measurement:
    """Run ``artifact`` on the emulator over spikes uint8 [T, N, C] with labels [N]."""
    report = run_artifact(artifact, spikes, labels, energy_model=energy_preset)
    if report.ip_cycles is None:
        raise ValueError(f"{report.n_samples} validation samples are more than one IP run takes: use fewer")
    return Measurement(
        accuracy=float(report.accuracy),
        energy_nj=report.energy.per_sample_nj,
        cycles=report.ip_cycles / report.n_samples,
        spikes_per_sample=float(sum(report.spikes_per_sample)),
    )
