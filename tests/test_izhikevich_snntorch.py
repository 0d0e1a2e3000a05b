"""The Izhikevich neurons are snnTorch neurons: the contract's float model, snnTorch's options."""
from dataclasses import replace

import numpy as np
import pytest
import snntorch as snn
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn

from pynq_snn.training.neurons import NEURONS
from pynq_snn.training.neurons.izhikevich import Izhikevich


def contract_izhikevich(current: np.ndarray, p) -> tuple:
    """``overlay/CONTRACT.md``'s float Izhikevich in numpy float64: the reset of the previous
    spike first, then one Euler step from the old v, clipped to +-8 * scale; spikes [T, ...]."""
    limit = 8 * p.scale
    v = np.full(current.shape[1:], p.v_init)
    u = np.full(current.shape[1:], p.u_init)
    spikes = []
    for cur in current:
        fired = v > p.v_th
        v = np.where(fired, p.c, v)
        u = u + fired * p.d
        v, u = (np.clip(v + p.a1 * v * v + p.a2 * v + p.a3 * u + p.a0 + cur, -limit, limit),
                np.clip(u + p.b1 * v + p.b2 * u + p.b3, -limit, limit))
        spikes.append(v > p.v_th)
    return np.array(spikes), v, u


@settings(max_examples=30, deadline=None)
@given(kind=st.sampled_from(["izh-norm", "izh"]), seed=st.integers(0, 2**31 - 1), steps=st.integers(1, 60))
def test_the_float_neuron_follows_the_contract_on_random_inputs(kind, seed, steps):
    rng = np.random.default_rng(seed)
    presets = NEURONS[kind].presets
    params = presets[str(rng.choice(list(presets)))]
    params = replace(params, **{k: v * float(rng.uniform(0.7, 1.4)) for k, v in params.to_dict().items()})
    current = rng.normal(0, params.scale * 0.3, (steps, 3, 5))
    neuron = Izhikevich(params)
    v = u = None
    spikes = []
    for cur in torch.from_numpy(current):
        spk, v, u = neuron(cur, v, u)
        spikes.append(spk.numpy())
    expected_spikes, expected_v, expected_u = contract_izhikevich(current, params)
    np.testing.assert_allclose(v.numpy(), expected_v, rtol=1e-9, atol=1e-9 * params.scale)
    np.testing.assert_allclose(u.numpy(), expected_u, rtol=1e-9, atol=1e-9 * params.scale)
    assert np.array_equal(np.array(spikes).astype(bool), expected_spikes)


def test_it_is_an_snntorch_neuron_with_init_hidden_and_output():
    params = NEURONS["izh-norm"].preset("CH")
    explicit = Izhikevich(params)
    hidden = Izhikevich(params, init_hidden=True)
    hidden_out = Izhikevich(params, init_hidden=True, output=True)
    assert isinstance(hidden, snn.SpikingNeuron)
    cur = torch.full((2, 4), 0.08, dtype=torch.float64)
    v = u = None
    for _ in range(50):
        spk, v, u = explicit(cur, v, u)
        assert torch.equal(hidden(cur), spk)
        spk_out, v_out, u_out = hidden_out(cur)
        assert torch.equal(spk_out, spk) and torch.equal(v_out, v) and torch.equal(u_out, u)
    hidden.reset_mem()
    assert hidden.v is None and hidden.u is None
    with pytest.raises(TypeError, match="kept inside the module with init_hidden=True"):
        hidden(cur, v, u)


def test_it_drops_into_an_snntorch_sequential_model_and_trains():
    torch.manual_seed(0)
    net = nn.Sequential(nn.Linear(6, 4).double(),
                        Izhikevich(NEURONS["izh-norm"].preset("RS"), spike_grad=snn.surrogate.atan(),
                                   init_hidden=True, learn=True))
    x = torch.rand(20, 3, 6, dtype=torch.float64)
    count = sum(net(x[t]) for t in range(20))
    count.sum().backward()
    assert net[0].weight.grad is not None and net[1].params.a1.grad is not None


def test_options_take_snntorch_callables_and_a_threshold():
    neuron = Izhikevich(NEURONS["izh"].preset("RS"), spike_grad=snn.surrogate.fast_sigmoid(), threshold=25.0)
    assert float(neuron.threshold) == 25.0 and neuron.params.current().v_th == 25.0
