"""Bad input on the command line: one line ``pynq-snn <command>: error: ...``, exit status 2, nothing written.

Every case names the problem and the limit, and is caught before the work it would
spoil: a wrong ``--out`` before training, a wrong checkpoint before exporting, a
data set of the wrong width before running.
"""
import hashlib
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from pynq_snn.cli import main
from pynq_snn.overlay.artifact import load, save
from pynq_snn.training.ann_options import QcfsOptions
from pynq_snn.training.options import TrainOptions

TINY = ["--data", "digits", "--hidden", "12", "--epochs", "1", "--qat-epochs", "1", "--steps", "6", "--quiet"]


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    folder = tmp_path_factory.mktemp("errors")
    model, artifact = folder / "model.pt", folder / "model.snn"
    assert main(["train", *TINY, "--out", str(model)]) == 0
    assert main(["export", str(model), "--out", str(artifact)]) == 0
    return model, artifact


def refused(capsys, argv, message: str) -> str:
    """Run ``argv``; it must exit 2 with one line on stderr that contains ``message``."""
    capsys.readouterr()
    try:
        status = main(argv)
    except SystemExit as parse_error:  # argparse's errors leave through SystemExit
        status = parse_error.code
    assert status == 2
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith(f"pynq-snn {argv[0]}: error: "), lines[0]
    assert message in lines[0], lines[0]
    return lines[0]


def test_train_refuses_an_out_that_is_a_folder_before_training(tmp_path, capsys):
    refused(capsys, ["train", *TINY, "--out", str(tmp_path)], f"--out {tmp_path} is a folder: name the file to write")
    refused(capsys, ["train", *TINY, "--out", str(tmp_path / "none" / "m.pt")],
            f"--out {tmp_path / 'none' / 'm.pt'}: the folder {tmp_path / 'none'} does not exist")


def test_export_refuses_an_out_that_is_a_folder(trained, tmp_path, capsys):
    model, _ = trained
    refused(capsys, ["export", str(model), "--out", str(tmp_path)], "is a folder: name the file to write")


def test_demo_refuses_an_out_that_is_a_file(tmp_path, capsys):
    path = tmp_path / "taken"
    path.write_text("mine")
    refused(capsys, ["demo", "--out", str(path)], f"--out {path} is a file: name a folder")
    assert path.read_text() == "mine"


@pytest.mark.parametrize("change, message", [
    (lambda c: c.pop("network"), "missing key(s) ['network']"),
    (lambda c: c["network"].update(colour="blue"), "network: unknown key(s) ['colour']"),
    (lambda c: c.update(state_dict={}), "its state_dict does not fit the network"),
    (lambda c: c["options"].update(data="imagenet"), "unknown data set 'imagenet'"),
])
def test_export_refuses_a_damaged_checkpoint(trained, tmp_path, capsys, change, message):
    model, _ = trained
    checkpoint = torch.load(model, weights_only=True)
    change(checkpoint)
    damaged, out = tmp_path / "damaged.pt", tmp_path / "out.snn"
    torch.save(checkpoint, damaged)
    refused(capsys, ["export", str(damaged), "--out", str(out)], message)
    assert not out.exists()


@pytest.mark.parametrize("content", [b"\x80\x04K\x05.", None])  # a pickle of the integer 5; an artifact
def test_export_of_a_file_that_is_not_a_checkpoint_is_one_line(trained, tmp_path, content):
    model, artifact = trained
    path = tmp_path / "not.pt"
    path.write_bytes(content if content is not None else artifact.read_bytes())
    done = subprocess.run([sys.executable, "-m", "pynq_snn.cli", "export", str(path), "--out", str(tmp_path / "o.snn")],
                          capture_output=True, text=True)
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "is not a readable pynq-snn checkpoint" in done.stderr, done.stderr


def test_train_warns_before_training_a_network_the_ip_cannot_hold(tmp_path, capsys):
    model = tmp_path / "big.pt"
    assert main(["train", "--data", "digits", "--hidden", "2000", "--epochs", "0", "--qat-epochs", "0",
                 "--steps", "2", "--quiet", "--out", str(model)]) == 0
    err = capsys.readouterr().err
    assert "pynq-snn train: warning: the SNN core IP cannot hold this network" in err
    assert "2000 neurons, the IP holds 1024 per layer" in err and "export will refuse it" in err


@pytest.mark.parametrize("argv, message", [
    (["run", "A", "--batch-size", "0"], "argument --batch-size: must be an integer >= 1, got '0'"),
    (["run", "A", "--seed", str(2 ** 70)], f"argument --seed: must be an integer in [0, {2 ** 63 - 1}]"),
    (["run", "A", "--data-seed", "-1"], "argument --data-seed: must be an integer in [0,"),
    (["train", "--out", "m.pt", "--batch-size", "-3"], "argument --batch-size: must be an integer >= 1"),
    (["train", "--out", "m.pt", "--epochs", "-1"], "argument --epochs: must be an integer >= 0"),
    (["run", "A", "--device", "fpga"], "argument --device: invalid choice: 'fpga'"),
])
def test_bad_arguments_are_one_line(capsys, argv, message):
    refused(capsys, argv, message)


