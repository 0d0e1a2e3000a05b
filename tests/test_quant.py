"""QAT: Brevitas supplies the integers; the fixed-point choices follow the contract."""
import numpy as np
import pytest
import torch

from pynq_snn.overlay import formats
from pynq_snn.quant.fixed_point import floor_ste, lif_format, round_half_up, weight_shift_from_scale
from pynq_snn.quant.network import QuantSpikingMLP
from pynq_snn.quant.qlif import QuantLIF
from pynq_snn.training.network import NetworkConfig, SpikingMLP


def test_brevitas_gives_4bit_narrow_range_weights_with_power_of_two_scale():
    torch.manual_seed(0)
    model = QuantSpikingMLP(NetworkConfig([20, 30, 4]))
    for layer in model.layers:
        weights, shift = layer.integer_weights()
        assert weights.min() >= -7 and weights.max() <= 7
        # the scale is the smallest power of two that holds the weights: the top code is 4..7
        assert 4 <= int(weights.abs().max()) <= 7
        quant = layer.linear.quant_weight()
        assert torch.equal(quant.value, weights.float() * 2.0 ** -shift)


def test_from_float_copies_the_float_weights():
    model = SpikingMLP(NetworkConfig([8, 6, 3]))
    quant = QuantSpikingMLP.from_float(model)
    for q, f in zip(quant.layers, model.layers):
        assert torch.equal(q.linear.weight, f.linear.weight)


def test_floor_ste_floors_forward_and_passes_the_gradient():
    x = torch.tensor([-1.5, -0.5, 0.0, 0.5, 2.99], requires_grad=True)
    y = floor_ste(x)
    assert y.tolist() == [-2.0, -1.0, 0.0, 0.0, 2.0]
    y.sum().backward()
    assert x.grad.tolist() == [1.0] * 5


def test_round_half_up():
    assert [round_half_up(v) for v in (-1.5, -0.5, 0.5, 1.5, 2.4999)] == [-1, 0, 1, 2, 2]


@pytest.mark.parametrize("scale, message", [(0.3, "not a power of two"), (2.0 ** -20, "outside the IP's range")])
def test_weight_scales_the_ip_cannot_shift_are_refused(scale, message):
    with pytest.raises(ValueError, match=message):
        weight_shift_from_scale(scale)


def test_frac_bits_keep_the_threshold_within_4096_lsbs_and_the_accumulator_bounded():
    rng = np.random.default_rng(1)
    for _ in range(200):
        shift, fan_in = int(rng.integers(-2, 10)), int(rng.integers(1, 1025))
        threshold, beta = float(10 ** rng.uniform(-2, 1)), float(rng.uniform(0, 1))
        fmt = lif_format(shift, fan_in, beta, threshold)
        assert 0 <= fmt.frac_bits <= formats.FRAC_BITS_MAX
        assert formats.accumulator_bound(fan_in, fmt.frac_bits, fmt.params["threshold"]) <= formats.ACC_MAX
        assert fmt.params["beta"] == round_half_up(beta * 256)
        if fmt.frac_bits < formats.FRAC_BITS_MAX:  # one more bit would break a rule
            theta = round_half_up(threshold * 2.0 ** (shift + fmt.frac_bits + 1))
            assert theta > 4096 or formats.accumulator_bound(fan_in, fmt.frac_bits + 1, theta) > formats.ACC_MAX


def test_izhikevich_integers_round_half_up_and_saturate():
    from dataclasses import replace

    from pynq_snn.quant.fixed_point import izhikevich_integers
    from pynq_snn.training.neurons import preset
    from pynq_snn.training.neurons.izhikevich import IzhikevichParameters

    params = replace(preset("izh-norm", "RS"), a2=-0.21, b1=100.0, c=0.5 / 4096 * 3)
    integers = izhikevich_integers(IzhikevichParameters(params), square_shift=12)
    assert integers["a2"].item() == round_half_up(-0.21 * 4096)  # -860.16 -> -860
    assert integers["b1"].item() == formats.COEF_MAX  # saturated coefficient (after the +-8 clamp)
    assert integers["c"].item() == 2  # 1.5 LSBs rounds half up to 2
    assert integers["threshold"].item() == round_half_up(0.7 * 4096)


