"""The IP's cycle model: hand examples per term, and the formula re-derived from the
emulator's per-step rasters must equal what ``run_cycles`` gets from its counts."""
from __future__ import annotations

import numpy as np
import pytest

from pynq_snn.overlay.artifact import Artifact, Layer
from pynq_snn.overlay.cycles import (
    LAYER_FIXED,
    CycleBreakdown,
    layer_cycles,
    load_cycles,
    run_breakdown,
    run_cycles,
)
from pynq_snn.overlay.emulator import emulate


def zeros_layer(n_in: int, n_out: int, neuron: str = "lif") -> Layer:
    if neuron == "lif":
        return Layer("lif", np.zeros((n_out, n_in), dtype=np.int8), 0, 0, {"beta": 0, "threshold": 1})
    params = {name: 0 for name in ("a1", "a2", "a3", "b1", "b2", "a0", "b3", "c", "d", "v_init", "u_init")}
    return Layer("izhikevich", np.zeros((n_out, n_in), dtype=np.int8), 4, 2, {**params, "threshold": 100})


def net_40_20_5(steps: int = 3) -> Artifact:
    """40 inputs -> 20 LIF -> 5 Izhikevich."""
    return Artifact(40, (zeros_layer(40, 20), zeros_layer(20, 5, "izhikevich")), {"kind": "raster", "steps": steps}, {})


def test_load_cycles_on_a_hand_example():
    artifact = net_40_20_5()
    # 2 + header + 8 descriptors per layer + (lanes/8) * sum n_in * ceil(n_out / lanes)
    assert load_cycles(artifact, 16) == 2 + 1 + 16 + 2 * (40 * 2 + 20 * 1) == 219
    assert load_cycles(artifact, 8) == 2 + 1 + 16 + 1 * (40 * 3 + 20 * 1) == 159
    assert load_cycles(artifact, 32) == 2 + 1 + 16 + 4 * (40 * 1 + 20 * 1) == 259


def test_the_fixed_cycles_of_a_layer_step():
    # setup 2, the scan's end 1, the accumulate drain 9, the update drain 14
    assert LAYER_FIXED == 2 + 1 + 9 + 14 == 26


def test_every_term_on_a_hand_example():
    # lanes 16, one bank: R = (2, 1), C = R, B = (2, 1); 2 samples of 3 steps; 30 spikes into layer 0,
    # 7 into layer 1
    b = run_breakdown(net_40_20_5(), [30, 7], steps=3, n_samples=2, out_mode=7, lanes=16, banks=1)
    assert isinstance(b, CycleBreakdown)
    assert b.setup == 2 * 3 * 2 * 2 == 24
    assert b.fetch == 2 * 3 * (2 + 1) == 18
    assert b.accumulate == 30 * 2 + 7 * 1 == 67
    assert b.drain == 2 * 3 * 2 * (1 + 9 + 14) == 288
    assert b.update == 2 * 3 * (2 + 1) == 18
    assert b.output == 2 * (3 * 1 + 3 + (20 + 5)) == 62  # raster 1 word/step, counts ceil(5/2), states 25
    assert b.overhead == 2
    assert b.total == 24 + 18 + 67 + 288 + 18 + 62 + 2 == 479
    assert run_cycles(net_40_20_5(), [30, 7], 3, 2, 7, 16, 1) == 479


def test_banks_read_a_row_in_chunks():
    # a 20-neuron layer at 8 lanes has R = 3 words: 3 cycles a spike with one bank, 2 with two, 1 with four
    artifact = Artifact(40, (zeros_layer(40, 20),), {"kind": "raster", "steps": 1}, {})
    for banks, chunks in ((1, 3), (2, 2), (4, 1), (16, 1)):
        assert run_breakdown(artifact, [10], 1, 1, 0, 8, banks).accumulate == 10 * chunks


@pytest.mark.parametrize("out_mode, per_sample", [
    (0, 0), (1, 3 * 1), (2, 3), (3, 3 * 1 + 3), (4, 25), (5, 3 * 1 + 25), (6, 3 + 25), (7, 3 * 1 + 3 + 25),
])
def test_output_terms_follow_out_mode(out_mode, per_sample):
    base = run_breakdown(net_40_20_5(), [30, 7], 3, 2, 0, 16)
    b = run_breakdown(net_40_20_5(), [30, 7], 3, 2, out_mode, 16)
    assert b.output == 2 * per_sample
    assert b.total - base.total == 2 * per_sample


