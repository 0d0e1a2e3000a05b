"""One registry of neuron models: every layer of the stack reads the same descriptor."""
import numpy as np
import pytest
import torch

from pynq_snn.overlay.artifact import Artifact, ArtifactError, Layer
from pynq_snn.overlay.neurons import ALL_MODELS_MASK, MODELS, MODELS_BY_CODE
from pynq_snn.quant.network import quant_neuron
from pynq_snn.training.network import NetworkConfig, run_neuron
from pynq_snn.training.neurons import NEURONS, neuron_kind


def random_params(rng, model) -> dict:
    return {name: int(rng.integers(low, high + 1)) for name, (low, high) in model.params.items()}


def test_names_and_hardware_codes_are_unique_and_found_both_ways():
    codes = [model.code for model in MODELS.values()]
    assert sorted(codes) == list(range(len(MODELS)))
    assert {name: model.code for name, model in MODELS.items()} == {"lif": 0, "izhikevich": 1}
    for model in MODELS.values():
        assert MODELS_BY_CODE[model.code] is model
    assert ALL_MODELS_MASK == 0x3


def test_every_model_has_a_threshold_and_states_its_registers():
    rng = np.random.default_rng(0)
    for model in MODELS.values():
        assert "threshold" in model.params
        assert 1 <= len(model.state_names) <= 2  # the 16-bit halves of one output state word
        layer = Layer(model.name, np.ones((4, 3), dtype=np.int8), 2, 3, random_params(rng, model))
        state = model.initial_state(5, layer)
        for register in state[: len(model.state_names)]:
            assert register.shape == (5, 4)
        state, spikes = model.step(state, np.zeros((5, 4), dtype=np.int32), layer)
        assert spikes.shape == (5, 4) and spikes.dtype == bool


def test_the_artifact_checks_a_layer_against_its_models_schema():
    rng = np.random.default_rng(1)
    for model in MODELS.values():
        params = random_params(rng, model)
        low, high = model.params["threshold"]
        weights = np.zeros((2, 2), dtype=np.int8)
        ok = Artifact(2, (Layer(model.name, weights, 0, 0, params),), {"kind": "raster", "steps": 1}, {})
        assert ok.layers[0].params == params
        with pytest.raises(ArtifactError, match=rf"layer 0: threshold {high + 1} is outside \[{low}, {high}\]"):
            Artifact(2, (Layer(model.name, weights, 0, 0, {**params, "threshold": high + 1}),),
                     {"kind": "raster", "steps": 1}, {})
    with pytest.raises(ArtifactError, match="unknown neuron model 'adex', the IP knows 'lif', 'izhikevich'"):
        Artifact(2, (Layer("adex", np.zeros((2, 2), dtype=np.int8), 0, 0, {}),), {"kind": "raster", "steps": 1}, {})


def test_every_float_model_has_a_quantized_twin_that_the_ip_runs():
    for kind in NEURONS.values():
        config = NetworkConfig([3, 2], neuron=kind.name)
        float_neuron = kind.neuron(config)
        twin = quant_neuron(float_neuron)
        assert twin.hardware in MODELS and isinstance(twin, type(float_neuron))
        twin.quantize(weight_shift=0, fan_in=3)
        _, states = run_neuron(twin, torch.zeros(2, 1, 2))
        assert tuple(states) == MODELS[twin.hardware].state_names


def test_unknown_float_models_are_named_with_the_choices():
    with pytest.raises(ValueError, match="unknown neuron 'adex'; choose one of lif, izh-norm, izh"):
        neuron_kind("adex")
    with pytest.raises(ValueError, match="no quantized twin of Identity"):
        quant_neuron(torch.nn.Identity())
