"""The Izhikevich current gain (``--izhikevich-gain-shift``): the current into every Izhikevich
layer is ``2**shift`` times its model's, LIF layers keep theirs; it exports and runs bit-exact,
checkpoints keep it, and it defaults to 0 everywhere."""
import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from pynq_snn.pipeline import load_checkpoint, save_checkpoint, train
from pynq_snn.quant.export import to_artifact
from pynq_snn.quant.network import QuantSpikingMLP
from pynq_snn.training.neurons import NEURONS
from pynq_snn.training.network import NetworkConfig, SpikingMLP
from pynq_snn.training.options import DEFAULTS, TrainOptions

TINY = dict(data="digits", neuron="izh-norm", output_neuron="lif", hidden=[16], float_epochs=1, qat_epochs=1,
            steps=4)


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 2 ** 16), shift=st.integers(-3, 3), neuron=st.sampled_from(["izh-norm", "izh"]),
       output=st.sampled_from(["lif", "izh-norm"]))
def test_the_shift_multiplies_the_izhikevich_current_alone(seed, shift, neuron, output):
    """A network at shift ``k`` spikes as the one at shift 0 whose Izhikevich layers' weights are
    ``2**k`` times larger (powers of two scale floats exactly), step for step in every layer."""
    generator = torch.Generator().manual_seed(seed)
    sizes = [20, 12, 8, 4]
    shifted = SpikingMLP(NetworkConfig(sizes=sizes, neuron=neuron, output_neuron=output, izhikevich_gain_shift=shift))
    plain = SpikingMLP(NetworkConfig(sizes=sizes, neuron=neuron, output_neuron=output))
    with torch.no_grad():
        for kind, a, b in zip(shifted.config.layer_neurons(), shifted.layers, plain.layers):
            assert a.gain_shift == kind.gain_shift + (shift if kind.presets else 0)
            weights = torch.randn(a.linear.weight.shape, generator=generator) * 0.3 * 2.0 ** -kind.gain_shift
            a.linear.weight.copy_(weights)
            b.linear.weight.copy_(weights * 2.0 ** (a.gain_shift - b.gain_shift))
    spikes = (torch.rand(10, 6, 20, generator=generator) < 0.4).float()
    for x, y in zip(shifted(spikes).rasters, plain(spikes).rasters):
        assert torch.equal(x, y)


@settings(max_examples=10, deadline=None)
@given(seed=st.integers(0, 2 ** 16), shift=st.integers(-3, 1))
def test_a_shifted_network_exports_and_runs_bit_exact(seed, shift):
    """The shift folds into the exported weight shift; the emulator runs the artifact as the
    quantized torch model runs the network."""
    from pynq_snn.overlay.encoding import Encoding
    from pynq_snn.verify import compare

    generator = torch.Generator().manual_seed(seed)
    config = NetworkConfig(sizes=[30, 12, 4], neuron="izh-norm", output_neuron="lif", izhikevich_gain_shift=shift)
    model = QuantSpikingMLP(config)
    with torch.no_grad():
        for layer in model.layers:
            layer.linear.weight.copy_(torch.randn(layer.linear.weight.shape, generator=generator) * 0.3)
    artifact = to_artifact(model.eval(), Encoding("rate", 8).to_dict(), {})
    unshifted = QuantSpikingMLP(NetworkConfig(sizes=[30, 12, 4], neuron="izh-norm", output_neuron="lif"))
    unshifted.load_state_dict(model.state_dict())
    assert artifact.layers[0].weight_shift == unshifted.layers[0].integer_weights()[1] - shift
    assert artifact.layers[1].weight_shift == unshifted.layers[1].integer_weights()[1]
    spikes = (torch.rand(8, 20, 30, generator=generator) < 0.4).numpy().astype(np.uint8)
    check = compare(model, artifact, spikes)
    assert check.output_spike_mismatches == check.raster_mismatches == check.state_mismatches == 0


def test_checkpoints_keep_the_shift_and_read_older_ones_as_0(tmp_path):
    result = train(TrainOptions(seed=1, izhikevich_gain_shift=-2, **TINY), progress=False)
    path = tmp_path / "model.pt"
    save_checkpoint(result, path)
    loaded = load_checkpoint(path)
    assert loaded.model.config.izhikevich_gain_shift == -2 and loaded.options.izhikevich_gain_shift == -2
    assert [layer.gain_shift for layer in loaded.model.layers] == [-2, 0]
    payload = torch.load(path, weights_only=True)
    del payload["network"]["izhikevich_gain_shift"], payload["options"]["izhikevich_gain_shift"]
    torch.save(payload, path)
    older = load_checkpoint(path)
    assert older.model.config.izhikevich_gain_shift == 0 and older.options.izhikevich_gain_shift == 0
    assert [layer.gain_shift for layer in older.model.layers] == [0, 0]


@pytest.mark.parametrize("value", [9, -9, 1.5, True, "2"])
def test_a_shift_outside_its_range_is_refused_naming_the_flag(value):
    with pytest.raises(ValueError, match=r"--izhikevich-gain-shift must be an integer in \[-8, 8\], got "):
        TrainOptions(izhikevich_gain_shift=value)
    with pytest.raises(ValueError, match=r"--izhikevich-gain-shift must be an integer in \[-8, 8\]"):
        NetworkConfig(sizes=[3, 2], izhikevich_gain_shift=value)


@pytest.mark.parametrize("data", sorted(DEFAULTS))
def test_every_data_set_keeps_the_models_gain_by_default_and_lif_layers_ignore_the_shift(data):
    assert TrainOptions(data=data).resolved().izhikevich_gain_shift == 0
    assert TrainOptions(data=data, izhikevich_gain_shift=1).resolved().izhikevich_gain_shift == 1
    config = NetworkConfig(sizes=[6, 5, 3], neuron="izh-norm", output_neuron="lif", izhikevich_gain_shift=-2)
    assert [layer.gain_shift for layer in SpikingMLP(config).layers] == [NEURONS["izh-norm"].gain_shift - 2, 0]
    lif = NetworkConfig(sizes=[6, 5, 3], izhikevich_gain_shift=-2)
    assert [layer.gain_shift for layer in SpikingMLP(lif).layers] == [0, 0]


def test_a_sweep_trains_at_its_shift_and_keeps_it_in_its_study():
    pytest.importorskip("optuna")
    from pynq_snn.training.sweep.spec import SweepSpec, build_spec

    tiny = {"layers": "1", "width": "16:32", "steps": "4", "neuron": "izh-norm", "epochs": "1", "qat_epochs": "1"}
    spec = build_spec("digits", tiny, output_neuron="lif", izhikevich_gain_shift=-2)
    assert spec.base_options().resolved().izhikevich_gain_shift == -2
    assert SweepSpec.from_dict(spec.to_dict()).izhikevich_gain_shift == -2
    old = spec.to_dict()
    del old["izhikevich_gain_shift"]  # a study made before the setting existed
    assert SweepSpec.from_dict(old).base_options().resolved().izhikevich_gain_shift == 0
    with pytest.raises(ValueError, match=r"--izhikevich-gain-shift must be an integer in \[-8, 8\], got 9"):
        build_spec("digits", tiny, izhikevich_gain_shift=9)
