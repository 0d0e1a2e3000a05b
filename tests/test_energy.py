"""Energy estimate: counts times per-operation energies, compared with a dense ANN."""
from __future__ import annotations

import math

import pytest

from pynq_snn.host.energy import ANN_PRESETS, PRESETS, AnnReference, EnergyModel, estimate_energy

MNIST = [784, 512, 10]
MACS = 784 * 512 + 512 * 10


def test_presets_hold_the_documented_figures():
    assert PRESETS["neuromorphic"].neuron_update_nj == 0.1
    assert PRESETS["neuromorphic"].synaptic_event_nj == 5e-4
    assert PRESETS["45nm"].synaptic_event_nj == pytest.approx(0.1e-3)  # one 32-bit integer add
    assert ANN_PRESETS["45nm"].mac_nj == pytest.approx(4.6e-3)  # float32 multiply 3.7 + add 0.9 pJ
    assert ANN_PRESETS["units"].mac_nj / PRESETS["45nm"].synaptic_event_nj == pytest.approx(31)
    for name, preset in {**PRESETS, **ANN_PRESETS}.items():
        assert preset.name == name and preset.description


def test_energy_is_counts_times_energy_per_operation():
    e = estimate_energy(neuron_updates=1000, synaptic_events=20000, n_samples=4, sizes=MNIST)
    assert e.neuron_updates_nj == pytest.approx(1000 * 0.1)
    assert e.synaptic_events_nj == pytest.approx(20000 * 5e-4)
    assert e.total_nj == pytest.approx(e.neuron_updates_nj + e.synaptic_events_nj)
    assert e.per_sample_nj == pytest.approx(e.total_nj / 4)
    assert (e.model, e.ann) == ("neuromorphic", "45nm")


@pytest.mark.parametrize("k", [2, 3, 10])
def test_energy_is_linear_in_the_counts(k):
    one = estimate_energy(123, 4567, 1, MNIST, model="45nm")
    scaled = estimate_energy(123 * k, 4567 * k, 1, MNIST, model="45nm")
    assert scaled.total_nj == pytest.approx(k * one.total_nj)
    same_per_sample = estimate_energy(123 * k, 4567 * k, k, MNIST, model="45nm")
    assert same_per_sample.per_sample_nj == pytest.approx(one.per_sample_nj)
    assert same_per_sample.ann_per_sample_nj == one.ann_per_sample_nj


def test_the_ann_reference_is_one_mac_per_weight_per_sample():
    e = estimate_energy(0, 0, 7, MNIST, ann="45nm")
    assert e.ann_per_sample_nj == pytest.approx(MACS * 4.6e-3)
    assert e.snn_to_ann_ratio == 0


def test_the_ratio_compares_per_sample_energies():
    e = estimate_energy(522 * 25 * 10, 30000 * 10, 10, MNIST, model="45nm", ann="units")
    assert e.snn_to_ann_ratio == pytest.approx(e.per_sample_nj / (MACS * 3.1e-3))


def test_custom_models_are_accepted():
    model = EnergyModel("mine", neuron_update_nj=1.0, synaptic_event_nj=2.0, description="test")
    ann = AnnReference("mine", mac_nj=0.5, description="test")
    e = estimate_energy(3, 4, 1, [2, 1], model=model, ann=ann)
    assert e.total_nj == 11.0 and e.ann_per_sample_nj == 1.0 and e.snn_to_ann_ratio == 11.0


def test_unknown_presets_are_refused_with_the_list():
    with pytest.raises(ValueError, match="unknown energy model 'tpu'.*'45nm', '45nm-float', 'neuromorphic'"):
        estimate_energy(1, 1, 1, MNIST, model="tpu")
    with pytest.raises(ValueError, match="unknown ANN reference 'gpu'.*'45nm', 'units'"):
        estimate_energy(1, 1, 1, MNIST, ann="gpu")


@pytest.mark.parametrize("args, message", [
    ((-1, 0, 1, MNIST), "neuron_updates must be an integer >= 0"),
    ((0, -5, 1, MNIST), "synaptic_events must be an integer >= 0"),
    ((0, 0, 0, MNIST), "n_samples must be an integer >= 1"),
    ((1.5, 0, 1, MNIST), "neuron_updates must be an integer"),
    ((0, 0, 1, [784]), "sizes must list"),
    ((0, 0, 1, [784, 0]), "every size must be an integer >= 1"),
])
def test_bad_inputs_are_refused(args, message):
    with pytest.raises(ValueError, match=message):
        estimate_energy(*args)


@pytest.mark.parametrize("value", [-1.0, math.nan, math.inf])
def test_per_operation_energies_must_be_finite_and_not_negative(value):
    with pytest.raises(ValueError, match="finite number"):
        EnergyModel("bad", neuron_update_nj=value, synaptic_event_nj=0.0, description="")
    with pytest.raises(ValueError, match="finite number > 0"):
        AnnReference("bad", mac_nj=0.0, description="")


def test_the_conversion_papers_preset_and_the_anns_macs():
    from pynq_snn.host.energy import ann_energy_nj

    assert PRESETS["45nm-float"].synaptic_event_nj == pytest.approx(0.9e-3)  # E_AC, a float32 add
    assert PRESETS["45nm-float"].neuron_update_nj == pytest.approx(0.9e-3)
    assert ann_energy_nj(1000) == pytest.approx(1000 * 4.6e-3)  # E_MAC
    assert ann_energy_nj(12.5, "units") == pytest.approx(12.5 * 3.1e-3)
    for bad in (-1, float("nan"), "7", True):
        with pytest.raises(ValueError, match="macs must be a finite number >= 0"):
            ann_energy_nj(bad)
