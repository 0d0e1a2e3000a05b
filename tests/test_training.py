"""Training is fixed by its seeds, and checkpoints are read safely."""
import pytest
import torch

from pynq_snn.pipeline import load_checkpoint, save_checkpoint, train
from pynq_snn.training.options import TrainOptions

TINY = dict(data="digits", hidden=[8], float_epochs=1, qat_epochs=1, steps=4)


@pytest.fixture(scope="module")
def tiny_result():
    return train(TrainOptions(seed=5, **TINY), progress=False)


def test_the_same_seed_gives_the_same_network(tiny_result):
    again = train(TrainOptions(seed=5, **TINY), progress=False)
    for a, b in zip(tiny_result.quant_model.state_dict().values(), again.quant_model.state_dict().values()):
        assert torch.equal(a, b)
    assert again.quant_accuracy == tiny_result.quant_accuracy


def test_another_seed_gives_another_network(tiny_result):
    other = train(TrainOptions(seed=6, **TINY), progress=False)
    a = tiny_result.quant_model.layers[0].linear.weight
    assert not torch.equal(a, other.quant_model.layers[0].linear.weight)


def test_checkpoint_roundtrip_keeps_the_integers(tiny_result, tmp_path):
    path = tmp_path / "model.pt"
    save_checkpoint(tiny_result, path)
    loaded = load_checkpoint(path)
    for a, b in zip(loaded.model.layers, tiny_result.quant_model.layers):
        assert torch.equal(a.integer_weights()[0], b.integer_weights()[0])
        assert a.integer_format() == b.integer_format()
    assert loaded.metrics["quant_accuracy"] == tiny_result.quant_accuracy


def test_bad_checkpoints_are_refused(tmp_path):
    with pytest.raises(FileNotFoundError, match="no pynq-snn checkpoint at"):
        load_checkpoint(tmp_path / "missing.pt")
    garbage = tmp_path / "garbage.pt"
    garbage.write_bytes(b"\x00" * 100)
    with pytest.raises(ValueError, match="not a readable pynq-snn checkpoint"):
        load_checkpoint(garbage)
    other = tmp_path / "other.pt"
    torch.save({"format": "something-else"}, other)
    with pytest.raises(ValueError, match="it lacks the format mark 'pynq-snn-checkpoint'"):
        load_checkpoint(other)


def test_unknown_data_set_is_refused():
    with pytest.raises(ValueError, match="unknown data set 'cifar10'; choose one of randman, digits"):
        train(TrainOptions(data="cifar10"))


def test_learned_izhikevich_parameters_move_stay_in_range_and_export_bit_exact():
    from pynq_snn.overlay import formats
    from pynq_snn.quant.export import to_artifact
    from pynq_snn.training.data import encode_test_split, load_dataset
    from pynq_snn.training.neurons import preset
    from pynq_snn.verify import compare

    options = TrainOptions(seed=2, neuron="izh-norm", output_neuron="lif", learn_params=True,
                           **{**TINY, "float_epochs": 2})
    result = train(options, progress=False)
    learned = result.quant_model.layers[0].neuron.params.current()
    initial = preset("izh-norm", "RS")
    assert learned.a2 != initial.a2 and learned.d != initial.d
    assert learned.v_th == initial.v_th  # thresholds and initial states stay fixed
    artifact = to_artifact(result.quant_model, result.encoding.to_dict())
    params = artifact.layers[0].params
    assert formats.COEF_MIN <= params["a1"] <= formats.COEF_MAX
    dataset = load_dataset("digits", steps=4)
    assert compare(result.quant_model, artifact, encode_test_split(dataset, result.encoding, 0)).ok


def test_learned_parameters_are_clamped_to_the_fixed_point_range():
    import torch

    from pynq_snn.training.neurons import preset
    from pynq_snn.training.neurons.izhikevich import IzhikevichParameters

    params = IzhikevichParameters(preset("izh-norm", "RS"), learn=True)
    with torch.no_grad():
        params.a1.fill_(100.0)
        params.c.fill_(-1e6)
    current = params.current()
    assert current.a1 == 32767 / 4096
    assert current.c == -8 * params.scale


def test_train_returns_the_test_inputs_it_measured_on(tiny_result):
    import numpy as np

    from pynq_snn.training.data import encode_test_split, load_dataset
    from pynq_snn.training.trainer import evaluate

    dataset = load_dataset("digits", steps=4)
    assert np.array_equal(tiny_result.test_spikes, encode_test_split(dataset, tiny_result.encoding, 5))
    assert np.array_equal(tiny_result.dataset.test.y, dataset.test.y)
    assert evaluate(tiny_result.quant_model, tiny_result.test_spikes, dataset.test.y) == tiny_result.quant_accuracy


def test_a_log_that_is_not_a_terminal_gets_one_line_per_epoch(capsys):
    import numpy as np

    from pynq_snn.overlay.encoding import Encoding
    from pynq_snn.training.data import dataset_from_arrays
    from pynq_snn.training.network import NetworkConfig, SpikingMLP
    from pynq_snn.training.trainer import fit

    rng = np.random.default_rng(0)
    data = dataset_from_arrays(rng.random((50, 6)), np.arange(50) % 2, rng.random((4, 6)), np.arange(4) % 2, steps=5)
    model = SpikingMLP(NetworkConfig(sizes=[6, 8, 2]))
    fit(model, data.train, Encoding("rate", 5), epochs=3, rng=rng, batch_size=16, desc="float")
    lines = capsys.readouterr().err.strip().splitlines()
    assert [line.split(":")[0] for line in lines] == [f"float epoch {e}/3" for e in (1, 2, 3)]
    assert all("train accuracy" in line and "\r" not in line for line in lines)
