"""The promise: the quantized torch model and the emulator agree integer for integer.

Seeded random networks of varied depth, width, neuron model per layer (LIF with
an initial membrane, normalized and standard Izhikevich with perturbed presets),
weight scale and input rate are exported and run on both; output spikes, every layer's raster and every
final state (v, and u for Izhikevich) must be identical. Neither side calls the
other: the torch model runs Brevitas's weights through ``quant/qlif.py`` and
``quant/qizhikevich.py``, the emulator runs the artifact's integers through
``overlay/neurons/lif.py`` and ``overlay/neurons/izhikevich.py``.
"""
from dataclasses import replace

import numpy as np
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from pynq_snn.overlay import formats
from pynq_snn.overlay.artifact import from_bytes, to_bytes
from pynq_snn.overlay.emulator import emulate
from pynq_snn.quant.export import to_artifact
from pynq_snn.quant.network import QuantSpikingLinear, QuantSpikingNetwork
from pynq_snn.quant.qizhikevich import QuantIzhikevich
from pynq_snn.quant.qlif import QuantLIF
from pynq_snn.training.neurons import NEURONS
from pynq_snn.verify import compare


def random_izhikevich(rng, kind: str):
    """A preset of ``kind`` with every parameter scaled by a random factor in [0.5, 2]."""
    presets = NEURONS[kind].presets
    base = presets[str(rng.choice(list(presets)))]
    return replace(base, **{k: v * float(rng.uniform(0.5, 2)) for k, v in base.to_dict().items()})


def random_layer(rng, n_in: int, n_out: int, kind: str, starts: bool = True) -> QuantSpikingLinear:
    """A layer of model ``kind`` with random parameters and weights of a random scale; a LIF
    layer's membrane starts at 0 unless ``starts``."""
    gain_shift = NEURONS[kind].gain_shift
    if kind == "lif":
        threshold = float(10 ** rng.uniform(-1.5, 0.7))
        # the initial membrane: 0, threshold / 2 (a converted network's), around the threshold, or saturated
        start = float(rng.choice([0.0, 0.5, rng.uniform(-2, 2), rng.uniform(-300, 300)]))
        neuron = QuantLIF(beta=float(rng.choice([0.0, 1.0, rng.uniform(0, 1)])), threshold=threshold,
                          init_mem=start * threshold if starts else 0.0)
        scale = 10 ** rng.uniform(-2, 0.5)
    else:
        params = random_izhikevich(rng, kind)
        neuron = QuantIzhikevich(params, learn=bool(rng.integers(2)))
        scale = params.scale * 10 ** rng.uniform(-1.5, 0) / 2 ** gain_shift
    layer = QuantSpikingLinear(n_in, n_out, neuron, gain_shift)
    with torch.no_grad():
        layer.linear.weight.copy_(torch.from_numpy(rng.normal(0, scale, layer.linear.weight.shape)))
    return layer


def random_network(seed: int, kinds=("lif", "izh-norm", "izh"), starts: bool = True):
    """A random quantized network and random input spikes, both fixed by ``seed``.

    Every layer draws its own neuron model among ``kinds`` and its own parameters; LIF
    layers draw an initial membrane if ``starts``.
    """
    rng = np.random.default_rng(seed)
    sizes = [int(rng.integers(1, 48))] + [int(rng.integers(1, 48)) for _ in range(rng.integers(1, 4))]
    model = QuantSpikingNetwork([random_layer(rng, n_in, n_out, str(rng.choice(kinds)), starts)
                                 for n_in, n_out in zip(sizes[:-1], sizes[1:])])
    steps, samples = int(rng.integers(1, 30)), int(rng.integers(1, 9))
    rate = rng.uniform(0, 1)
    spikes = (rng.random((steps, samples, sizes[0])) < rate).astype(np.uint8)
    encoding = {"kind": "raster", "steps": steps}
    return model, to_artifact(model, encoding), spikes


@settings(max_examples=200, deadline=None)
@given(seed=st.integers(0, 2**32 - 1))
def test_quantized_model_equals_emulator_on_random_networks(seed):
    model, artifact, spikes = random_network(seed)
    report = compare(model, artifact, spikes)
    assert report.output_spike_mismatches == 0
    assert report.raster_mismatches == 0
    assert report.state_mismatches == 0
    n_states = sum(n * (1 if layer.neuron == "lif" else 2) for n, layer in zip(artifact.sizes[1:], artifact.layers))
    assert report.states_compared == spikes.shape[1] * n_states


def test_random_cases_reach_saturation_and_spiking():
    """The random cases exercise the edges: saturated states and busy layers occur, and LIF
    layers that start at theta / 2 and above the threshold."""
    saturated = {"lif": 0, "izhikevich": 0}
    busy = {"lif": 0, "izhikevich": 0}
    starts = {"half": 0, "above": 0}
    for seed in range(60):
        model, artifact, spikes = random_network(seed)
        result = emulate(artifact, spikes)
        for layer, n_spikes, final in zip(artifact.layers, result.counts.spikes, result.final_states):
            states = np.concatenate([v.ravel() for v in final.values()])
            saturated[layer.neuron] += int(np.any(np.abs(states) >= formats.STATE_MAX))
            busy[layer.neuron] += int(n_spikes > 0)
            if layer.neuron == "lif":
                starts["half"] += 2 * layer.params["v_init"] == layer.params["threshold"]
                starts["above"] += layer.params["v_init"] > layer.params["threshold"]
    assert min(saturated.values()) > 0 and min(busy.values()) > 15 and min(starts.values()) > 2


def test_artifact_bytes_roundtrip_keeps_bit_exactness():
    model, artifact, spikes = random_network(7)
    reloaded = from_bytes(to_bytes(artifact))
    assert compare(model, reloaded, spikes).ok


def test_eval_and_train_mode_compute_the_same_integers():
    """QAT trains on the integers it exports: train-mode forward == eval-mode forward."""
    model, _, spikes = random_network(11)
    x = torch.from_numpy(spikes).float()
    model.train()
    train_out = model(x)
    model.eval()
    with torch.no_grad():
        eval_out = model(x)
    assert torch.equal(train_out.spikes.detach(), eval_out.spikes)
    for a, b in zip(train_out.final_states, eval_out.final_states):
        assert torch.equal(a["v"].detach(), b["v"])