def test_izhikevich_weights_too_large_for_the_state_are_refused():
    from pynq_snn.quant.fixed_point import izhikevich_frac_bits

    with pytest.raises(ValueError, match=r"square shift e \+ F = -1 outside \[0, 24\]"):
        izhikevich_frac_bits(weight_shift=-8, fan_in=10, scale=5000.0)


def test_export_refuses_a_lif_threshold_that_saturates_and_could_never_fire():
    from pynq_snn.overlay.artifact import ArtifactError
    from pynq_snn.quant.export import to_artifact

    torch.manual_seed(0)
    model = QuantSpikingMLP(NetworkConfig([3, 2], threshold=4000.0))  # 4000 * 2**e LSBs: past the 16-bit state
    assert model.layers[0].integer_format().params["threshold"] == formats.STATE_MAX
    with pytest.raises(ArtifactError, match=r"layer 0: threshold 32767 is outside \[1, 32766\] .* never fires"):
        to_artifact(model, {"kind": "raster", "steps": 4})


def test_an_initial_membrane_of_half_the_threshold_is_theta_over_2_wherever_theta_is_even():
    rng = np.random.default_rng(2)
    for _ in range(300):
        shift, fan_in = int(rng.integers(-2, 10)), int(rng.integers(1, 1025))
        threshold = float(10 ** rng.uniform(-2, 1))
        fmt = lif_format(shift, fan_in, 0.9, threshold, init_mem=threshold / 2)
        theta, v_init = fmt.params["threshold"], fmt.params["v_init"]
        assert abs(2 * v_init - theta) <= 1 and (theta % 2 or 2 * v_init == theta)
        assert fmt.params == {**lif_format(shift, fan_in, 0.9, threshold).params, "v_init": v_init}


def test_an_initial_membrane_saturates_to_the_state_field():
    assert lif_format(0, 1, 0.9, 1.0, init_mem=-1000.0).params["v_init"] == formats.STATE_MIN
    assert lif_format(0, 1, 0.9, 1.0, init_mem=1000.0).params["v_init"] == formats.STATE_MAX
    with pytest.raises(ValueError, match="init_mem must be a finite number"):
        QuantLIF(0.9, 1.0, init_mem=float("nan"))


def test_every_sample_starts_at_the_initial_membrane():
    from pynq_snn.quant.network import QuantSpikingLinear

    torch.manual_seed(0)
    layer = QuantSpikingLinear(2, 3, QuantLIF(beta=1.0, threshold=1.0, init_mem=-0.75))
    v_init = layer.integer_format().params["v_init"]
    assert v_init == -3 * 2 ** (layer.weight_shift() + layer.integer_format().frac_bits) // 4
    _, moved = layer(torch.ones(3, 5, 2))
    assert not torch.equal(moved["v"], torch.full((5, 3), float(v_init)))
    spikes, state = layer(torch.zeros(4, 5, 2))  # a new sample, no input: v stays where it starts
    assert spikes.sum() == 0 and torch.equal(state["v"], torch.full((5, 3), float(v_init)))


def test_the_initial_membrane_survives_the_layer_spec():
    from pynq_snn.quant.layer_spec import layer_specs, network_from_specs
    from pynq_snn.quant.network import QuantSpikingLinear, QuantSpikingNetwork

    model = QuantSpikingNetwork([QuantSpikingLinear(3, 2, QuantLIF(0.5, 2.0, init_mem=1.0))])
    specs = layer_specs(model)
    assert specs[0]["neuron"]["init_mem"] == 1.0
    assert network_from_specs(specs).layers[0].neuron.init_mem == 1.0
    del specs[0]["neuron"]["init_mem"]  # a spec written before the initial membrane
    assert network_from_specs(specs).layers[0].neuron.init_mem == 0.0
