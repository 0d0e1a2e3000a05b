"""The IP's capacity: what fits, and how a network that does not is told what to shrink."""
from __future__ import annotations

import pytest

from pynq_snn.overlay import formats
from pynq_snn.overlay.capacity import CapacityError, Requirements, check_fits
from pynq_snn.overlay.core_build import DEFAULT_BUILD, CoreBuild


def test_the_defaults_hold_the_784_512_10_mnist_network_with_4_bit_weights():
    req = Requirements.from_sizes([784, 512, 10], steps=25)
    assert (req.neurons, req.max_neurons_per_layer, req.layers, req.max_fan_in) == (522, 512, 2, 784)
    assert req.synapses == 784 * 512 + 512 * 10
    assert check_fits(req) is None
    cap = DEFAULT_BUILD
    assert cap.synapses * formats.WEIGHT_BITS == 2 * 1024 * 1024, "the weight memory is 2 Mbit"


def test_a_layer_too_wide_is_named_with_its_size_and_the_limit():
    with pytest.raises(CapacityError) as caught:
        check_fits(Requirements.from_sizes([64, 1034, 10], steps=25))
    (violation, *others) = caught.value.violations
    assert "layer 0 (hidden, 64 -> 1034): 1034 neurons" in violation
    assert "the IP holds 1024 per layer: shrink it by 10" in violation
    assert "1034" in str(caught.value) and "1024" in str(caught.value)
    assert any(
        "neurons: 1044 in all layers, 1056 with each layer padded to 16 lanes, the IP holds 1024: "
        "remove 32 padded neurons" in v
        for v in others
    )


def test_every_violation_is_reported_at_once():
    sizes = [2000] + [600] * 9
    with pytest.raises(CapacityError) as caught:
        check_fits(Requirements.from_sizes(sizes, steps=70000))
    message = str(caught.value)
    expected = [
        "layers: 9 layers, the IP holds 8: remove 1",
        "layer 0 (hidden, 2000 -> 600): fan-in of 2000 inputs, the IP takes 1024 per layer: remove 976",
        "neurons: 5400 in all layers, 5472 with each layer padded to 16 lanes, the IP holds 1024: "
        "remove 4448 padded neurons",
        f"synapses: {2000 * 600 + 8 * 600 * 600} weights, {2000 * 608 + 8 * 600 * 608} with each row padded "
        "to 16 lanes, the IP holds 524288",
        "timesteps: 70000 per sample, the IP counts up to 65535: use 4465 fewer timesteps",
    ]
    assert len(caught.value.violations) == len(expected)
    for text in expected:
        assert text in message


def test_the_synapse_message_says_how_many_weights_to_remove():
    with pytest.raises(CapacityError, match=r"synapses: 614400 weights, the IP holds 524288: remove 90112 weights"):
        check_fits(Requirements.from_sizes([600, 1024], steps=1))


