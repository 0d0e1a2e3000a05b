"""The IP's capacity: what fits, and how a network that does not is told what to shrink."""
from __future__ import annotations

import pytest

from pynq_snn.overlay import formats
from pynq_snn.overlay.capacity import Capacity, CapacityError, Requirements, check_fits


def test_the_defaults_hold_the_784_512_10_mnist_network_with_4_bit_weights():
    req = Requirements.from_sizes([784, 512, 10], steps=25)
    assert (req.neurons, req.max_neurons_per_layer, req.layers, req.max_fan_in) == (522, 512, 2, 784)
    assert req.synapses == 784 * 512 + 512 * 10
    assert check_fits(req) is None
    cap = Capacity()
    assert cap.synapses * formats.WEIGHT_BITS == 2 * 1024 * 1024, "the weight memory is 2 Mbit"


def test_a_layer_too_wide_is_named_with_its_size_and_the_limit():
    with pytest.raises(CapacityError) as caught:
        check_fits(Requirements.from_sizes([64, 1034, 10], steps=25))
    (violation, *others) = caught.value.violations
    assert "layer 0 (hidden, 64 -> 1034): 1034 neurons" in violation
    assert "the IP holds 1024 per layer: shrink it by 10" in violation
    assert "1034" in str(caught.value) and "1024" in str(caught.value)
    assert any("neurons: 1044 in all layers, the IP holds 1024: remove 20 neurons" in v for v in others)


def test_every_violation_is_reported_at_once():
    sizes = [2000] + [600] * 9
    with pytest.raises(CapacityError) as caught:
        check_fits(Requirements.from_sizes(sizes, steps=70000))
    message = str(caught.value)
    expected = [
        "layers: 9 layers, the IP holds 8: remove 1",
        "layer 0 (hidden, 2000 -> 600): fan-in of 2000 inputs, the IP takes 1024 per layer: remove 976",
        "neurons: 5400 in all layers, the IP holds 1024: remove 4376 neurons",
        f"synapses: {2000 * 600 + 8 * 600 * 600} weights, the IP holds 524288",
        "timesteps: 70000 per sample, the IP counts up to 65535: use 4465 fewer timesteps",
    ]
    assert len(caught.value.violations) == len(expected)
    for text in expected:
        assert text in message


def test_the_synapse_message_says_how_many_weights_to_remove():
    with pytest.raises(CapacityError, match=r"synapses: 600000 weights, the IP holds 524288: remove 75712 weights"):
        check_fits(Requirements.from_sizes([600, 1000], steps=1))


def test_an_output_layer_is_named_as_such():
    with pytest.raises(CapacityError, match=r"layer 1 \(output, 10 -> 1030\): 1030 neurons"):
        check_fits(Requirements.from_sizes([10, 10, 1030], steps=1), Capacity(neurons=4096, synapses=10 ** 6))


def test_requirements_without_a_topology_still_report_the_widest_layer():
    req = Requirements(neurons=1100, max_neurons_per_layer=1100, synapses=1, layers=1, max_fan_in=2000, steps=1)
    with pytest.raises(CapacityError) as caught:
        check_fits(req)
    assert [v.split(":")[0] for v in caught.value.violations] == ["widest layer", "largest fan-in", "neurons"]


def test_a_custom_capacity_is_honoured():
    req = Requirements.from_sizes([784, 512, 10], steps=25)
    with pytest.raises(CapacityError, match="synapses"):
        check_fits(req, Capacity(synapses=100_000))


def test_capacity_error_is_a_memory_error():
    assert issubclass(CapacityError, MemoryError)
    assert CapacityError(["a", "b"]).violations == ["a", "b"]


@pytest.mark.parametrize("sizes, steps", [([10], 1), ([10, 0], 1), ([10, 2.5], 1), ([10, 5], 0)])
def test_bad_topologies_are_refused(sizes, steps):
    with pytest.raises(ValueError):
        Requirements.from_sizes(sizes, steps)


def test_a_capacity_must_be_positive():
    with pytest.raises(ValueError, match="capacity layers must be an integer >= 1"):
        Capacity(layers=0)
