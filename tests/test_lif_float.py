"""The float LIF is snnTorch's Leaky itself, computing the contract's float LIF."""
import pytest
import snntorch as snn
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from pynq_snn.training.network import NetworkConfig
from pynq_snn.training.neurons import NEURONS
from pynq_snn.training.neurons.lif import leaky


def contract_lif(current: torch.Tensor, beta: float, threshold: float):
    """``overlay/CONTRACT.md``'s float LIF, step by step: delayed reset by subtraction, strict comparator."""
    mem = torch.zeros_like(current[0])
    spikes = []
    for cur in current:
        reset = (mem > threshold).to(cur.dtype)
        mem = beta * mem + cur - reset * threshold
        spikes.append((mem > threshold).to(cur.dtype))
    return torch.stack(spikes), mem


@settings(max_examples=25, deadline=None)
@given(
    beta=st.floats(0.0, 1.0),
    threshold=st.floats(0.1, 4.0),
    seed=st.integers(0, 2**31 - 1),
    steps=st.integers(1, 30),
)
def test_the_lif_layer_is_snntorch_leaky_and_follows_the_contract(beta, threshold, seed, steps):
    gen = torch.Generator().manual_seed(seed)
    current = torch.randn(steps, 8, 16, generator=gen) * threshold
    neuron = NEURONS["lif"].neuron(NetworkConfig([16, 16], beta=beta, threshold=threshold))
    assert type(neuron) is snn.Leaky
    mem = neuron.reset_mem()
    spikes = []
    for t in range(steps):
        spk, mem = neuron(current[t], mem)
        spikes.append(spk)
    expected_spikes, expected_mem = contract_lif(current, beta, threshold)
    # one float32 rounding apart at most: spikes may flip only where mem sits on the threshold
    close = (expected_mem - threshold).abs() > 1e-5
    assert torch.equal(torch.stack(spikes)[-1][close], expected_spikes[-1][close])
    torch.testing.assert_close(mem, expected_mem, rtol=0, atol=1e-5)


def test_lif_spike_has_surrogate_gradient():
    cur = torch.full((4,), 0.5, requires_grad=True)
    spk, _ = leaky(beta=0.5, threshold=1.0)(cur, torch.zeros(4))
    spk.sum().backward()
    assert torch.all(cur.grad > 0)


@pytest.mark.parametrize("kwargs, message", [
    ({"beta": 1.5}, "beta must be in [0, 1]"),
    ({"beta": -0.1}, "beta must be in [0, 1]"),
    ({"threshold": 0.0}, "threshold must be > 0"),
    ({"spike_grad": "nope"}, "unknown surrogate 'nope'"),
])
def test_lif_rejects_bad_parameters(kwargs, message):
    with pytest.raises(ValueError, match=message.replace("[", r"\[").replace("]", r"\]")):
        leaky(**kwargs)
