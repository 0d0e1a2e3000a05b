"""The QCFS ANN: its activation, its 4-bit synapses, its training and its checkpoint."""
import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from pynq_snn.conversion import load_ann, save_ann, train_qcfs
from pynq_snn.overlay.encoding import Encoding
from pynq_snn.quant.network import QuantSpikingLinear
from pynq_snn.quant.qcfs import LOGIT_SCALE, QCFS, QcfsNet
from pynq_snn.quant.qlif import QuantLIF
from pynq_snn.training.ann import evaluate_ann, fit_ann, rates
from pynq_snn.training.ann_options import QcfsOptions

TINY = QcfsOptions(data="digits", hidden=[8], levels=4, epochs=2, seed=3)


def qcfs_numpy(x: np.ndarray, lam: float, levels: int) -> np.ndarray:
    """The paper's formula, literally: lambda / L * clip(floor(x * L / lambda + 1/2), 0, L)."""
    return lam / levels * np.clip(np.floor(x * levels / lam + 0.5), 0, levels)


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2 ** 32 - 1), exponent=st.integers(-4, 4), levels=st.sampled_from([1, 2, 4, 8, 16, 32]))
def test_the_activation_is_the_papers_formula(seed, exponent, levels):
    # lambda and L powers of two: every scaling is exact, so the two orders of operations agree bit for bit
    lam = 2.0 ** exponent
    x = np.random.default_rng(seed).normal(0.5 * lam, lam, size=256)
    act = QCFS(levels, lam).double()
    ours = act(torch.from_numpy(x)).detach().numpy()
    np.testing.assert_array_equal(ours, qcfs_numpy(x, lam, levels))


def test_levels_are_integers_from_one():
    for bad in (0, -3, 2.5, True):
        with pytest.raises(ValueError, match="QCFS levels must be an integer >= 1"):
            QCFS(bad)


def test_the_floor_passes_the_gradient_straight_through():
    act = QCFS(4, 2.0)
    x = torch.tensor([-1.0, 0.3, 1.1, 1.9, 2.5], requires_grad=True)
    act(x).sum().backward()
    assert x.grad.tolist() == [0.0, 1.0, 1.0, 1.0, 0.0]  # identity inside (0, lambda), clipped outside
    assert act.lam.grad is not None and act.lam.grad != 0  # lambda learns


def test_layers_have_no_bias_and_the_snn_paths_4_bit_weights():
    torch.manual_seed(1)
    net = QcfsNet([6, 5, 3], levels=4)
    for layer in net.layers:
        assert layer.linear.bias is None
        twin = QuantSpikingLinear(layer.linear.in_features, layer.linear.out_features, QuantLIF(0.5))
        with torch.no_grad():
            twin.linear.weight.copy_(layer.linear.weight)
        ints, shift = twin.integer_weights()
        assert torch.equal(layer.linear.quant_weight().int(), ints)
        assert int(ints.abs().max()) <= 7
        assert float(layer.linear.quant_weight().scale.detach()) == 2.0 ** -shift


def test_the_logits_are_the_output_pre_activations_and_accuracy_reads_the_rates():
    torch.manual_seed(2)
    net = QcfsNet([5, 4, 3], levels=8)
    x = torch.rand(7, 5)
    with torch.no_grad():
        hidden, out = net.layers
        z = out.linear(hidden(x))
        assert torch.allclose(net(x), LOGIT_SCALE * z / net.lambdas()[-1])
        rates_out = net.output_rates(x)
        assert torch.allclose(rates_out, out.act(z) / net.lambdas()[-1])
    levels = rates_out * 8
    assert torch.allclose(levels, levels.round(), atol=1e-5)
    assert float(rates_out.min()) >= 0 and float(rates_out.max()) <= 1


def test_calibration_starts_lambda_at_the_quantile_of_positive_pre_activations():
    torch.manual_seed(4)
    net = QcfsNet([10, 6, 3], levels=4)
    x = torch.rand(200, 10)
    net.calibrate(x, quantile=0.9)
    z = net.layers[0].linear(x).detach()
    assert net.lambdas()[0] == pytest.approx(float(torch.quantile(z[z > 0], 0.9)))


