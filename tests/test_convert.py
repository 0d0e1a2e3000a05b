"""Conversion of QCFS ANNs to the IP's IF layers: what each layer becomes, that it counts what
QCFS computes, that it runs bit-exact, fine-tuning, energy, and the command line."""
import json

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from pynq_snn.cli import main
from pynq_snn.conversion import convert, load_ann, save_ann, train_qcfs
from pynq_snn.conversion_energy import compare_energy
from pynq_snn.host.evaluate import run_artifact
from pynq_snn.overlay.artifact import load
from pynq_snn.overlay.emulator import emulate
from pynq_snn.quant.convert import qcfs_to_snn
from pynq_snn.quant.export import to_artifact
from pynq_snn.quant.qcfs import QcfsNet
from pynq_snn.training.ann_options import QcfsOptions
from pynq_snn.verify import compare

TINY = QcfsOptions(data="digits", hidden=[8], levels=4, epochs=2, seed=1)


def random_ann(seed: int, sizes, levels: int) -> QcfsNet:
    torch.manual_seed(seed)
    ann = QcfsNet(sizes, levels)
    rng = np.random.default_rng(seed)
    with torch.no_grad():
        for layer in ann.layers:
            layer.act.lam.fill_(float(rng.uniform(0.3, 3.0)))
    return ann


