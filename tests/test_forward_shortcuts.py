"""The training forward's shortcuts give the numbers of the plain computation, forward and backward.

The networks step their neurons over ``current.unbind(0)`` and the 4-bit layers scale
Brevitas's quantized weight (quantized once per call) instead of the current. The
reference here is the plain form: ``QuantLinear``'s own forward times ``2**(e+F)``,
and the steps indexed one by one. Spikes, final states and every parameter's
gradient must be equal bit for bit, so training follows the same trajectory.
"""
import numpy as np
import pytest
import torch

from pynq_snn.quant.fixed_point import weight_shift_from_scale
from pynq_snn.quant.network import QuantSpikingMLP
from pynq_snn.training.network import NetworkConfig, SpikingMLP
from pynq_snn.training.trainer import spike_count_loss


def indexed_steps(neuron, current):
    """The neuron over current [T, B, n], step ``t`` taken as ``current[t]``."""
    neuron.reset_mem()
    state, spikes = (), []
    for t in range(current.shape[0]):
        spk, *state = neuron(current[t], *state)
        spikes.append(spk)
    return torch.stack(spikes), list(state)


def plain_forward(model, x):
    """Spikes and final states of ``model`` computed layer by layer in the plain form."""
    finals = []
    for layer in model.layers:
        if isinstance(model, QuantSpikingMLP):
            scale = float(layer.linear.quant_weight().scale.detach()) * 2.0 ** layer.gain_shift
            state_shift = layer.neuron.quantize(weight_shift_from_scale(scale), layer.linear.in_features)
            current = layer.linear(x) * 2.0 ** (state_shift + layer.gain_shift)
        else:
            current = layer.linear(x) * 2.0 ** layer.gain_shift
        x, state = indexed_steps(layer.neuron, current)
        finals.append(state)
    return x, finals


def gradients(model, spikes, labels):
    model.zero_grad()
    spike_count_loss(spikes, labels).backward()
    return {name: p.grad.clone() for name, p in model.named_parameters() if p.grad is not None}


def random_case(seed):
    rng = np.random.default_rng(seed)
    neuron = ["lif", "izh-norm", "izh"][seed % 3]
    sizes = [int(rng.integers(3, 30)), int(rng.integers(2, 20)), int(rng.integers(2, 6))]
    config = NetworkConfig(sizes=sizes, neuron=neuron, beta=float(rng.uniform(0.5, 1.0)),
                           threshold=float(rng.uniform(0.2, 2.0)), learn_params=neuron != "lif")
    steps, batch = int(rng.integers(2, 12)), int(rng.integers(1, 9))
    x = torch.from_numpy((rng.random((steps, batch, sizes[0])) < rng.uniform(0.1, 0.9)).astype(np.float32))
    labels = torch.from_numpy(rng.integers(0, sizes[-1], batch))
    return config, x, labels


@pytest.mark.parametrize("seed", range(9))
@pytest.mark.parametrize("quantized", [False, True], ids=["float", "4-bit"])
def test_forward_and_gradients_equal_the_plain_computation(seed, quantized):
    config, x, labels = random_case(seed)
    torch.manual_seed(seed)
    model = SpikingMLP(config)
    with torch.no_grad():  # weights large enough that the layers spike
        for layer in model.layers:
            layer.linear.weight.mul_(4.0)
    if quantized:
        model = QuantSpikingMLP.from_float(model)
    out = model(x)
    reference, reference_finals = plain_forward(model, x)
    assert torch.equal(out.spikes, reference)
    for finals, expected in zip(out.final_states, reference_finals):
        assert all(torch.equal(a, b) for a, b in zip(finals.values(), expected))
    fast, plain = gradients(model, out.spikes, labels), gradients(model, reference, labels)
    assert fast.keys() == plain.keys() and fast
    for name in fast:
        assert torch.equal(fast[name], plain[name]), name
