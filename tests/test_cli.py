"""The command line, end to end on a tiny network, and its answers to bad input."""
import json
import pytest
from board_env import run_without_torch

from pynq_snn.cli import main

TINY = ["--data", "digits", "--hidden", "12", "--epochs", "1", "--qat-epochs", "1", "--steps", "6", "--quiet"]


def last_json(capsys) -> dict:
    return json.loads(capsys.readouterr().out.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    folder = tmp_path_factory.mktemp("cli")
    model, artifact = folder / "model.pt", folder / "model.snn"
    assert main(["train", *TINY, "--seed", "3", "--out", str(model)]) == 0
    assert main(["export", str(model), "--out", str(artifact)]) == 0
    return model, artifact


def test_train_export_run_verify_info(trained, capsys):
    model, artifact = trained
    capsys.readouterr()
    assert main(["run", str(artifact), "--seed", "3", "--json"]) == 0
    run = last_json(capsys)
    assert run["n_samples"] == 449 and 0.0 <= run["accuracy"] <= 1.0
    assert len(run["spike_rates"]) == 2 and run["synaptic_events"] > 0
    assert run["neuron_updates"] == 449 * 6 * (12 + 10)
    assert main(["verify", str(artifact), "--seed", "3", "--json"]) == 0
    verify = last_json(capsys)
    assert verify["ok"] and verify["raster_mismatches"] == 0 and verify["state_mismatches"] == 0
    assert verify["raster_entries_compared"] == 449 * 6 * 22
    assert main(["info", str(artifact), "--json"]) == 0
    info = last_json(capsys)
    assert info["sizes"] == [64, 12, 10]
    assert info["usage"]["synapses"] == {"used": 64 * 12 + 12 * 10, "capacity": 524288}


@pytest.mark.parametrize("neuron", [["--neuron", "izh-norm", "--preset", "CH"],
                                    ["--neuron", "izh", "--preset", "FS", "--output-neuron", "lif"]])
def test_izhikevich_networks_export_run_and_verify_bit_exact(neuron, tmp_path, capsys):
    model, artifact = tmp_path / "izh.pt", tmp_path / "izh.snn"
    assert main(["train", *TINY, *neuron, "--out", str(model)]) == 0
    assert main(["export", str(model), "--out", str(artifact)]) == 0
    capsys.readouterr()
    assert main(["verify", str(artifact), "--json"]) == 0
    verify = last_json(capsys)
    assert verify["ok"] and verify["states_compared"] > 0
    assert main(["info", str(artifact), "--json"]) == 0
    layers = last_json(capsys)["layers"]
    assert layers[0]["neuron"] == "izhikevich"


def test_unknown_preset_is_refused(tmp_path, capsys):
    assert main(["train", *TINY, "--neuron", "izh-norm", "--preset", "XX", "--out", str(tmp_path / "m.pt")]) == 2
    assert "unknown izh-norm preset 'XX'; choose one of RS, IB, CH" in capsys.readouterr().err
    assert not (tmp_path / "m.pt").exists()


def test_emulator_accuracy_equals_the_quantized_models(trained, capsys):
    """The 4-bit accuracy measured at training time is what the emulator reproduces."""
    model, artifact = trained
    capsys.readouterr()
    main(["info", str(artifact), "--json"])
    recorded = last_json(capsys)["meta"]["quant_accuracy"]
    main(["run", str(artifact), "--seed", "3", "--json"])
    assert last_json(capsys)["accuracy"] == recorded


def test_run_through_the_emulated_device_reports_cycles(trained, capsys):
    _, artifact = trained
    assert main(["run", str(artifact), "--seed", "3", "--device", "emulator", "--json"]) == 0
    run = last_json(capsys)
    device = run["device"]
    assert device["backend"] == "emulator" and device["predictions_equal_the_emulator"]
    assert device["accuracy"] == run["accuracy"] and device["cycles"] > 0 and device["power_w"] is None


def test_run_on_a_board_that_is_not_there_is_a_clear_error(trained, capsys):
    _, artifact = trained
    assert main(["run", str(artifact), "--device", "board"]) == 2
    assert "no PYNQ board found" in capsys.readouterr().err


def test_run_needs_no_torch(trained):
    _, artifact = trained
    done = run_without_torch(f"from pynq_snn.cli import main; sys.exit(main(['run', {str(artifact)!r}, '--json']))")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout.splitlines()[-1])["backend"] == "emulator"


def test_verify_rejects_a_checkpoint_that_is_not_the_source(trained, tmp_path, capsys):
    model, artifact = trained
    other = tmp_path / "other.pt"
    assert main(["train", *TINY, "--seed", "4", "--out", str(other)]) == 0
    assert main(["verify", str(artifact), "--model", str(other)]) == 2
    assert "not the checkpoint this artifact was exported from" in capsys.readouterr().err


def test_export_of_a_network_too_big_for_the_ip_fails_and_writes_nothing(tmp_path, capsys):
    model, artifact = tmp_path / "big.pt", tmp_path / "big.snn"
    assert main(["train", "--data", "digits", "--hidden", "1100", "--epochs", "0", "--qat-epochs", "0",
                 "--steps", "2", "--quiet", "--out", str(model)]) == 0
    assert main(["export", str(model), "--out", str(artifact)]) == 2
    err = capsys.readouterr().err
    assert "1100" in err and "1024" in err
    assert not artifact.exists()


@pytest.mark.parametrize("make_file, message", [
    (None, "No such file|no artifact|not found|does not exist"),
    (b"hello", "not a pynq-snn artifact|too short|truncated"),
])
def test_run_rejects_missing_and_corrupt_artifacts(tmp_path, capsys, make_file, message):
    import re

    path = tmp_path / "model.snn"
    if make_file is not None:
        path.write_bytes(make_file)
    assert main(["run", str(path)]) == 2
    assert re.search(message, capsys.readouterr().err, re.IGNORECASE)


def test_run_rejects_data_of_the_wrong_shape(trained, capsys):
    _, artifact = trained
    assert main(["run", str(artifact), "--data", "randman"]) == 2
    assert "channels" in capsys.readouterr().err


def test_help_documents_every_command(capsys):
    for command in ("train", "export", "run", "verify", "info", "demo"):
        with pytest.raises(SystemExit) as exit_:
            main([command, "--help"])
        assert exit_.value.code == 0
        assert "usage: pynq-snn " + command in capsys.readouterr().out


def test_train_defaults_are_the_training_options_and_its_help_states_them(capsys):
    from pynq_snn.cli import build_parser, train_options
    from pynq_snn.training.options import DEFAULTS, TrainOptions

    assert train_options(build_parser().parse_args(["train", "--out", "model.pt"])) == TrainOptions()
    with pytest.raises(SystemExit):
        main(["train", "--help"])
    help_text = " ".join(capsys.readouterr().out.split())
    for stated in (f"default {TrainOptions.seed}",
                   f"default {TrainOptions.batch_size}", f"default {TrainOptions.threshold}",
                   f"default {TrainOptions.spike_grad}", f"default {TrainOptions.preset}"):
        assert stated in help_text
    for name, defaults in DEFAULTS.items():
        assert f"{defaults.beta} for {name}" in help_text and f"{defaults.float_epochs} for {name}" in help_text
        for rate in (defaults.lr, defaults.qat_lr, defaults.ann_lr):
            assert f"{rate:g} for {name}" in help_text