@pytest.mark.parametrize("argv, message", [
    (["train", "--data", "digits", "--lr", "-1"], "--lr must be a finite number > 0, got -1.0"),
    (["train", "--data", "digits", "--qat-lr", "nan"], "--qat-lr must be a finite number > 0, got nan"),
    (["train", "--data", "digits", "--ann", "qcfs", "--lr", "0"], "--lr must be a finite number > 0, got 0.0"),
    (["sweep", "--data", "digits", "--batch-size", "0"], "--batch-size must be an integer >= 1, got 0"),
    (["sweep", "--data", "digits", "--qat-lr", "inf"], "--qat-lr must be a finite number > 0, got inf"),
    (["sweep", "--data", "digits", "--seed", "-1"], "argument --seed: must be an integer in [0,"),
    (["train", "--data", "digits", "--weight-decay", "-0.1"], "--weight-decay must be a finite number >= 0, got -0.1"),
    (["sweep", "--data", "digits", "--weight-decay", "nan"], "--weight-decay must be a finite number >= 0, got nan"),
    (["train", "--data", "digits", "--scale-percentile", "80"], "--scale-percentile must be a number in [90, 100], got 80.0"),
    (["train", "--data", "digits", "--izhikevich-gain-shift", "-9"],
     "--izhikevich-gain-shift must be an integer in [-8, 8], got -9"),
    (["train", "--data", "digits", "--izhikevich-threshold", "-0.5"],
     "--izhikevich-threshold must be a finite number > 0, got -0.5"),
    (["sweep", "--data", "digits", "--scale-percentile", "100.5"],
     "--scale-percentile must be a number in [90, 100], got 100.5"),
    (["sweep", "--data", "digits", "--izhikevich-gain-shift", "9"],
     "--izhikevich-gain-shift must be an integer in [-8, 8], got 9"),
    (["sweep", "--data", "digits", "--neuron", "izh-norm", "--izhikevich-threshold", "6"],
     "--izhikevich-threshold must be at most 5.6 for izh-norm RS"),
    (["convert", "ann.pt", "--steps", "0"], "argument --steps: must be an integer >= 1, got '0'"),
    (["convert", "ann.pt", "--steps", "4", "--finetune-epochs", "-1"], "argument --finetune-epochs: must be an"),
])
def test_bad_training_settings_are_refused_before_anything_is_written(tmp_path, capsys, argv, message):
    """A learning rate, batch size or seed out of range stops the command before it trains, makes a
    sweep's study database or writes its output."""
    out = {"train": ["--out", str(tmp_path / "m.pt")], "convert": ["--out", str(tmp_path / "m.snn")],
           "sweep": ["--storage", f"sqlite:///{tmp_path / 'study.db'}", "--quiet"]}[argv[0]]
    refused(capsys, argv + out, message)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("make", [
    lambda: TrainOptions(lr=-1e-3), lambda: TrainOptions(qat_lr=float("inf")), lambda: TrainOptions(batch_size=0),
    lambda: QcfsOptions(lr=0.0), lambda: QcfsOptions(batch_size=True),
])
def test_options_in_python_refuse_the_same_values(make):
    with pytest.raises(ValueError, match=r"must be (a finite number > 0|an integer >= 1)"):
        make()


def test_running_a_model_on_a_data_set_of_another_width_names_both(trained, capsys):
    _, artifact = trained
    refused(capsys, ["run", str(artifact), "--data", "randman"],
            "the artifact takes 64 input channels, randman has 128: pass the --data it was trained on")
    refused(capsys, ["verify", str(artifact), "--data", "randman"], "the artifact takes 64 input channels")


def hostile(artifact_path: Path, folder: Path, meta_value) -> Path:
    """A copy of the artifact with ``meta`` replaced and its checksum recomputed."""
    artifact = load(artifact_path)
    path = folder / "hostile.snn"
    save(type(artifact)(artifact.n_inputs, artifact.layers, artifact.encoding, {"data": "digits"}), path)
    data = path.read_bytes()
    header_len = int.from_bytes(data[10:14], "little")
    header = json.loads(data[14:14 + header_len])
    header["meta"] = "@META@"
    text = json.dumps(header).replace('"@META@"', meta_value).encode()
    body = data[:10] + len(text).to_bytes(4, "little") + text + data[14 + header_len:-32]
    path.write_bytes(body + hashlib.sha256(body).digest())
    return path


@pytest.mark.parametrize("command", ["info", "run", "verify"])
def test_artifacts_with_hostile_headers_are_one_line(trained, tmp_path, capsys, command):
    _, artifact = trained
    path = hostile(artifact, tmp_path, '{"deep": ' + "[" * 1000 + "]" * 1000 + "}")
    refused(capsys, [command, str(path)], "nested deeper than 32 levels")


@pytest.mark.parametrize("recorded, message", [
    ("5", "the artifact records its checkpoint as 5, not a file name: pass --model"),
    ('"../model.pt"', "outside the artifact's folder: pass --model"),
    ('"/etc/passwd"', "outside the artifact's folder: pass --model"),
])
def test_verify_follows_no_path_out_of_the_artifacts_folder(trained, tmp_path, capsys, recorded, message):
    model, artifact = trained
    inner = tmp_path / "inner"
    inner.mkdir()
    shutil.copy(model, tmp_path / "model.pt")  # a real checkpoint one folder up, with the right hash
    sha = hashlib.sha256(model.read_bytes()).hexdigest()
    path = hostile(artifact, inner, f'{{"data": "digits", "checkpoint": {recorded}, "checkpoint_sha256": "{sha}"}}')
    refused(capsys, ["verify", str(path)], message)