def test_each_layer_becomes_an_if_layer_at_half_its_threshold():
    ann = random_ann(0, [6, 5, 3], levels=4)
    snn = qcfs_to_snn(ann)
    lambdas = ann.lambdas()
    for index, (a, s) in enumerate(zip(ann.layers, snn.layers)):
        ints, shift = s.integer_weights()
        assert torch.equal(ints, a.linear.quant_weight().int())
        assert 2.0 ** -shift == float(a.linear.quant_weight().scale.detach())
        fmt = s.integer_format()
        lsb = 2.0 ** (shift + fmt.frac_bits)
        ratio = lambdas[index] / (lambdas[index - 1] if index else 1.0)
        assert fmt.params["beta"] == 256
        assert fmt.params["threshold"] == int(np.floor(ratio * lsb + 0.5))
        assert fmt.params["v_init"] == int(np.floor(ratio / 2 * lsb + 0.5))
        assert fmt.params["threshold"] <= 4096


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 2 ** 31), levels=st.sampled_from([2, 4, 8]), steps=st.sampled_from([1, 3, 8]))
def test_converted_networks_run_bit_exact_on_the_emulator(seed, levels, steps):
    ann = random_ann(seed, [7, 6, 5, 3], levels)
    artifact = to_artifact(qcfs_to_snn(ann), {"kind": "rate", "steps": steps})
    spikes = (np.random.default_rng(seed).random((steps, 9, 7)) < 0.5).astype(np.uint8)
    report = compare(qcfs_to_snn(ann), artifact, spikes)
    assert report.ok, report


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_with_constant_inputs_at_t_equal_l_the_counts_are_the_qcfs_levels(seed):
    levels = 4
    ann = random_ann(seed, [12, 40], levels)
    rng = np.random.default_rng(seed)
    inputs = (rng.random((64, 12)) < 0.5).astype(np.float32)  # each input always on or always off
    artifact = to_artifact(qcfs_to_snn(ann), {"kind": "rate", "steps": levels})
    counts = emulate(artifact, np.repeat(inputs[None], levels, axis=0).astype(np.uint8)).output_spikes.sum(axis=0)
    # the integer form: an IF neuron with drive d per step, threshold theta and v_init counts
    # clip(floor((T d + v_init - 1) / theta), 0, T) spikes (no saturation at these sizes)
    layer = artifact.layers[0]
    drive = (inputs.astype(np.int64) @ layer.weights.T.astype(np.int64)) << layer.frac_bits
    theta, v_init = layer.params["threshold"], layer.params["v_init"]
    np.testing.assert_array_equal(counts, np.clip((levels * drive + v_init - 1) // theta, 0, levels))
    # and the ANN's own levels: equal but where z L / lambda + 1/2 lies within theta's rounding of an integer
    with torch.no_grad():
        ann_levels = (ann.output_rates(torch.from_numpy(inputs)) * levels).round().numpy().astype(np.int64)
    differ = counts != ann_levels
    assert differ.mean() < 0.01
    assert np.all(np.abs(counts - ann_levels)[differ] == 1)


@pytest.fixture(scope="module")
def tiny_ann(tmp_path_factory):
    ann = train_qcfs(TINY, progress=False)
    path = tmp_path_factory.mktemp("ann") / "ann.pt"
    save_ann(ann, path)
    return path


def test_fine_tuning_trains_the_converted_network_with_the_snn_trainer(tiny_ann):
    ann = load_ann(tiny_ann)
    plain = convert(ann, steps=4, progress=False)
    tuned = convert(ann, steps=4, finetune_epochs=1, progress=False)
    assert not plain.finetune_history and len(tuned.finetune_history) == 1
    assert not torch.equal(plain.model.layers[0].linear.weight, tuned.model.layers[0].linear.weight)
    assert tuned.model.layers[0].integer_format().params["beta"] == 256
    spikes = (np.random.default_rng(0).random((4, 20, 64)) < 0.3).astype(np.uint8)
    assert compare(tuned.model, to_artifact(tuned.model, tuned.encoding.to_dict()), spikes).ok
    with pytest.raises(ValueError, match="finetune_epochs must be an integer >= 0"):
        convert(ann, steps=4, finetune_epochs=-1)


def test_energy_counts_the_emulators_events_against_the_anns_macs(tiny_ann):
    ann = load_ann(tiny_ann)
    converted = convert(ann, steps=6, progress=False)
    rng = np.random.default_rng(3)
    inputs = rng.random((30, 64)).astype(np.float32) * (rng.random((30, 64)) < 0.5)
    spikes = (rng.random((6, 30, 64)) < inputs).astype(np.uint8)
    energy = compare_energy(run_artifact(to_artifact(converted.model, converted.encoding.to_dict()), spikes),
                            ann.model, inputs)
    with torch.no_grad():  # the events from the torch model's rasters: input spikes times fan-out
        rasters = [torch.from_numpy(spikes).float()] + converted.model(torch.from_numpy(spikes).float()).rasters
    events = sum(float(r.sum()) * n for r, n in zip(rasters, ann.model.sizes[1:])) / 30
    assert energy.synaptic_events == pytest.approx(events)
    assert energy.neuron_updates == 6 * (8 + 10)
    assert energy.snn_nj == pytest.approx((events + 6 * 18) * 0.9e-3)
    assert energy.ann_macs_dense == 64 * 8 + 8 * 10
    assert energy.ann_dense_nj == pytest.approx((64 * 8 + 8 * 10) * 4.6e-3)
    assert energy.ann_nonzero_nj == pytest.approx(energy.ann_macs_nonzero * 4.6e-3)
    assert energy.ratio_dense == pytest.approx(energy.snn_nj / energy.ann_dense_nj)


def test_the_command_line_trains_converts_and_verifies(tmp_path, capsys):
    ann, snn = tmp_path / "ann.pt", tmp_path / "model.snn"
    assert main(["train", "--ann", "qcfs", "--levels", "4", "--data", "digits", "--hidden", "8", "--epochs", "1",
                 "--out", str(ann), "--quiet", "--json"]) == 0
    trained = json.loads(capsys.readouterr().out.splitlines()[-1])
    assert trained["levels"] == 4 and trained["sizes"] == [64, 8, 10]
    assert main(["convert", str(ann), "--steps", "8", "--out", str(snn), "--quiet", "--json"]) == 0
    converted = json.loads(capsys.readouterr().out.splitlines()[-1])
    assert converted["steps"] == 8 and (tmp_path / "model.pt").is_file()
    assert load(snn).layers[0].params["v_init"] > 0
    assert main(["verify", str(snn), "--json"]) == 0
    assert json.loads(capsys.readouterr().out.splitlines()[-1])["ok"]


def test_the_command_line_refuses_what_an_ann_does_not_take(tmp_path, capsys):
    code = main(["train", "--ann", "qcfs", "--qat-epochs", "3", "--out", str(tmp_path / "a.pt")])
    assert code == 2
    assert "--qat-epochs" in capsys.readouterr().err
    code = main(["convert", str(tmp_path / "missing.pt"), "--steps", "8", "--out", str(tmp_path / "m.snn")])
    assert code == 2
    assert "no QCFS ANN checkpoint at" in capsys.readouterr().err
