"""Energy of a converted SNN against its QCFS ANN, per sample, with the 45 nm preset.

The SNN's energy is ``synaptic_events * E_AC + neuron_updates * E_AC`` with the emulator's
counts (``CONTRACT.md``, "Counts"; preset ``45nm-float`` of ``host/energy.py``: E_AC =
0.9 pJ); the ANN's is ``MACs * E_MAC`` (preset ``45nm``: E_MAC = 4.6 pJ), counted two ways
on the same test inputs: dense, ``sum_l n_in * n_out``, and at the ANN's real activation
sparsity, a zero input skipped (``QcfsNet.macs_per_sample``). Arithmetic only, no memory
accesses, for both.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import torch

from .host.energy import ann_energy_nj, estimate_energy
from .host.evaluate import RunReport
from .quant.qcfs import QcfsNet

#: The presets of the comparison: the SNN's accumulate and the ANN's multiply-accumulate.
SNN_PRESET, ANN_PRESET = "45nm-float", "45nm"


@dataclass(frozen=True)
class EnergyComparison:
    """Per sample: the SNN's counts and energy, the ANN's MACs and energy (dense and with zero
    inputs skipped), energies in nJ, and the SNN/ANN ratios (below 1: the SNN uses less)."""

    synaptic_events: float
    neuron_updates: float
    snn_nj: float
    ann_macs_dense: int
    ann_macs_nonzero: float
    ann_dense_nj: float
    ann_nonzero_nj: float

    @property
    def ratio_dense(self) -> float:
        return self.snn_nj / self.ann_dense_nj

    @property
    def ratio_nonzero(self) -> float:
        return self.snn_nj / self.ann_nonzero_nj if self.ann_nonzero_nj else float("inf")

    def to_dict(self) -> dict:
        return {**asdict(self), "ratio_dense": self.ratio_dense, "ratio_nonzero": self.ratio_nonzero}


def compare_energy(report: RunReport, ann: QcfsNet, inputs: np.ndarray) -> EnergyComparison:
    """The comparison of an emulator run ``report`` of the converted network with ``ann`` on
    ``inputs`` (the same samples' rates [N, C])."""
    snn = estimate_energy(report.neuron_updates, report.synaptic_events, report.n_samples, ann.sizes,
                          model=SNN_PRESET, ann=ANN_PRESET)
    dense, nonzero = ann.macs_per_sample(torch.as_tensor(inputs, dtype=torch.float32))
    return EnergyComparison(
        synaptic_events=report.synaptic_events / report.n_samples,
        neuron_updates=report.neuron_updates / report.n_samples,
        snn_nj=snn.per_sample_nj,
        ann_macs_dense=dense,
        ann_macs_nonzero=nonzero,
        ann_dense_nj=snn.ann_per_sample_nj,
        ann_nonzero_nj=ann_energy_nj(nonzero, ANN_PRESET),
    )
