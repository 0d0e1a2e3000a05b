"""Encoded inputs in an .npz file: written bit-packed and read back unchanged, either form of
the spikes read alike, and every bad file refused with one line naming the key.

Runs in the board environment (numpy < 2, no torch): ``make test`` lists it in BOARD_TESTS.
"""
import numpy as np
import pytest

from pynq_snn.host.inputs import load_inputs, save_inputs
from pynq_snn.host.shipped import shipped_file


@pytest.mark.parametrize("seed", range(8))
def test_written_inputs_read_back_unchanged(tmp_path, seed):
    rng = np.random.default_rng(seed)
    steps, samples, channels = (int(n) for n in rng.integers(1, 20, size=3))
    spikes = (rng.random((steps, samples, channels)) < rng.random()).astype(np.uint8)
    labels = rng.integers(0, 10, size=samples)
    save_inputs(tmp_path / "in.npz", spikes, labels, data="digits", seed=int(rng.integers(2 ** 62)))
    back = load_inputs(tmp_path / "in.npz")
    assert back.spikes.dtype == np.uint8 and np.array_equal(back.spikes, spikes)
    assert np.array_equal(back.labels, labels) and back.meta["data"] == "digits"
    np.savez(tmp_path / "plain.npz", spikes=spikes.astype(bool))  # the plain form, as a user writes it
    plain = load_inputs(tmp_path / "plain.npz")
    assert np.array_equal(plain.spikes, spikes) and plain.labels is None and plain.meta == {}


def test_the_shipped_test_set_reads_as_inputs():
    inputs = load_inputs(shipped_file("digits_test.npz"))
    assert inputs.spikes.shape == (25, 449, 64) and inputs.labels.shape == (449,)
    assert inputs.meta == {"seed": 0, "data_seed": 0}


SPIKES = np.zeros((3, 4, 5), dtype=np.uint8)
BAD = [
    ({"spikes": SPIKES + 2}, "spikes must be 0 or 1, found 2"),
    ({"spikes": SPIKES.astype(np.int32)}, "spikes must be uint8 (or bool), got int32"),
    ({"spikes": SPIKES[0]}, "spikes must be [T, N, C] (timesteps, samples, channels), got shape (4, 5)"),
    ({"spikes": SPIKES[:, :0]}, "holds 0 samples"),
    ({"spikes": SPIKES, "labels": np.arange(3)}, "3 labels for 4 samples"),
    ({"spikes": SPIKES, "labels": -np.arange(4)}, "labels must be >= 0, found -3"),
    ({"spikes": SPIKES, "seed": np.float64(1.5)}, "seed must be one integer >= 0, got 1.5"),
    ({"x_train": SPIKES}, "unknown key(s) x_train; an inputs file holds spikes"),
    ({"labels": np.arange(4)}, "no spikes: an inputs file holds spikes [T, N, C], or spikes_packed with shape"),
    ({"spikes": SPIKES, "shape": np.array([3, 4, 5])}, "holds both spikes and shape: keep one form of the spikes"),
    ({"spikes_packed": np.zeros((3, 4, 2), np.uint8), "shape": np.array([3, 4, 5])},
     "spikes_packed must be uint8 [3, 4, 1] = np.packbits(spikes, axis=2) for shape [3, 4, 5], got uint8 [3, 4, 2]"),
]


@pytest.mark.parametrize("arrays, message", BAD, ids=[m.split(":")[0][:30] for _, m in BAD])
def test_a_bad_inputs_file_gets_one_line(tmp_path, arrays, message):
    np.savez(tmp_path / "bad.npz", **arrays)
    with pytest.raises(ValueError) as refused:
        load_inputs(tmp_path / "bad.npz")
    assert message in str(refused.value) and "\n" not in str(refused.value)
    assert str(refused.value).startswith(str(tmp_path / "bad.npz"))


def test_a_file_that_is_no_npz_archive_gets_one_line(tmp_path):
    (tmp_path / "text.npz").write_text("spikes")
    with pytest.raises(ValueError, match=r"is not a readable \.npz file \(np\.savez writes one\)$"):
        load_inputs(tmp_path / "text.npz")
    with pytest.raises(FileNotFoundError, match="no inputs file at"):
        load_inputs(tmp_path / "missing.npz")


def test_an_unknown_name_lists_the_shipped_files(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"^nope\.snn not found here nor among the files shipped with "
                                                r"pynq-snn: digits\.snn, digits_test\.npz, fashion_mnist\.snn, "
                                                r"fashion_mnist_test\.npz$"):
        shipped_file("nope.snn")
    assert shipped_file(tmp_path / "digits.snn") == tmp_path / "digits.snn"  # a path is the caller's to refuse