def test_wide_outputs_take_more_raster_and_count_words():
    artifact = Artifact(3, (zeros_layer(3, 33),), {"kind": "raster", "steps": 1}, {})
    assert run_breakdown(artifact, [0], 4, 1, 1, 16).output == 4 * 2  # ceil(33 / 32) words per step
    assert run_breakdown(artifact, [0], 4, 1, 2, 16).output == 17  # ceil(33 / 2)
    assert run_breakdown(artifact, [0], 4, 1, 4, 16).output == 33


def test_everything_but_the_overhead_scales_with_the_samples():
    artifact = net_40_20_5()
    one = run_breakdown(artifact, [30, 7], 3, 1, 7, 16)
    many = run_breakdown(artifact, [30 * 5, 7 * 5], 3, 5, 7, 16)
    for name in ("setup", "fetch", "accumulate", "drain", "update", "output"):
        assert getattr(many, name) == 5 * getattr(one, name), name
    assert many.total - 2 == 5 * (one.total - 2)
    assert one.setup + one.drain == 3 * 2 * 26


def test_no_input_spikes_cost_only_the_fixed_terms():
    b = run_breakdown(net_40_20_5(), [0, 0], 1, 1, 0, 16)
    assert b.accumulate == 0
    assert b.total == 2 + 2 * 26 + (2 + 1) + (2 + 1) == 60


def random_case(seed: int):
    """A random LIF/Izhikevich network that fires, and input spikes for it."""
    rng = np.random.default_rng(seed)
    sizes = rng.integers(1, 70, size=int(rng.integers(2, 5))).tolist()
    layers = []
    for n_in, n_out in zip(sizes[:-1], sizes[1:]):
        weights = rng.integers(-2, 8, size=(n_out, n_in)).astype(np.int8)
        if rng.random() < 0.5:
            layers.append(Layer("lif", weights, 0, 2, {"beta": int(rng.integers(128, 257)),
                                                      "threshold": int(rng.integers(1, 40))}))
        else:
            q = 6
            layers.append(Layer("izhikevich", weights, 4, 2, {
                "a1": 600, "a2": -200, "a3": -1000, "b1": 200, "b2": -200, "a0": 0, "b3": 0,
                "c": -20, "d": 4, "threshold": int(rng.integers(8, 2 ** q)), "v_init": 0, "u_init": 0,
            }))
    steps, samples = int(rng.integers(1, 12)), int(rng.integers(1, 5))
    artifact = Artifact(sizes[0], tuple(layers), {"kind": "raster", "steps": steps}, {})
    spikes = (rng.random((steps, samples, sizes[0])) < rng.uniform(0.05, 0.6)).astype(np.uint8)
    return artifact, spikes


