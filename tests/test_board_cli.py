"""The command line in the board's environment: numpy and pynq-snn's runtime, no torch, no scikit-learn.

* ``run ARTIFACT --inputs FILE.npz`` on the shipped network and test set reports what the
  desktop's ``run ARTIFACT --data digits`` reports for the same inputs;
* ``encode`` writes the inputs that ``run --data`` encodes, for a data set the board can make;
* every desktop-only command, and a ``--data`` whose library is missing, answers with one
  line naming the extra to install, exit status 2, no traceback.

Runs in both environments: ``make test`` lists it in BOARD_TESTS. On the desktop the
commands run in a child interpreter that refuses to import torch, pynq and the data sets'
libraries (``board_env.py``).
"""
import importlib.util
import json

import numpy as np
import pytest
from board_env import DATA_LIBRARIES, run_without_torch

from pynq_snn.overlay.artifact import Artifact, Layer, save

#: The fields of a run's report that the two ways of giving the inputs must agree on.
SAME = ("n_samples", "accuracy", "spike_rates", "spikes_per_sample", "synaptic_events", "neuron_updates",
        "energy_per_sample_nj", "ip_cycles")


def on_the_board(*argv: str) -> tuple:
    """Run ``pynq-snn argv`` where torch, pynq and the data sets' libraries cannot be imported:
    ``(exit status, stdout, stderr)``."""
    done = run_without_torch(f"from pynq_snn.cli import main; sys.exit(main({list(argv)!r}))", DATA_LIBRARIES)
    return done.returncode, done.stdout, done.stderr


