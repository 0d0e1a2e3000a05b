"""The Izhikevich threshold (``--izhikevich-threshold``): it replaces the preset's ``v_th`` in every
Izhikevich layer, float and 4-bit, leaves LIF layers alone, exports and runs bit-exact, checkpoints
keep it, and a bad value is refused naming the flag."""
import math

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from pynq_snn.overlay.encoding import Encoding
from pynq_snn.pipeline import load_checkpoint, save_checkpoint, train
from pynq_snn.quant.export import to_artifact
from pynq_snn.quant.network import QuantSpikingMLP
from pynq_snn.training.neurons import NEURONS
from pynq_snn.training.network import NetworkConfig, SpikingMLP
from pynq_snn.training.options import TrainOptions
from pynq_snn.verify import compare

TINY = dict(data="digits", neuron="izh-norm", output_neuron="lif", hidden=[16], float_epochs=1, qat_epochs=1,
            steps=4)


@pytest.mark.parametrize("neuron, output", [("izh-norm", "lif"), ("izh", "izh"), ("lif", "lif")])
def test_the_threshold_replaces_the_presets_in_izhikevich_layers_alone(neuron, output):
    config = NetworkConfig(sizes=[6, 5, 3], neuron=neuron, output_neuron=output, izhikevich_threshold=0.45)
    for kind, layer, quant in zip(config.layer_neurons(), SpikingMLP(config).layers, QuantSpikingMLP(config).layers):
        if kind.presets:
            assert float(layer.neuron.params.value("v_th")) == float(quant.neuron.params.value("v_th")) == 0.45
        else:
            assert float(layer.neuron.threshold) == config.threshold
    default = SpikingMLP(NetworkConfig(sizes=[6, 5, 3], neuron="izh-norm", output_neuron="lif"))
    assert float(default.layers[0].neuron.params.value("v_th")) == NEURONS["izh-norm"].preset("RS").v_th


@settings(max_examples=10, deadline=None)
@given(seed=st.integers(0, 2 ** 16), threshold=st.floats(0.15, 1.5), neuron=st.sampled_from(["izh-norm", "izh"]))
def test_a_network_with_another_threshold_exports_and_runs_bit_exact(seed, threshold, neuron):
    """The artifact holds the threshold in state LSBs, ``round(v_th * 2**Q)``; the emulator runs it as
    the quantized torch model runs the network, every raster and final state equal."""
    if neuron == "izh":
        threshold *= 40  # mV: the standard preset's spike is at 30
    generator = torch.Generator().manual_seed(seed)
    config = NetworkConfig(sizes=[30, 12, 4], neuron=neuron, output_neuron="lif", izhikevich_threshold=threshold)
    model = QuantSpikingMLP(config)
    with torch.no_grad():
        for layer in model.layers:
            layer.linear.weight.copy_(torch.randn(layer.linear.weight.shape, generator=generator) * 0.3)
    artifact = to_artifact(model.eval(), Encoding("rate", 8).to_dict(), {})
    hidden = artifact.layers[0]
    assert hidden.params["threshold"] == math.floor(threshold * 2.0 ** (hidden.weight_shift + hidden.frac_bits) + 0.5)
    spikes = (torch.rand(8, 20, 30, generator=generator) < 0.4).numpy().astype(np.uint8)
    check = compare(model, artifact, spikes)
    assert check.output_spike_mismatches == check.raster_mismatches == check.state_mismatches == 0


def test_checkpoints_keep_the_threshold_and_read_older_ones_as_the_presets(tmp_path):
    result = train(TrainOptions(seed=1, izhikevich_threshold=0.3, **TINY), progress=False)
    path = tmp_path / "model.pt"
    save_checkpoint(result, path)
    loaded = load_checkpoint(path)
    assert loaded.model.config.izhikevich_threshold == loaded.options.izhikevich_threshold == 0.3
    assert float(loaded.model.layers[0].neuron.params.value("v_th")) == 0.3
    payload = torch.load(path, weights_only=True)
    del payload["network"]["izhikevich_threshold"], payload["options"]["izhikevich_threshold"]
    torch.save(payload, path)
    older = load_checkpoint(path)
    assert older.model.config.izhikevich_threshold is None and older.options.izhikevich_threshold is None


@pytest.mark.parametrize("value", [0, -0.5, float("nan"), float("inf"), True, "0.3"])
def test_a_threshold_that_is_not_a_positive_number_is_refused_naming_the_flag(value):
    message = r"--izhikevich-threshold must be a finite number > 0, got "
    with pytest.raises(ValueError, match=message):
        TrainOptions(izhikevich_threshold=value)
    with pytest.raises(ValueError, match=message):
        NetworkConfig(sizes=[3, 2], neuron="izh-norm", izhikevich_threshold=value)


