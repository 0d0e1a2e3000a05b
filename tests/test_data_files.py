"""Real data sets from files written here in each one's on-disk format, and your own .npz: no network."""
from __future__ import annotations

import gzip
import json
import struct
from pathlib import Path

import numpy as np
import pytest

from pynq_snn.overlay.encoding import Encoding
from pynq_snn.training.data import DataNotFound, dataset_from_arrays, load_dataset
from pynq_snn.training.data import files as data_files
from pynq_snn.training.data import idx


def write_idx(path: Path, array: np.ndarray) -> None:
    """An IDX file as LeCun's format defines it: 0, 0, type 0x08 (ubyte), rank; big-endian sizes; data."""
    header = struct.pack(">BBBB", 0, 0, 0x08, array.ndim) + struct.pack(f">{array.ndim}I", *array.shape)
    with gzip.open(path, "wb") as f:
        f.write(header + array.astype(np.uint8).tobytes())


def write_mnist_folder(folder: Path, n_train: int = 12, n_test: int = 5, seed: int = 0):
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    images = {part: rng.integers(0, 256, (n, 28, 28)) for part, n in (("train", n_train), ("test", n_test))}
    labels = {part: rng.integers(0, 10, len(images[part])) for part in images}
    for part, (images_file, labels_file) in idx.FILES.items():
        write_idx(folder / images_file, images[part])
        write_idx(folder / labels_file, labels[part])
    return images, labels


@pytest.fixture
def offline(monkeypatch, tmp_path):
    """No system folder, downloads into a cache under tmp, and no network."""
    def no_network(*args, **kwargs):
        raise OSError("network is unreachable")

    monkeypatch.setattr(idx.urllib.request, "urlopen", no_network)
    monkeypatch.setattr(data_files, "CACHE_DIR", tmp_path / "cache")
    monkeypatch.setattr(idx, "SOURCES", {name: ((str(tmp_path / "absent"),), url, how)
                                         for name, (_, url, how) in idx.SOURCES.items()})


@pytest.mark.parametrize("name", ["mnist", "fashion-mnist"])
def test_idx_files_read_as_intensities_in_their_own_split(tmp_path, offline, name):
    images, labels = write_mnist_folder(tmp_path / "data")
    dataset = load_dataset(name, data_dir=str(tmp_path / "data"), steps=7)
    assert dataset.encoding.kind == "rate" and dataset.encoding.steps == 7
    assert (dataset.n_inputs, dataset.n_classes) == (784, 10)
    np.testing.assert_array_equal(dataset.train.x, images["train"].reshape(12, 784).astype(np.float32) / 255)
    np.testing.assert_array_equal(dataset.test.y, labels["test"])


def test_data_dir_comes_before_the_system_folder(tmp_path, offline, monkeypatch):
    write_mnist_folder(tmp_path / "system", n_train=3)
    write_mnist_folder(tmp_path / "mine", n_train=4)
    monkeypatch.setitem(idx.SOURCES, "mnist", ((str(tmp_path / "system"),), "", "how"))
    assert len(load_dataset("mnist", data_dir=str(tmp_path / "mine")).train.y) == 4
    assert len(load_dataset("mnist", data_dir=str(tmp_path / "elsewhere")).train.y) == 3


def test_missing_files_offline_get_one_line_saying_how_to_get_them(tmp_path, offline):
    with pytest.raises(DataNotFound) as info:
        load_dataset("fashion-mnist", data_dir=str(tmp_path / "empty"))
    message = str(info.value)
    assert "\n" not in message and "apt-get install dataset-fashion-mnist" in message and "download failed" in message


def test_npz_of_intensities_and_of_spikes(tmp_path):
    rng = np.random.default_rng(1)
    np.savez(tmp_path / "rate.npz", x_train=rng.random((6, 5)), y_train=np.arange(6) % 3,
             x_test=rng.random((2, 5)), y_test=np.array([0, 2]))
    rate = load_dataset(str(tmp_path / "rate.npz"), steps=4)
    assert (rate.encoding.kind, rate.encoding.steps, rate.n_inputs, rate.n_classes) == ("rate", 4, 5, 3)
    spikes = (rng.random((6, 9, 5)) < 0.3).astype(np.uint8)
    np.savez(tmp_path / "raster.npz", x_train=spikes, y_train=np.arange(6) % 3, x_test=spikes[:2],
             y_test=np.array([0, 1]), n_classes=4)
    raster = load_dataset(str(tmp_path / "raster.npz"))
    assert (raster.encoding.kind, raster.encoding.steps, raster.n_classes) == ("raster", 9, 4)
    np.testing.assert_array_equal(raster.train.x, spikes)