def last_json(stdout: str) -> dict:
    return json.loads(stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("stem, n_samples", [("digits", 449), ("fashion_mnist", 100)])
def test_the_shipped_network_runs_its_shipped_inputs_on_the_board(stem, n_samples):
    network, inputs = f"{stem}.snn", f"{stem}_test.npz"  # bare names: the files shipped with pynq-snn
    status, out, err = on_the_board("run", network, "--inputs", inputs, "--json")
    assert status == 0, err
    report = last_json(out)
    assert report["n_samples"] == n_samples and report["inputs"].endswith(inputs)
    assert report["device"]["backend"] == "emulator" and report["device"]["predictions_equal_the_emulator"]
    assert "running on the bit-exact emulator" in err and "Traceback" not in err
    from pynq_snn.host.board_report import recorded_accuracy
    from pynq_snn.host.shipped import shipped_file
    from pynq_snn.overlay.artifact import load

    recorded = recorded_accuracy(load(shipped_file(network)).meta, inputs)  # the 4-bit model's, when made
    assert report["accuracy"] == pytest.approx(recorded, abs=1e-12)
    assert report["device"]["accuracy"] == pytest.approx(recorded, abs=1e-12)
    assert out.splitlines()[0].startswith("backend: emulator, inputs ") and f"({n_samples} samples, labelled)" in out


@pytest.mark.skipif(importlib.util.find_spec("sklearn") is None,
                    reason="the desktop's run --data digits needs scikit-learn (desktop extra)")
def test_the_board_report_equals_the_desktop_report_on_the_same_inputs():
    from pynq_snn.cli import main
    import contextlib
    import io

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(["run", "digits.snn", "--data", "digits", "--seed", "0", "--json"]) == 0
    desktop = last_json(out.getvalue())
    status, board_out, err = on_the_board("run", "digits.snn", "--inputs", "digits_test.npz", "--json")
    assert status == 0, err
    board = last_json(board_out)
    assert {key: board[key] for key in SAME} == {key: desktop[key] for key in SAME}


def test_the_shipped_fashion_mnist_inputs_are_the_first_that_encode_writes(tmp_path):
    """The shipped 100 are the first of the whole test split as ``run --seed 0`` encodes it."""
    pytest.importorskip("idx2numpy", reason="reading Fashion-MNIST needs idx2numpy (desktop extra)")
    from pynq_snn.cli import main
    from pynq_snn.host.inputs import load_inputs
    from pynq_snn.host.shipped import shipped_file
    from pynq_snn.training.data import DataNotFound, load_dataset

    try:
        load_dataset("fashion-mnist")
    except DataNotFound as exc:
        pytest.skip(str(exc))
    assert main(["encode", "fashion_mnist.snn", "--seed", "0", "--out", str(tmp_path / "all.npz")]) == 0
    whole, shipped = load_inputs(tmp_path / "all.npz"), load_inputs(shipped_file("fashion_mnist_test.npz"))
    n_samples = shipped.spikes.shape[1]
    assert whole.spikes.shape[1] == 10000 and n_samples == 100
    assert np.array_equal(shipped.spikes, whole.spikes[:, :n_samples])
    assert np.array_equal(shipped.labels, whole.labels[:n_samples])
    assert shipped.meta == whole.meta == {"data": "fashion-mnist", "seed": 0, "data_seed": 0}


def _random_randman_network(path, seed: int) -> None:
    """A random one-layer LIF network over randman's 128 channels and 100 steps, 10 outputs."""
    rng = np.random.default_rng(seed)
    weights = rng.integers(-7, 8, size=(10, 128)).astype(np.int8)
    layer = Layer("lif", weights, weight_shift=2, frac_bits=4,
                  params={"beta": int(rng.integers(0, 257)), "threshold": int(rng.integers(16, 400))})
    save(Artifact(n_inputs=128, layers=(layer,), encoding={"kind": "raster", "steps": 100},
                  meta={"data": "randman", "data_seed": 0}), path)


@pytest.mark.parametrize("seed", [0, 1])
def test_encoded_inputs_run_as_the_data_set_does(tmp_path, seed):
    network, inputs = tmp_path / "net.snn", tmp_path / "spikes.npz"
    _random_randman_network(network, seed)
    status, out, err = on_the_board("encode", str(network), "--seed", str(seed), "--out", str(inputs), "--json")
    assert status == 0, err
    assert last_json(out)["shape"] == [100, 500, 128]
    runs = [on_the_board("run", str(network), *source, "--device", "emulator", "--json")
            for source in (["--inputs", str(inputs)], ["--data", "randman", "--seed", str(seed)])]
    assert [status for status, _, _ in runs] == [0, 0], runs[0][2] + runs[1][2]
    from_file, from_data = (last_json(out) for _, out, _ in runs)
    assert {key: from_file[key] for key in SAME} == {key: from_data[key] for key in SAME}
    assert from_file["device"]["cycles"] == from_data["device"]["cycles"]


def test_inputs_without_labels_report_no_accuracy_and_the_threads_are_told(tmp_path):
    network, inputs = tmp_path / "net.snn", tmp_path / "spikes.npz"
    _random_randman_network(network, 0)
    np.savez(inputs, spikes=np.random.default_rng(0).integers(0, 2, size=(100, 3, 128), dtype=np.uint8))
    status, out, err = on_the_board("run", str(network), "--inputs", str(inputs), "--threads", "1", "--json")
    assert status == 0, err
    report = last_json(out)
    assert report["accuracy"] is None and report["device"]["accuracy"] is None
    assert report["threads"] == {"blas": 1} and "CPU threads:            1 (numpy's BLAS" in out
    assert "accuracy: (no labels)" in out and "(3 samples, no labels)" in out


DESKTOP_ONLY = [
    (["train", "--out", "model.pt"], "desktop"),
    (["train"], "desktop"),  # a missing option is not what the board's user needs to hear
    (["export", "model.pt", "--out", "model.snn"], "desktop"),
    (["import", "model.nir", "--out", "model.pt"], "desktop"),
    (["verify", "digits.snn"], "desktop"),
    (["demo"], "desktop"),
    (["convert", "model.pt", "--out", "model.snn"], "desktop"),
    (["sweep", "--trials", "2"], "sweep"),
]


@pytest.mark.parametrize("argv, extra", DESKTOP_ONLY, ids=[" ".join(a) for a, _ in DESKTOP_ONLY])
def test_a_desktop_command_names_its_extra_on_the_board(argv, extra):
    status, out, err = on_the_board(*argv)
    assert status == 2 and out == ""
    assert err.count("\n") == 1, err
    assert err.startswith(f"pynq-snn {argv[0]}: error: needs the {extra} extra (")
    assert err.rstrip().endswith(f"pip install 'pynq-snn[{extra}]'")


NEEDS_A_LIBRARY = [
    ("digits", "the digits data set needs scikit-learn: install the desktop extra, pip install 'pynq-snn[desktop]'"),
    ("nmnist", "nmnist needs tonic: install the events extra, pip install 'pynq-snn[events]'"),
]


@pytest.mark.parametrize("data, message", NEEDS_A_LIBRARY, ids=[data for data, _ in NEEDS_A_LIBRARY])
@pytest.mark.parametrize("command", ["run", "encode"])
def test_a_data_set_that_needs_a_library_names_its_extra_on_the_board(command, data, message, tmp_path):
    argv = ["run", "digits.snn"] if command == "run" else ["encode", "--out", str(tmp_path / "x.npz")]
    status, out, err = on_the_board(*argv, "--data", data)
    assert status == 2 and err.count("\n") == 1, err
    assert err.strip() == f"pynq-snn {command}: error: {message}"
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("argv, message", [
    (["encode", "--out"], "name the data set with --data, or an artifact whose data set to encode"),
    (["encode", "digits.snn", "--steps", "5", "--out"], "--encoding and --steps are the artifact's"),
])
def test_encode_asks_for_one_source_of_encoding(argv, message, tmp_path):
    status, _, err = on_the_board(*argv, str(tmp_path / "x.npz"))
    assert status == 2 and err.count("\n") == 1 and message in err, err


def test_a_bad_inputs_file_gets_one_line_on_the_board(tmp_path):
    np.savez(tmp_path / "wide.npz", spikes=np.zeros((25, 2, 65), dtype=np.uint8))
    np.savez(tmp_path / "data.npz", x_train=np.zeros((2, 64)))
    for name, message in (("wide.npz", "input has 65 channels, the network expects 64"),
                          ("data.npz", "unknown key(s) x_train;"),
                          ("none.npz", "no inputs file at")):
        status, _, err = on_the_board("run", "digits.snn", "--inputs", str(tmp_path / name))
        assert status == 2 and err.count("\n") == 1, err
        assert err.splitlines()[-1].startswith("pynq-snn run: error: ") and message in err
    status, _, err = on_the_board("run", "digits.snn", "--inputs", str(tmp_path / "wide.npz"), "--data", "randman")
    assert status == 2
    assert err.strip() == "pynq-snn run: error: --inputs and --data name two sources of inputs: give one"