def test_an_output_layer_is_named_as_such():
    with pytest.raises(CapacityError, match=r"layer 1 \(output, 10 -> 1030\): 1030 neurons"):
        check_fits(Requirements.from_sizes([10, 10, 1030], steps=1), CoreBuild(weight_words=10 ** 6 // 16))


def test_requirements_without_a_topology_still_report_the_widest_layer():
    req = Requirements(neurons=1100, max_neurons_per_layer=1100, synapses=1, layers=1, max_fan_in=2000, steps=1)
    with pytest.raises(CapacityError) as caught:
        check_fits(req)
    assert [v.split(":")[0] for v in caught.value.violations] == ["widest layer", "largest fan-in", "neurons"]


def test_a_custom_capacity_is_honoured():
    req = Requirements.from_sizes([784, 512, 10], steps=25)
    with pytest.raises(CapacityError, match="synapses"):
        check_fits(req, CoreBuild(weight_words=100_000 // 16))


def test_capacity_error_is_a_memory_error():
    assert issubclass(CapacityError, MemoryError)
    assert CapacityError(["a", "b"]).violations == ["a", "b"]


@pytest.mark.parametrize("sizes, steps", [([10], 1), ([10, 0], 1), ([10, 2.5], 1), ([10, 5], 0)])
def test_bad_topologies_are_refused(sizes, steps):
    with pytest.raises(ValueError):
        Requirements.from_sizes(sizes, steps)


def test_a_capacity_must_be_positive():
    with pytest.raises(ValueError, match="capacity layers must be an integer >= 1"):
        CoreBuild(layers=0)


# --- padding to whole words of LANES weights -------------------------------------------


def test_rows_are_padded_to_whole_lane_words():
    # 200 rows of 40 weights: 8000 weights, but with 16 lanes every row takes 48 (three words)
    req = Requirements.from_sizes([200, 40], steps=1)
    assert req.synapses == 8000
    with pytest.raises(CapacityError) as caught:
        check_fits(req, CoreBuild(weight_words=8000 // 16))
    (violation,) = caught.value.violations
    assert violation == (
        "synapses: 8000 weights, 9600 with each row padded to 16 lanes, the IP holds 8000: "
        "remove 1600 padded weights (fewer or smaller layers; widths that are multiples of 16 waste nothing)"
    )
    assert check_fits(req, CoreBuild(weight_words=9600 // 16)) is None
    assert check_fits(req, CoreBuild(weight_words=8000 // 8, lanes=8)) is None  # 40 = five words of 8
    with pytest.raises(CapacityError, match="8000 weights, 12800 with each row padded to 32 lanes"):
        check_fits(req, CoreBuild(weight_words=12799 // 32, lanes=32))


def test_the_brief_example_of_a_padded_weight_count():
    # 8 inputs x 1025 neurons = 8200 weights; 1025 pads to 1040 with 16 lanes: 8320
    req = Requirements.from_sizes([8, 1025], steps=1)
    with pytest.raises(CapacityError) as caught:
        check_fits(req, CoreBuild(neurons=2048, weight_words=8192 // 16))
    assert caught.value.violations == [
        "synapses: 8200 weights, 8320 with each row padded to 16 lanes, the IP holds 8192: "
        "remove 128 padded weights (fewer or smaller layers; widths that are multiples of 16 waste nothing)"
    ]


def test_state_words_are_padded_per_layer():
    # four layers of 10 neurons: each takes a whole word of 16 states, 64 in all
    # (a build's NEURONS is a multiple of 32, so the limits below are 64 and 32)
    sizes = [4] + [10] * 4
    req = Requirements.from_sizes(sizes, steps=1)
    assert check_fits(req, CoreBuild(neurons=64)) is None
    with pytest.raises(CapacityError) as caught:
        check_fits(req, CoreBuild(neurons=32))
    assert caught.value.violations == [
        "neurons: 40 in all layers, 64 with each layer padded to 16 lanes, the IP holds 32: "
        "remove 32 padded neurons (widths that are multiples of 16 waste nothing)"
    ]
    assert check_fits(req, CoreBuild(neurons=64, lanes=8)) is None  # 10 -> 16 with 8 lanes too
    whole = Requirements.from_sizes([4, 32, 32], steps=1)  # nothing to pad: the plain message
    with pytest.raises(CapacityError) as caught:
        check_fits(whole, CoreBuild(neurons=32, lanes=8))
    assert caught.value.violations == ["neurons: 64 in all layers, the IP holds 32: remove 32 neurons"]


def test_the_ip_default_matches_its_register_map():
    # 784-512-10: 784*32 + 512*1 = 25600 weight words of 16, 33 state words
    cap = DEFAULT_BUILD
    assert cap.lanes == 16
    assert cap.synapses == 32768 * cap.lanes and cap.neurons == 64 * cap.lanes
    req = Requirements.from_sizes([784, 512, 10], steps=25)
    assert check_fits(req) is None
    # 33 state words need NEURONS of 34 words of 16 at least: NEURONS is a multiple of 32
    assert check_fits(req, CoreBuild(weight_words=25600, neurons=34 * 16)) is None
    with pytest.raises(CapacityError, match="406528 weights, 409600 with each row padded"):
        check_fits(req, CoreBuild(weight_words=25600 - 1))
    with pytest.raises(CapacityError, match="522 in all layers, 528 with each layer padded"):
        check_fits(req, CoreBuild(neurons=32 * 16))


def test_without_a_topology_the_raw_totals_are_checked():
    req = Requirements(neurons=32, max_neurons_per_layer=10, synapses=128, layers=3, max_fan_in=10, steps=1)
    assert check_fits(req, CoreBuild(lanes=8, neurons=32, weight_words=16)) is None
    with pytest.raises(CapacityError) as caught:
        check_fits(req, CoreBuild(lanes=8, neurons=32, weight_words=15))
    assert caught.value.violations == [
        "synapses: 128 weights, the IP holds 120: remove 8 weights (fewer or smaller layers)"
    ]


def test_a_build_follows_the_verilog_rules():
    assert (DEFAULT_BUILD.state_words, DEFAULT_BUILD.neurons_per_layer, DEFAULT_BUILD.steps) == (64, 1024, 65535)
    for lanes in (8, 16, 32, 64):
        assert CoreBuild(lanes=lanes, neurons=2 * max(lanes, 32)).lanes == lanes
    with pytest.raises(ValueError, match="capacity neurons must be a multiple of 32 and of lanes"):
        CoreBuild(neurons=48)
    with pytest.raises(ValueError, match="capacity neurons must be a multiple of 32 and of lanes"):
        CoreBuild(lanes=64, neurons=96)
    with pytest.raises(ValueError, match="capacity weight_words must fit its 32-bit capability register"):
        CoreBuild(weight_words=2 ** 32)


@pytest.mark.parametrize("lanes", [0, 4, 12, 20, True, 16.0])
def test_lanes_must_be_a_power_of_two_of_at_least_8(lanes):
    with pytest.raises(ValueError, match="capacity lanes must be"):
        CoreBuild(lanes=lanes)
