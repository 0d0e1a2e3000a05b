"""The 4-bit weight scale from a percentile of |w| (``--scale-percentile``): a power of two, the
weights beyond 7 steps clipped, exported and run bit-exact, and a setting that checkpoints keep."""
import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from pynq_snn.pipeline import load_checkpoint, save_checkpoint, train
from pynq_snn.quant.export import to_artifact
from pynq_snn.quant.network import QuantSpikingMLP, quant_linear
from pynq_snn.training.network import NetworkConfig, SpikingMLP
from pynq_snn.training.options import TrainOptions

TINY = dict(data="digits", hidden=[16], float_epochs=1, qat_epochs=1, steps=4)


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2 ** 16), percentile=st.sampled_from([90.0, 95.0, 99.0, 99.5, 100.0]),
       spread=st.sampled_from([0.01, 0.05, 0.3]))
def test_the_scale_is_the_power_of_two_that_holds_the_percentile_in_seven_steps(seed, percentile, spread):
    """``2**ceil(log2(m / 8))`` for ``m`` the percentile of ``|w|``; each weight becomes
    ``clip(round(w / scale), -7, 7)``."""
    generator = torch.Generator().manual_seed(seed)
    weights = torch.randn(24, 40, generator=generator) * spread
    layer = quant_linear(40, 24, percentile)
    with torch.no_grad():
        layer.weight.copy_(weights)
    quant = layer.quant_weight()
    scale = float(quant.scale.detach())
    magnitudes = np.sort(weights.abs().flatten().numpy())
    level = magnitudes[int(np.floor(0.01 * percentile * magnitudes.size + 0.5)) - 1]  # Brevitas's k-th value
    assert scale == 2.0 ** np.ceil(np.log2(level / np.float32(8)))
    expected = torch.clamp(torch.round(weights / scale), -7, 7)
    assert torch.equal(quant.int().float(), expected)


@settings(max_examples=10, deadline=None)
@given(seed=st.integers(0, 2 ** 16), percentile=st.sampled_from([90.0, 95.0, 99.0]))
def test_clipped_weights_export_and_run_bit_exact(seed, percentile):
    """Heavy-tailed weights (three 10x the rest) clip at the percentile's scale; the artifact holds the
    clipped integers and the emulator runs them as the quantized torch model does."""
    from pynq_snn.overlay.encoding import Encoding
    from pynq_snn.verify import compare

    generator = torch.Generator().manual_seed(seed)
    model = QuantSpikingMLP(NetworkConfig(sizes=[30, 12, 4], scale_percentile=percentile))
    with torch.no_grad():
        for layer in model.layers:
            weights = torch.randn(layer.linear.weight.shape, generator=generator) * 0.3
            weights.view(-1)[:3] = 10 * weights.abs().max()  # three outliers, above the 99th percentile
            layer.linear.weight.copy_(weights)
    first = model.layers[0].linear
    assert (first.weight.abs() / first.quant_weight().scale.detach()).max() > 7.5  # some weights clip
    artifact = to_artifact(model.eval(), Encoding("rate", 8).to_dict(), {})
    for exported, layer in zip(artifact.layers, model.layers):
        integers, shift = layer.integer_weights()
        assert exported.weight_shift == shift
        assert np.array_equal(np.asarray(exported.weights), integers.numpy().astype(np.int8))
        assert np.abs(np.asarray(exported.weights)).max() <= 7
    spikes = (torch.rand(8, 20, 30, generator=generator) < 0.4).numpy().astype(np.uint8)
    check = compare(model, artifact, spikes)
    assert check.output_spike_mismatches == check.raster_mismatches == check.state_mismatches == 0


def test_checkpoints_keep_the_percentile_and_read_older_ones_as_100(tmp_path):
    result = train(TrainOptions(seed=2, scale_percentile=97.5, **TINY), progress=False)
    path = tmp_path / "model.pt"
    save_checkpoint(result, path)
    loaded = load_checkpoint(path)
    assert loaded.model.config.scale_percentile == 97.5 and loaded.options.scale_percentile == 97.5
    for a, b in zip(loaded.model.layers, result.quant_model.layers):
        assert torch.equal(a.integer_weights()[0], b.integer_weights()[0])
    payload = torch.load(path, weights_only=True)
    del payload["network"]["scale_percentile"], payload["options"]["scale_percentile"]
    torch.save(payload, path)
    older = load_checkpoint(path)
    assert older.model.config.scale_percentile == 100 and older.options.scale_percentile == 100


def test_the_quantized_twin_takes_the_float_networks_percentile():
    config = NetworkConfig(sizes=[10, 6, 3], scale_percentile=92.0)
    quant = QuantSpikingMLP.from_float(SpikingMLP(config))
    assert quant.config.scale_percentile == 92.0


@pytest.mark.parametrize("value", [89.9, 100.5, float("nan"), True, "99"])
def test_a_percentile_outside_90_to_100_is_refused_naming_the_flag(value):
    with pytest.raises(ValueError, match=r"--scale-percentile must be a number in \[90, 100\], got "):
        TrainOptions(scale_percentile=value)
    with pytest.raises(ValueError, match=r"--scale-percentile must be a number in \[90, 100\]"):
        NetworkConfig(sizes=[3, 2], scale_percentile=value)


def test_a_sweep_builds_its_trials_with_its_percentile_and_keeps_it_in_its_study(monkeypatch):
    pytest.importorskip("optuna")
    from pynq_snn.training.sweep import trial
    from pynq_snn.training.sweep.space import TrialConfig
    from pynq_snn.training.sweep.spec import SweepSpec, build_spec

    tiny = {"layers": "1", "width": "16:32", "steps": "4", "epochs": "1", "qat_epochs": "1"}
    spec = build_spec("digits", tiny, scale_percentile=95.0, train_samples=50)
    assert SweepSpec.from_dict(spec.to_dict()).scale_percentile == 95.0
    old = spec.to_dict()
    del old["scale_percentile"]  # a study made before the setting existed
    assert SweepSpec.from_dict(old).base_options().resolved().scale_percentile == 100.0
    with pytest.raises(ValueError, match=r"--scale-percentile must be a number in \[90, 100\], got 101"):
        build_spec("digits", tiny, scale_percentile=101.0)
    networks = []
    real_from_options = trial.NetworkConfig.from_options
    monkeypatch.setattr(trial.NetworkConfig, "from_options",
                        lambda *a, **k: networks.append(real_from_options(*a, **k)) or networks[-1])
    trial.run_trial(TrialConfig(spec.base_options().resolved()), spec, meta={})
    assert [network.scale_percentile for network in networks] == [95.0]
