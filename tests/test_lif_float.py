"""The float LIF is snnTorch's Leaky: same spikes and membranes on random inputs."""
import pytest
import snntorch as snn
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from pynq_snn.training.neurons.lif import LIF


@settings(max_examples=25, deadline=None)
@given(
    beta=st.floats(0.0, 1.0),
    threshold=st.floats(0.1, 4.0),
    seed=st.integers(0, 2**31 - 1),
    steps=st.integers(1, 30),
)
def test_lif_reproduces_snntorch_leaky(beta, threshold, seed, steps):
    gen = torch.Generator().manual_seed(seed)
    current = torch.randn(steps, 8, 16, generator=gen) * threshold
    ours = LIF(beta=beta, threshold=threshold)
    theirs = snn.Leaky(beta=beta, threshold=threshold, reset_mechanism="subtract")
    mem_ours = None
    mem_theirs = theirs.reset_mem()
    for t in range(steps):
        spk_ours, mem_ours = ours(current[t], mem_ours)
        spk_theirs, mem_theirs = theirs(current[t], mem_theirs)
        assert torch.equal(spk_ours, spk_theirs)
        torch.testing.assert_close(mem_ours, mem_theirs, rtol=0, atol=1e-6)


def test_lif_spike_has_surrogate_gradient():
    cur = torch.full((4,), 0.5, requires_grad=True)
    spk, _ = LIF(beta=0.5, threshold=1.0)(cur)
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
        LIF(**kwargs)
