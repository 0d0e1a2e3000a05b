"""Energy estimate of a run: operation counts times energy per operation.

The SNN's energy is ``neuron_updates * E_update + synaptic_events * E_event`` with the
counts the emulator reports (``CONTRACT.md``, "Counts"). It is compared with a dense
ANN of the same topology, which does one multiply-accumulate (MAC) per weight per
sample: ``sum(n_in * n_out) * E_mac``. The per-operation energies are data (the
presets below), not measurements of the board.

The 45 nm figures are from M. Horowitz, "Computing's energy problem (and what we can
do about it)", ISSCC 2014, in pJ per operation: integer add 0.03 (8-bit) and 0.1
(32-bit); integer multiply 0.2 (8-bit) and 3.1 (32-bit); float add 0.4 (16-bit) and
0.9 (32-bit); float multiply 1.1 (16-bit) and 3.7 (32-bit). They count arithmetic
only, not memory accesses, for the SNN and the ANN alike.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from numbers import Integral, Real
from typing import Dict, Sequence, Union

#: One picojoule in nanojoules.
PJ = 1e-3


def _check_energy(value: float, what: str, positive: bool = False) -> None:
    """Raise ValueError unless ``value`` is a finite number of nJ, >= 0 (> 0 if ``positive``)."""
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, float))
        or not math.isfinite(value)
        or value < 0
        or (positive and value == 0)
    ):
        limit = "> 0" if positive else ">= 0"
        raise ValueError(f"{what} must be a finite number {limit} (nJ), got {value!r}")


@dataclass(frozen=True)
class EnergyModel:
    """Energy per SNN operation.

    Attributes:
        name: the preset's name.
        neuron_update_nj: one neuron updated for one timestep, nJ.
        synaptic_event_nj: one input spike delivered to one synapse (one weight read
            and accumulated), nJ.
        description: where the numbers come from.
    """

    name: str
    neuron_update_nj: float
    synaptic_event_nj: float
    description: str

    def __post_init__(self) -> None:
        _check_energy(self.neuron_update_nj, f"{self.name}: neuron_update_nj")
        _check_energy(self.synaptic_event_nj, f"{self.name}: synaptic_event_nj")


@dataclass(frozen=True)
class AnnReference:
    """Energy per operation of the equivalent dense ANN.

    Attributes:
        name: the preset's name.
        mac_nj: one multiply-accumulate, nJ, > 0.
        description: where the number comes from.
    """

    name: str
    mac_nj: float
    description: str

    def __post_init__(self) -> None:
        _check_energy(self.mac_nj, f"{self.name}: mac_nj", positive=True)


#: SNN energy models by name.
PRESETS: Dict[str, EnergyModel] = {
    model.name: model
    for model in (
        EnergyModel(
            name="neuromorphic",
            neuron_update_nj=0.1,
            synaptic_event_nj=5e-4,
            description="a simple neuromorphic-chip model: 0.1 nJ per neuron update, "
            "0.5 pJ per synaptic event",
        ),
        EnergyModel(
            name="45nm",
            neuron_update_nj=3.4 * PJ,
            synaptic_event_nj=0.1 * PJ,
            description="Horowitz (ISSCC 2014), 45 nm arithmetic: a synaptic event is one 32-bit "
            "integer add (0.1 pJ); a LIF update is one 32-bit integer multiply for the leak (3.1 pJ) "
            "and three adds for input, reset and threshold compare (0.3 pJ)",
        ),
        EnergyModel(
            name="45nm-float",
            neuron_update_nj=0.9 * PJ,
            synaptic_event_nj=0.9 * PJ,
            description="the ANN-to-SNN conversion papers' 45 nm accounting (Horowitz, ISSCC 2014): a "
            "synaptic event is one float32 accumulate, E_AC = 0.9 pJ, and so is a neuron update (the "
            "membrane adds its input); pair it with the ANN's '45nm' E_MAC = 4.6 pJ",
        ),
    )
}

#: ANN references by name.
ANN_PRESETS: Dict[str, AnnReference] = {
    ann.name: ann
    for ann in (
        AnnReference(
            name="45nm",
            mac_nj=4.6 * PJ,
            description="Horowitz (ISSCC 2014), 45 nm: a float32 MAC is a multiply (3.7 pJ) "
            "plus an add (0.9 pJ)",
        ),
        AnnReference(
            name="units",
            mac_nj=3.1 * PJ,
            description="the MAC : AC = 3.1 : 0.1 ratio that SNN papers compare with (Horowitz's "
            "32-bit integer multiply and add); pair it with the '45nm' SNN model, whose synaptic "
            "event is the 0.1 pJ add",
        ),
    )
}


def ann_energy_nj(macs: float, ann: Union[AnnReference, str] = "45nm") -> float:
    """Energy of ``macs`` multiply-accumulates (any count: per sample, per run), nJ: ``macs * E_mac``.

    Where an ANN's MACs are counted at its activation sparsity (a zero input skipped), ``macs``
    is the number of non-zero inputs times their fan-out; dense, it is ``sum(n_in * n_out)``.
    """
    ann = _preset(ann, ANN_PRESETS, AnnReference, "ANN reference")
    if isinstance(macs, bool) or not isinstance(macs, Real) or not math.isfinite(macs) or macs < 0:
        raise ValueError(f"macs must be a finite number >= 0, got {macs!r}")
    return float(macs) * ann.mac_nj


@dataclass(frozen=True)
class EnergyEstimate:
    """Estimated energy of a run, all in nJ.

    Attributes:
        total_nj: SNN energy over all samples.
        per_sample_nj: ``total_nj / n_samples``.
        neuron_updates_nj: the neuron updates' share of ``total_nj``.
        synaptic_events_nj: the synaptic events' share of ``total_nj``.
        ann_per_sample_nj: the dense ANN of the same topology, one pass of one sample.
        snn_to_ann_ratio: ``per_sample_nj / ann_per_sample_nj`` (below 1: the SNN uses less).
        model: name of the SNN energy model.
        ann: name of the ANN reference.
    """

    total_nj: float
    per_sample_nj: float
    neuron_updates_nj: float
    synaptic_events_nj: float
    ann_per_sample_nj: float
    snn_to_ann_ratio: float
    model: str
    ann: str


def _preset(value, presets: Dict, kind: type, what: str):
    if isinstance(value, kind):
        return value
    if isinstance(value, str) and value in presets:
        return presets[value]
    raise ValueError(f"unknown {what} {value!r}: the presets are {', '.join(map(repr, sorted(presets)))}")


def _check_count(value: int, what: str, minimum: int) -> None:
    if isinstance(value, bool) or not isinstance(value, Integral) or value < minimum:
        raise ValueError(f"{what} must be an integer >= {minimum}, got {value!r}")


def estimate_energy(
    neuron_updates: int,
    synaptic_events: int,
    n_samples: int,
    sizes: Sequence[int],
    model: Union[EnergyModel, str] = "neuromorphic",
    ann: Union[AnnReference, str] = "45nm",
) -> EnergyEstimate:
    """Energy of ``n_samples`` samples from their operation counts.

    Args:
        neuron_updates: neuron updates over all samples (neurons x timesteps x samples).
        synaptic_events: synaptic events over all samples.
        n_samples: samples the counts cover, >= 1.
        sizes: the topology ``[n_inputs, n_hidden..., n_outputs]``, for the ANN reference.
        model: an :class:`EnergyModel` or the name of one in :data:`PRESETS`.
        ann: an :class:`AnnReference` or the name of one in :data:`ANN_PRESETS`.
    """
    model = _preset(model, PRESETS, EnergyModel, "energy model")
    ann = _preset(ann, ANN_PRESETS, AnnReference, "ANN reference")
    _check_count(neuron_updates, "neuron_updates", 0)
    _check_count(synaptic_events, "synaptic_events", 0)
    _check_count(n_samples, "n_samples", 1)
    sizes = list(sizes)
    if len(sizes) < 2:
        raise ValueError(f"sizes must list the inputs and at least one layer, got {sizes}")
    for size in sizes:
        _check_count(size, "every size", 1)
    updates_nj = int(neuron_updates) * model.neuron_update_nj
    events_nj = int(synaptic_events) * model.synaptic_event_nj
    total = updates_nj + events_nj
    per_sample = total / int(n_samples)
    macs = sum(int(n_in) * int(n_out) for n_in, n_out in zip(sizes[:-1], sizes[1:]))
    ann_per_sample = macs * ann.mac_nj
    return EnergyEstimate(
        total_nj=total,
        per_sample_nj=per_sample,
        neuron_updates_nj=updates_nj,
        synaptic_events_nj=events_nj,
        ann_per_sample_nj=ann_per_sample,
        snn_to_ann_ratio=per_sample / ann_per_sample,
        model=model.name,
        ann=ann.name,
    )