GOOD = dict(x_train=np.zeros((4, 3)), y_train=np.array([0, 1, 0, 1]), x_test=np.zeros((2, 3)), y_test=np.array([1, 0]))


@pytest.mark.parametrize("change, words", [
    (dict(y_test=None), "missing keys y_test"),
    (dict(x_test=np.zeros((2, 4))), "same C"),
    (dict(y_train=np.array([0, 1, 0])), "3 labels for 4 samples in y_train"),
    (dict(y_train=np.array([0, 1, 0, -1])), "labels must be >= 0, found -1 in y_train"),
    (dict(y_train=np.array([0, 1, 0, 5]), n_classes=np.array(3)), "labels must lie in 0 .. 2"),
    (dict(x_train=np.full((4, 3), 1.5)), "must lie in [0, 1]"),
    (dict(x_train=np.full((4, 2, 3), 2), x_test=np.zeros((2, 2, 3))), "must be 0 or 1"),
    (dict(y_train=np.array([0.0, 1, 0, 1])), "y_train must be a 1-D array of integer class indices, got float64"),
])
def test_bad_npz_files_get_one_line_naming_the_problem(tmp_path, change, words):
    arrays = {**GOOD, **change}
    np.savez(tmp_path / "bad.npz", **{k: v for k, v in arrays.items() if v is not None})
    with pytest.raises(ValueError) as info:
        load_dataset(str(tmp_path / "bad.npz"))
    assert words in str(info.value) and "\n" not in str(info.value)


def test_not_an_npz_file(tmp_path):
    (tmp_path / "junk.npz").write_bytes(b"not a zip")
    with pytest.raises(ValueError, match="is not a readable .npz file"):
        load_dataset(str(tmp_path / "junk.npz"))


def test_a_dataset_from_arrays_in_memory():
    dataset = dataset_from_arrays(**GOOD)
    assert (dataset.n_inputs, dataset.n_classes, dataset.encoding.kind) == (3, 2, "rate")