def formula_from_rasters(artifact: Artifact, spikes, rasters, out_mode: int, lanes: int, banks: int) -> int:
    """REGISTERS.md's RUN formula, summed sample by sample and step by step."""
    steps, samples, _ = spikes.shape
    n_out = artifact.n_outputs
    rows = [-(-layer.n_out // lanes) for layer in artifact.layers]
    chunks = [-(-r // banks) for r in rows]
    words = [-(-layer.n_in // 32) for layer in artifact.layers]
    raster = -(-n_out // 32) if out_mode & 1 else 0
    counts = -(-n_out // 2) if out_mode & 2 else 0
    states = sum(layer.n_out for layer in artifact.layers) if out_mode & 4 else 0
    total = 2
    for n in range(samples):
        for t in range(steps):
            for index in range(len(artifact.layers)):
                source = spikes if index == 0 else rasters[index - 1]
                e = int(source[t, n].sum())
                total += 26 + words[index] + e * chunks[index] + rows[index]
            total += raster
        total += counts + states
    return total


@pytest.mark.parametrize("lanes, banks", [(8, 1), (8, 4), (16, 16), (32, 2)])
@pytest.mark.parametrize("seed", range(10))
def test_run_cycles_from_emulator_counts_equal_the_per_step_formula(seed, lanes, banks):
    artifact, spikes = random_case(seed)
    result = emulate(artifact, spikes, record_rasters=True)
    spikes_in = result.counts.input_spikes
    assert spikes_in[0] == int(spikes.sum())
    for index in range(1, len(artifact.layers)):
        assert spikes_in[index] == int(result.rasters[index - 1].sum())
    steps, samples, _ = spikes.shape
    for out_mode in (0, 3, 7):
        want = formula_from_rasters(artifact, spikes, result.rasters, out_mode, lanes, banks)
        assert run_cycles(artifact, spikes_in, steps, samples, out_mode, lanes, banks) == want


def test_the_random_cases_fire_in_hidden_layers():
    fired = 0
    for seed in range(10):
        artifact, spikes = random_case(seed)
        if len(artifact.layers) > 1:
            fired += int(emulate(artifact, spikes).counts.spikes[:-1].sum() > 0)
    assert fired >= 3, "the emulator check must see spikes between layers"


# --- bad inputs ------------------------------------------------------------------------


def test_lanes_must_be_a_positive_multiple_of_8():
    for lanes in (0, 12, -16, 16.0):
        with pytest.raises(ValueError, match="lanes must be a positive multiple of 8"):
            run_cycles(net_40_20_5(), [0, 0], 1, 1, 7, lanes)
        with pytest.raises(ValueError, match="lanes must be a positive multiple of 8"):
            load_cycles(net_40_20_5(), lanes)


def test_banks_must_be_a_power_of_two():
    for banks in (0, 3, 2.0):
        with pytest.raises(ValueError, match="banks must be a power of two"):
            run_cycles(net_40_20_5(), [0, 0], 1, 1, 7, 16, banks)


@pytest.mark.parametrize("out_mode", [-1, 8, 2.0])
def test_out_mode_outside_0_to_7_is_refused(out_mode):
    with pytest.raises(ValueError, match=r"out_mode must be an integer in \[0, 7\]"):
        run_cycles(net_40_20_5(), [0, 0], 1, 1, out_mode, 16)


@pytest.mark.parametrize("spikes_in, message", [
    ([-1, 0], r"layer 0: input spikes must be an integer in \[0, 240\] .* got -1"),
    ([0, 121], r"layer 1: input spikes must be an integer in \[0, 120\] \(n_in 20 x 3 steps x 2 samples\), got 121"),
    ([1.5, 0], "layer 0: input spikes must be an integer"),
    ([0], "layer_input_spikes has 1 entries, the network has 2 layers"),
    (5, "layer_input_spikes must be a sequence of one integer per layer"),
])
def test_bad_spike_totals_are_refused(spikes_in, message):
    with pytest.raises(ValueError, match=message):
        run_cycles(net_40_20_5(), spikes_in, 3, 2, 7, 16)


def test_numpy_spike_totals_are_accepted():
    assert run_cycles(net_40_20_5(), np.array([30, 7]), 3, 2, 7, 16, 1) == 479


@pytest.mark.parametrize("steps, samples, message", [
    (0, 1, r"steps must be an integer in \[1, 65535\], got 0"),
    (65536, 1, r"steps must be an integer in \[1, 65535\], got 65536"),
    (1, 0, r"n_samples must be an integer in \[1, 65535\], got 0"),
])
def test_steps_and_samples_must_fit_their_registers(steps, samples, message):
    with pytest.raises(ValueError, match=message):
        run_cycles(net_40_20_5(), [0, 0], steps, samples, 7, 16)


@pytest.mark.parametrize("lanes", [8, 16, 32])
def test_layer_cycles_add_up_to_the_run_without_output_and_overhead(lanes):
    artifact = net_40_20_5()
    spikes = [37, 11]
    per_layer = layer_cycles(artifact, spikes, 3, 2, lanes)
    parts = run_breakdown(artifact, spikes, 3, 2, 7, lanes)
    assert sum(per_layer) == parts.setup + parts.fetch + parts.accumulate + parts.drain + parts.update


def test_layer_cycles_on_a_hand_example():
    # 40 -> 20 at 16 lanes: B = 2, R = 2, one chunk per spike with 16 banks; 3 steps x 2 samples;
    # 37 input spikes. 20 -> 5: B = 1, R = 1; 11 input spikes
    assert layer_cycles(net_40_20_5(), [37, 11], 3, 2, 16) == [6 * (26 + 2 + 2) + 37, 6 * (26 + 1 + 1) + 11]
    assert layer_cycles(net_40_20_5(), [37, 11], 3, 2, 16, 1) == [6 * (26 + 2 + 2) + 37 * 2, 6 * (26 + 1 + 1) + 11]