@pytest.mark.parametrize("neuron", ["izh-norm", "izh"])
def test_a_threshold_beyond_the_presets_state_range_is_refused_and_the_limit_exports(neuron):
    """At most 8 times the preset's largest level (0.7 for normalized RS, its 70 mV a0 for standard):
    the range of v its 16-bit state holds. At the limit the level still fits the state, unsaturated."""
    limit = 8 * NEURONS[neuron].preset("RS").scale
    with pytest.raises(ValueError, match=rf"--izhikevich-threshold must be at most {limit:g} for {neuron} RS "
                                         rf"\(8 times its largest level"):
        NetworkConfig(sizes=[3, 2], neuron=neuron, izhikevich_threshold=limit * 1.01)
    model = QuantSpikingMLP(NetworkConfig(sizes=[30, 4], neuron=neuron, izhikevich_threshold=limit))
    layer = to_artifact(model.eval(), Encoding("rate", 8).to_dict(), {}).layers[0]
    assert layer.params["threshold"] == math.floor(limit * 2.0 ** (layer.weight_shift + layer.frac_bits) + 0.5)
    assert NetworkConfig(sizes=[3, 2], neuron="lif", izhikevich_threshold=limit * 2).izhikevich_threshold == limit * 2


def test_a_sweep_trains_every_trial_at_its_threshold_and_keeps_it_in_its_study(monkeypatch):
    pytest.importorskip("optuna")
    from pynq_snn.training.sweep import trial
    from pynq_snn.training.sweep.space import TrialConfig
    from pynq_snn.training.sweep.spec import SweepSpec, build_spec

    tiny = {"layers": "1", "width": "16:32", "steps": "4", "neuron": "izh-norm", "epochs": "1", "qat_epochs": "1"}
    spec = build_spec("digits", tiny, output_neuron="lif", izhikevich_threshold=0.45, train_samples=50)
    assert SweepSpec.from_dict(spec.to_dict()).izhikevich_threshold == 0.45
    old = spec.to_dict()
    del old["izhikevich_threshold"]  # a study made before the setting existed
    assert SweepSpec.from_dict(old).base_options().resolved().izhikevich_threshold is None
    networks = []
    real_from_options = trial.NetworkConfig.from_options
    monkeypatch.setattr(trial.NetworkConfig, "from_options",
                        lambda *a, **k: networks.append(real_from_options(*a, **k)) or networks[-1])
    trial.run_trial(TrialConfig(spec.base_options().resolved()), spec, meta={})
    assert [network.izhikevich_threshold for network in networks] == [0.45]


def test_a_sweep_refuses_a_threshold_beyond_a_drawable_presets_state_range():
    """RS holds v up to 5.6 (8 x 0.7) and IB up to 8 (8 x 1.0): 6 fits IB alone, so a space that
    can draw RS is refused, naming the preset, and one that draws IB alone is not."""
    pytest.importorskip("optuna")
    from pynq_snn.training.sweep.spec import build_spec

    space = {"layers": "1", "width": "16:32", "neuron": "izh-norm", "preset": "IB,RS"}
    with pytest.raises(ValueError, match=r"--izhikevich-threshold must be at most 5.6 for izh-norm RS"):
        build_spec("digits", space, izhikevich_threshold=6.0)
    assert build_spec("digits", {**space, "preset": "IB"}, izhikevich_threshold=6.0).izhikevich_threshold == 6.0
    lif_hidden = {"layers": "1", "width": "16:32", "neuron": "lif", "preset": "RS"}
    with pytest.raises(ValueError, match=r"at most 5.6 for izh-norm RS"):
        build_spec("digits", lif_hidden, output_neuron="izh-norm", izhikevich_threshold=6.0)


@pytest.mark.parametrize("data, neuron, output, preset, expected", [
    ("fashion-mnist", "izh-norm", "lif", "RS", 0.3),
    ("mnist", "izh-norm", None, "RS", 0.3),
    ("fashion-mnist", "lif", "izh-norm", "RS", 0.3),
    ("fashion-mnist", "izh-norm", "lif", "IB", None),  # measured for RS alone
    ("fashion-mnist", "izh", "lif", "RS", None),  # the standard model's v is in mV
    ("fashion-mnist", "izh-norm", "izh", "RS", None),  # one threshold cannot suit both models
    ("fashion-mnist", "lif", "lif", "RS", None),
    ("digits", "izh-norm", "lif", "RS", None),
])
def test_the_images_default_threshold_is_normalized_rss_own(data, neuron, output, preset, expected):
    """On the 28x28 images a network whose Izhikevich layers are all normalized RS defaults to
    v_th 0.3 (README, "Accuracy over training seeds"); every other network keeps its preset's, and a
    threshold given explicitly always wins."""
    options = TrainOptions(data=data, neuron=neuron, output_neuron=output, preset=preset)
    assert options.resolved().izhikevich_threshold == expected
    assert TrainOptions(data=data, neuron=neuron, output_neuron=output, preset=preset,
                        izhikevich_threshold=0.5).resolved().izhikevich_threshold == 0.5
    config = NetworkConfig.from_options(options.resolved(), [6, 5, 3])
    for kind, layer in zip(config.layer_neurons(), SpikingMLP(config).layers):
        if kind.presets:
            v_th = kind.preset(preset).v_th if expected is None else expected
            assert float(layer.neuron.params.value("v_th")) == pytest.approx(v_th)