def write_nmnist_bin(path: Path, events) -> None:
    """N-MNIST's 40-bit events: x, y, polarity in bit 7 with timestamp bits 22..16, then bits 15..8, 7..0 (us)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    data = bytearray()
    for x, y, t, p in events:
        data += bytes([x, y, (p << 7) | (t >> 16) & 0x7F, (t >> 8) & 0xFF, t & 0xFF])
    path.write_bytes(bytes(data))


def test_nmnist_through_tonic_downsampled_to_fit_the_fan_in(tmp_path):
    pytest.importorskip("tonic", reason="N-MNIST needs tonic (the events extra)")
    for split, label in (("Train", 3), ("Train", 7), ("Test", 1)):
        # (x, y, t, p) in time order: two events that share a downsampled pixel and a bin, one in the
        # third and one in the last of 4 bins of 250 us, and the sample's last event, which tonic's bins leave out
        events = [(0, 0, 0, 0), (1, 1, 10, 0), (20, 10, 500, 1), (33, 33, 999, 1), (2, 2, 1000, 0)]
        write_nmnist_bin(tmp_path / "NMNIST" / split / str(label) / "00001.bin", events)
    dataset = load_dataset("nmnist", data_dir=str(tmp_path), steps=4)
    assert dataset.n_inputs == 2 * 17 * 17 and dataset.encoding.kind == "raster"
    assert list(dataset.train.y) == [3, 7] and list(dataset.test.y) == [1]
    x = dataset.train.x[0].reshape(4, 2, 17, 17)  # [T, polarity, y, x]
    assert x.max() == 1 and x[0, 0, 0, 0] == 1  # two events in one bin and pixel: one spike
    assert x.sum() == 3 and x[3, 1, 16, 16] == 1 and x[2, 1, 5, 10] == 1


def test_shd_through_tonic(tmp_path):
    pytest.importorskip("tonic", reason="SHD needs tonic (the events extra)")
    h5py = pytest.importorskip("h5py")
    (tmp_path / "SHD").mkdir()
    for split, labels in (("train", [4, 19]), ("test", [0])):
        with h5py.File(tmp_path / "SHD" / f"shd_{split}.h5", "w") as f:
            times = f.create_dataset("spikes/times", (len(labels),), dtype=h5py.vlen_dtype(np.float32))
            units = f.create_dataset("spikes/units", (len(labels),), dtype=h5py.vlen_dtype(np.uint16))
            for i in range(len(labels)):
                times[i] = np.array([0.0, 0.1, 0.1, 0.5], dtype=np.float32)  # seconds
                units[i] = np.array([0, 699, 699, 3], dtype=np.uint16)
            f["labels"] = np.array(labels, dtype=np.uint16)
            f["extra/keys"] = np.array([b"zero"] * 20)
            f["extra/speaker"] = np.zeros(len(labels), dtype=np.uint16)
    dataset = load_dataset("shd", data_dir=str(tmp_path), steps=5)
    assert (dataset.n_inputs, dataset.n_classes) == (700, 20)
    assert list(dataset.train.y) == [4, 19]
    assert dataset.train.x.shape == (2, 5, 700) and dataset.train.x.max() == 1
    # channel 0, and channel 699's two events in one bin as one spike; the last event (channel 3) is left out
    assert dataset.train.x[0].sum() == 2 and dataset.train.x[0, :, 699].sum() == 1


def test_the_command_line_trains_runs_and_verifies_your_npz_file(tmp_path, capsys):
    from pynq_snn.cli import main

    rng = np.random.default_rng(2)
    np.savez(tmp_path / "mine.npz", x_train=rng.random((40, 6)), y_train=np.arange(40) % 2,
             x_test=rng.random((10, 6)), y_test=np.arange(10) % 2)
    data, model, artifact = str(tmp_path / "mine.npz"), tmp_path / "m.pt", tmp_path / "m.snn"
    assert main(["train", "--data", data, "--hidden", "8", "--epochs", "1", "--qat-epochs", "1", "--steps", "5",
                 "--quiet", "--out", str(model)]) == 0
    assert main(["export", str(model), "--out", str(artifact)]) == 0
    assert main(["verify", str(artifact), "--json"]) == 0  # finds the .npz file from the artifact
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert summary["ok"] and summary["output_spikes_compared"] == 10 * 2 * 5


def test_the_command_line_names_an_unknown_data_set(capsys):
    from pynq_snn.cli import main

    with pytest.raises(SystemExit):
        main(["train", "--data", "cifar10", "--out", "x.pt"])
    assert "unknown data set 'cifar10'" in capsys.readouterr().err


def test_latency_coding_of_images_and_delta_coding_of_your_series(tmp_path, offline):
    write_mnist_folder(tmp_path / "data")
    dataset = load_dataset("mnist", data_dir=str(tmp_path / "data"), steps=10, encoding="latency")
    assert dataset.encoding == Encoding("latency", 10, linear=True, normalize=True, clip=True)
    series = np.random.default_rng(3).normal(size=(6, 8, 4))
    np.savez(tmp_path / "series.npz", x_train=series, y_train=np.arange(6) % 2, x_test=series[:2], y_test=[0, 1])
    assert load_dataset(str(tmp_path / "series.npz"), encoding="delta").encoding == Encoding("delta", 8)
    with pytest.raises(ValueError, match="must be 0 or 1"):  # without delta coding, a series is not spikes
        load_dataset(str(tmp_path / "series.npz"))
    with pytest.raises(ValueError, match="--encoding latency needs intensities"):
        load_dataset("randman", encoding="latency", train_per_class=1, test_per_class=1)


def test_a_missing_extra_is_one_line_on_the_command_line(monkeypatch, capsys):
    import builtins

    from pynq_snn.cli import main

    real_import = builtins.__import__

    def no_tonic(name, *args, **kwargs):
        if name == "tonic":
            raise ImportError("No module named 'tonic'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_tonic)
    assert main(["train", "--data", "nmnist", "--out", "x.pt"]) == 2
    assert "nmnist needs tonic: install the events extra" in capsys.readouterr().err