def test_macs_count_dense_and_with_zero_inputs_skipped():
    torch.manual_seed(5)
    net = QcfsNet([6, 5, 4, 3], levels=2)
    x = torch.rand(9, 6) * (torch.rand(9, 6) > 0.5)
    dense, nonzero = net.macs_per_sample(x)
    assert dense == 6 * 5 + 5 * 4 + 4 * 3
    expected, a = 0, x
    with torch.no_grad():
        for layer, n_out in zip(net.layers, (5, 4, 3)):
            expected += sum(int(np.count_nonzero(row)) for row in a.numpy()) * n_out
            a = layer(a)
    assert nonzero == pytest.approx(expected / 9)
    assert nonzero < dense


def test_the_ann_reads_the_rate_codes_probabilities():
    x = np.array([[0.0, 0.25, 0.75, 1.0]], dtype=np.float32)
    np.testing.assert_array_equal(rates(x, Encoding("rate", 4, gain=2.0)), [[0.0, 0.5, 1.0, 1.0]])
    with pytest.raises(ValueError, match="these inputs are raster-coded"):
        rates(x, Encoding("raster", 4))


def test_accuracy_reads_the_logits_or_the_output_levels():
    torch.manual_seed(6)
    net = QcfsNet([4, 6, 3], levels=2)
    x = np.random.default_rng(6).random((50, 4)).astype(np.float32)
    y = np.random.default_rng(7).integers(0, 3, 50)
    with torch.no_grad():
        logits, levels = net(torch.from_numpy(x)).numpy(), net.output_rates(torch.from_numpy(x)).numpy()
    assert evaluate_ann(net, x, y) == np.mean(logits.argmax(axis=1) == y)
    assert evaluate_ann(net, x, y, levels=True) == np.mean(levels.argmax(axis=1) == y)


def test_fit_learns_a_separable_task():
    rng = np.random.default_rng(0)
    x = rng.random((256, 4)).astype(np.float32)
    y = (x[:, 0] > x[:, 1]).astype(np.int64)
    torch.manual_seed(0)
    net = QcfsNet([4, 16, 2], levels=8)
    net.calibrate(torch.from_numpy(x))
    before = evaluate_ann(net, x, y)
    fit_ann(net, x, y, epochs=15, rng=rng, lr=1e-2, progress=False)
    assert evaluate_ann(net, x, y) > max(before, 0.85)


@pytest.fixture(scope="module")
def tiny_ann():
    return train_qcfs(TINY, progress=False)


def test_training_is_fixed_by_its_seed(tiny_ann):
    again = train_qcfs(TINY, progress=False)
    for a, b in zip(tiny_ann.model.state_dict().values(), again.model.state_dict().values()):
        assert torch.equal(a, b)
    assert tiny_ann.options.epochs == 2 and len(tiny_ann.history) == 2


def test_the_checkpoint_round_trip_keeps_the_network(tiny_ann, tmp_path):
    path = tmp_path / "ann.pt"
    save_ann(tiny_ann, path)
    loaded = load_ann(path)
    x = torch.rand(5, 64)
    assert torch.equal(loaded.model.output_rates(x), tiny_ann.model.output_rates(x))
    assert loaded.options == tiny_ann.options and loaded.accuracy == tiny_ann.accuracy
    assert loaded.level_accuracy == tiny_ann.level_accuracy


def test_other_files_are_refused(tmp_path):
    with pytest.raises(FileNotFoundError, match="no QCFS ANN checkpoint at"):
        load_ann(tmp_path / "missing.pt")
    other = tmp_path / "snn.pt"
    torch.save({"format": "pynq-snn-checkpoint"}, other)
    with pytest.raises(ValueError, match="is not a QCFS ANN checkpoint"):
        load_ann(other)
    garbage = tmp_path / "garbage.pt"
    garbage.write_bytes(b"\x00" * 64)
    with pytest.raises(ValueError, match="not a readable QCFS ANN checkpoint"):
        load_ann(garbage)


def test_spike_data_is_refused():
    with pytest.raises(ValueError, match="raster-coded"):
        train_qcfs(QcfsOptions(data="randman", epochs=1), progress=False)
