"""Training is fixed by its seeds, and checkpoints are read safely."""
import pytest
import torch

from pynq_snn.pipeline import TrainOptions, load_checkpoint, save_checkpoint, train

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
    with pytest.raises(FileNotFoundError, match="no checkpoint at"):
        load_checkpoint(tmp_path / "missing.pt")
    garbage = tmp_path / "garbage.pt"
    garbage.write_bytes(b"\x00" * 100)
    with pytest.raises(ValueError, match="not a readable pynq-snn checkpoint"):
        load_checkpoint(garbage)
    other = tmp_path / "other.pt"
    torch.save({"format": "something-else"}, other)
    with pytest.raises(ValueError, match="is not a pynq-snn checkpoint"):
        load_checkpoint(other)


def test_unknown_data_set_is_refused():
    with pytest.raises(ValueError, match="unknown data set 'mnist'; choose one of digits, randman"):
        train(TrainOptions(data="mnist"))
