"""Data sets and spike encoders: what they produce, what fixes them, what they reject."""
from __future__ import annotations

import json
import math
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from scipy.stats import binom

from pynq_snn.overlay.encoding import Encoding, encode
from pynq_snn.training.data import (
    DATASETS,
    DEFAULT_DATA_SEED,
    Dataset,
    load_dataset,
    load_digits_dataset,
    make_randman,
)
from pynq_snn.training.data.digits import stratified_split

SMALL = settings(max_examples=25, deadline=None)


@pytest.fixture(scope="module")
def randman() -> Dataset:
    return make_randman()


@pytest.fixture(scope="module")
def digits() -> Dataset:
    return load_digits_dataset()


def splits_equal(a: Dataset, b: Dataset) -> bool:
    return all(
        np.array_equal(getattr(a, s).x, getattr(b, s).x) and np.array_equal(getattr(a, s).y, getattr(b, s).y)
        for s in ("train", "test")
    )


# ---- load_dataset ---------------------------------------------------------------------------

def test_one_default_seed_and_the_data_sets_by_name():
    assert DEFAULT_DATA_SEED == 0
    assert DATASETS == ("randman", "digits", "fashion-mnist", "mnist", "nmnist", "shd")


def test_load_dataset_dispatches_by_name_and_passes_options():
    data = load_dataset("randman", data_seed=3, steps=20, train_per_class=2, test_per_class=1)
    assert data.name == "randman" and data.train.x.shape == (20, 20, 128)
    assert splits_equal(data, make_randman(data_seed=3, steps=20, train_per_class=2, test_per_class=1))
    assert load_dataset("digits", steps=7).encoding == Encoding("rate", 7, 1.0)


def test_load_dataset_rejects_an_unknown_name_listing_the_choices():
    with pytest.raises(ValueError, match="unknown data set 'cifar10'.*randman, digits"):
        load_dataset("cifar10")


@pytest.mark.parametrize("seed", [-1, 1.5, True, "0"])
def test_the_data_seed_must_be_a_non_negative_integer(seed):
    with pytest.raises(ValueError, match="data_seed"):
        make_randman(data_seed=seed)
    with pytest.raises(ValueError, match="data_seed"):
        load_digits_dataset(data_seed=seed)


# ---- randman --------------------------------------------------------------------------------

def test_randman_shapes_dtypes_and_encoding(randman):
    assert randman.name == "randman"
    assert (randman.n_inputs, randman.n_classes) == (128, 10)
    assert randman.encoding == Encoding("raster", 100)
    assert randman.train.x.shape == (1000, 100, 128) and randman.test.x.shape == (500, 100, 128)
    for split in (randman.train, randman.test):
        assert split.x.dtype == np.uint8 and split.y.dtype == np.int64


def test_randman_every_channel_fires_exactly_once_per_sample(randman):
    for split in (randman.train, randman.test):
        assert set(np.unique(split.x)) <= {0, 1}
        assert np.all(split.x.sum(axis=1) == 1)


def test_randman_labels_are_balanced_and_shuffled(randman):
    assert np.all(np.bincount(randman.train.y, minlength=10) == 100)
    assert np.all(np.bincount(randman.test.y, minlength=10) == 50)
    assert not np.all(np.diff(randman.train.y) >= 0)


def test_randman_spike_times_use_the_whole_window(randman):
    times = randman.train.x.argmax(axis=1)
    assert times.min() == 0 and times.max() == 99


def test_randman_is_fixed_by_the_data_seed():
    assert splits_equal(make_randman(data_seed=5), make_randman(data_seed=5))
    other = make_randman(data_seed=6)
    assert not np.array_equal(make_randman(data_seed=5).train.x, other.train.x)


def test_randman_sample_counts_change_neither_the_manifolds_nor_the_other_split():
    few, many = make_randman(train_per_class=3), make_randman(train_per_class=7)
    assert np.array_equal(few.test.x, many.test.x) and np.array_equal(few.test.y, many.test.y)


def test_randman_classes_are_told_apart_by_spike_times(randman):
    # 1-nearest neighbour on the spike-time vectors: the class is in the timing.
    train_t = randman.train.x.argmax(axis=1).astype(np.float64)
    test_t = randman.test.x.argmax(axis=1).astype(np.float64)
    distances = (train_t**2).sum(axis=1) - 2 * test_t @ train_t.T  # squared distance minus |test|^2
    accuracy = np.mean(randman.train.y[distances.argmin(axis=1)] == randman.test.y)
    assert accuracy > 0.9


@SMALL
@given(
    n_classes=st.integers(2, 4),
    n_channels=st.integers(1, 6),
    steps=st.integers(1, 30),
    manifold_dim=st.integers(1, 3),
    n_freqs=st.integers(1, 4),
    per_class=st.integers(1, 4),
)
def test_randman_options_shape_the_raster(n_classes, n_channels, steps, manifold_dim, n_freqs, per_class):
    data = make_randman(n_classes=n_classes, n_channels=n_channels, steps=steps, manifold_dim=manifold_dim,
                        n_freqs=n_freqs, train_per_class=per_class, test_per_class=per_class)
    n = n_classes * per_class
    for split in (data.train, data.test):
        assert split.x.shape == (n, steps, n_channels)
        assert np.all(split.x.sum(axis=1) == 1)
        assert np.all(np.bincount(split.y, minlength=n_classes) == per_class)


@pytest.mark.parametrize("name, value", [
    ("n_classes", 1), ("n_channels", 0), ("manifold_dim", 0), ("n_freqs", 0), ("train_per_class", 0),
    ("test_per_class", -1), ("n_channels", 2.5), ("smoothness", -0.1), ("smoothness", float("nan")),
    ("steps", 0), ("steps", 65536),
])
def test_randman_rejects_bad_arguments_by_name(name, value):
    with pytest.raises(ValueError, match=name):
        make_randman(**{name: value})


# ---- digits ---------------------------------------------------------------------------------

def test_digits_shapes_dtypes_and_encoding(digits):
    assert digits.name == "digits"
    assert (digits.n_inputs, digits.n_classes) == (64, 10)
    assert digits.encoding == Encoding("rate", 25, 1.0)
    assert digits.train.x.shape == (1348, 64) and digits.test.x.shape == (449, 64)
    for split in (digits.train, digits.test):
        assert split.x.dtype == np.float32 and split.y.dtype == np.int64
        assert split.x.min() >= 0 and split.x.max() <= 1
        assert np.array_equal(split.x * 16, np.round(split.x * 16))  # pixel counts / 16


def test_digits_splits_partition_the_images(digits):
    # Together the splits hold every image exactly once: no overlap, nothing left out.
    from sklearn.datasets import load_digits

    def sorted_rows(a):
        return a[np.lexsort(a.T[::-1])]

    source = load_digits()
    split_rows = np.column_stack([np.concatenate([digits.train.x, digits.test.x]) * 16,
                                  np.concatenate([digits.train.y, digits.test.y])])
    source_rows = np.column_stack([source.data, source.target])
    assert np.array_equal(sorted_rows(split_rows), sorted_rows(source_rows))


def test_digits_split_is_stratified(digits):
    total = np.bincount(digits.train.y) + np.bincount(digits.test.y)
    quota = 449 * total / total.sum()
    assert np.all(np.abs(np.bincount(digits.test.y) - quota) < 1)


def test_digits_are_fixed_by_the_data_seed(digits):
    assert splits_equal(digits, load_digits_dataset(data_seed=DEFAULT_DATA_SEED))
    other = load_digits_dataset(data_seed=1)
    assert not np.array_equal(digits.test.x, other.test.x)


def test_digits_steps_gain_and_test_fraction_are_options():
    data = load_digits_dataset(steps=10, gain=0.5, test_fraction=0.5)
    assert data.encoding == Encoding("rate", 10, 0.5)
    assert (len(data.train.y), len(data.test.y)) == (899, 898)  # round(898.5) = 898 test images


@pytest.mark.parametrize("fraction", [0, 1, -0.2, float("nan"), 1e-6])
def test_digits_reject_a_test_fraction_that_empties_a_split(fraction):
    with pytest.raises(ValueError, match="test_fraction"):
        load_digits_dataset(test_fraction=fraction)


def test_digits_without_scikit_learn_say_which_extra_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "sklearn", None)
    monkeypatch.setitem(sys.modules, "sklearn.datasets", None)
    with pytest.raises(ImportError, match=r"pynq-snn\[desktop\]"):
        load_digits_dataset()


@SMALL
@given(
    labels=st.lists(st.integers(0, 4), min_size=2, max_size=60),
    fraction=st.floats(0.01, 0.99),
    seed=st.integers(0, 2**32 - 1),
)
def test_stratified_split_partitions_by_class_quota(labels, fraction, seed):
    y = np.array(labels, dtype=np.int64)
    n_test = min(max(int(round(fraction * len(y))), 1), len(y) - 1)
    train, test = stratified_split(y, n_test, np.random.default_rng(seed))
    assert len(test) == n_test
    assert np.array_equal(np.sort(np.concatenate([train, test])), np.arange(len(y)))
    for label in np.unique(y):
        quota = n_test * np.sum(y == label) / len(y)
        assert np.floor(quota) <= np.sum(y[test] == label) <= np.ceil(quota)
    again = stratified_split(y, n_test, np.random.default_rng(seed))
    assert np.array_equal(train, again[0]) and np.array_equal(test, again[1])


def test_data_modules_import_neither_torch_nor_scikit_learn():
    code = (
        "import sys; sys.modules['torch'] = None; sys.modules['sklearn'] = None; "
        "from pynq_snn.training.data import make_randman; from pynq_snn.overlay.encoding import encode; "
        "d = make_randman(train_per_class=1, test_per_class=1); print(d.train.x.shape)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "(10, 100, 128)"


# ---- Encoding -------------------------------------------------------------------------------

encodings = st.builds(
    Encoding,
    kind=st.sampled_from(["rate", "raster"]),
    steps=st.integers(1, 65535),
    gain=st.floats(1e-6, 1e3),
)


@SMALL
@given(encodings)
def test_encoding_round_trips_through_a_json_dict(encoding):
    d = json.loads(json.dumps(encoding.to_dict()))
    assert d == {"kind": encoding.kind, "steps": encoding.steps, "gain": encoding.gain}
    assert Encoding.from_dict(d) == encoding


def test_encoding_gain_defaults_to_one_and_numpy_scalars_become_plain_numbers():
    assert Encoding.from_dict({"kind": "raster", "steps": 8}) == Encoding("raster", 8, 1.0)
    encoding = Encoding("rate", np.int64(5), np.float32(0.5))
    assert type(encoding.steps) is int and type(encoding.gain) is float
    json.dumps(encoding.to_dict())


@pytest.mark.parametrize("kwargs, field", [
    ({"kind": "poisson", "steps": 10}, "kind"),
    ({"kind": "rate", "steps": 0}, "steps"),
    ({"kind": "rate", "steps": 65536}, "steps"),
    ({"kind": "rate", "steps": 2.0}, "steps"),
    ({"kind": "rate", "steps": True}, "steps"),
    ({"kind": "rate", "steps": 10, "gain": 0}, "gain"),
    ({"kind": "rate", "steps": 10, "gain": 1000.5}, "gain"),
    ({"kind": "rate", "steps": 10, "gain": float("nan")}, "gain"),
])
def test_encoding_rejects_bad_fields_by_name(kwargs, field):
    with pytest.raises(ValueError, match=field):
        Encoding(**kwargs)


@pytest.mark.parametrize("d, problem", [
    ({"kind": "rate", "steps": 10, "rate": 3}, "unknown encoding keys"),
    ({"kind": "rate"}, "missing steps"),
    ({"kind": 1, "steps": 10}, "kind must be a string"),
    ({"kind": "rate", "steps": "10"}, "steps must be an integer"),
    ({"kind": "rate", "steps": 10.0}, "steps must be an integer"),
    ({"kind": "rate", "steps": 10, "gain": "1"}, "gain must be a number"),
    ({"kind": "rate", "steps": 10, "gain": None}, "gain must be a number"),
    ({"kind": "rate", "steps": 0}, r"steps must be an integer in \[1, 65535\]"),
    (["rate", 10], "must be a dict"),
])
def test_encoding_from_dict_rejects_what_to_dict_never_writes(d, problem):
    with pytest.raises(ValueError, match=problem):
        Encoding.from_dict(d)


# ---- encode: rate ---------------------------------------------------------------------------

def test_rate_spikes_are_time_major_uint8():
    spikes = encode(Encoding("rate", 7), np.full((3, 5), 0.5), np.random.default_rng(0))
    assert spikes.shape == (7, 3, 5) and spikes.dtype == np.uint8
    assert set(np.unique(spikes)) <= {0, 1}


def test_rate_half_intensity_spikes_half_the_time():
    spikes = encode(Encoding("rate", 400), np.full((50, 10), 0.5, dtype=np.float32), np.random.default_rng(1))
    assert abs(spikes.mean() - 0.5) < 0.01  # 200,000 draws: one standard deviation is 0.0011


@SMALL
@given(x=st.floats(0, 1), gain=st.floats(0.05, 20), seed=st.integers(0, 2**32 - 1))
@example(x=8.4e-95, gain=1.0, seed=1588338426)  # q = 2**-24, and one draw of 20,000 is exactly 0: one spike
def test_rate_spike_probability_is_gain_times_intensity_clipped_to_one(x, gain, seed):
    draws = 20_000
    spikes = encode(Encoding("rate", 100, gain), np.full((20, 10), x), np.random.default_rng(seed))
    # float32 draws lie on the grid k * 2**-24: gain * x rounded up to it (see encode's docstring)
    q = min(math.ceil(gain * x * 2**24) / 2**24, 1.0)
    count = int(spikes.sum())
    # the count is Binomial(draws, q): it lies in neither tail beyond a probability of 1e-9,
    # exact for any q (a normal bound fails at q = 2**-24, where a single spike is 0.1% likely)
    assert binom.cdf(count, draws, q) > 1e-9 and binom.sf(count - 1, draws, q) > 1e-9


def test_rate_zero_never_spikes_and_one_always_spikes():
    x = np.array([[0.0, 1.0, 0.25]], dtype=np.float32)
    spikes = encode(Encoding("rate", 1000), x, np.random.default_rng(2))
    assert spikes[:, 0, 0].sum() == 0 and spikes[:, 0, 1].all()
    saturated = encode(Encoding("rate", 1000, gain=4.0), x, np.random.default_rng(2))
    assert saturated[:, 0, 2].all()  # gain * x = 1


def test_rate_spikes_are_fixed_by_the_generator_seed(digits):
    encoding = digits.encoding
    first = encode(encoding, digits.test.x, np.random.default_rng(9))
    assert np.array_equal(first, encode(encoding, digits.test.x, np.random.default_rng(9)))
    assert not np.array_equal(first, encode(encoding, digits.test.x, np.random.default_rng(10)))


@pytest.mark.parametrize("x, problem", [
    (np.zeros((2, 3, 4)), r"\[N, C\]"),
    (np.zeros(4), r"\[N, C\]"),
    (np.full((2, 3), 1.5), r"\[0, 1\]"),
    (np.full((2, 3), -0.1), r"\[0, 1\]"),
    (np.array([[0.5, np.nan]]), "NaN"),
    (np.array([[0.5, np.inf]]), "NaN or infinite"),
    (np.array([["a", "b"]]), "numeric"),
    (np.array([[0.5 + 0j]]), "numeric"),
])
def test_rate_rejects_bad_input_naming_the_problem(x, problem):
    with pytest.raises(ValueError, match=problem):
        encode(Encoding("rate", 5), x, np.random.default_rng(0))


def test_encode_needs_an_encoding_and_a_generator():
    with pytest.raises(TypeError, match="Encoding"):
        encode({"kind": "rate", "steps": 5}, np.zeros((1, 1)), np.random.default_rng(0))
    with pytest.raises(TypeError, match="Generator"):
        encode(Encoding("rate", 5), np.zeros((1, 1)), 0)


# ---- encode: raster -------------------------------------------------------------------------

@SMALL
@given(n=st.integers(0, 4), steps=st.integers(1, 9), channels=st.integers(1, 5), seed=st.integers(0, 1000))
def test_a_raster_is_passed_through_time_major(n, steps, channels, seed):
    raster = (np.random.default_rng(seed).random((n, steps, channels)) < 0.3).astype(np.uint8)
    spikes = encode(Encoding("raster", steps), raster, np.random.default_rng(0))
    assert spikes.shape == (steps, n, channels) and spikes.dtype == np.uint8
    assert np.array_equal(spikes, raster.transpose(1, 0, 2))
    assert np.array_equal(encode(Encoding("raster", steps), raster.astype(bool), None), spikes)


def test_the_randman_test_split_encodes_to_time_major_spikes(randman):
    spikes = encode(randman.encoding, randman.test.x, np.random.default_rng(0))
    assert spikes.shape == (100, 500, 128)
    assert np.all(spikes.sum(axis=0) == 1)


@pytest.mark.parametrize("x, problem", [
    (np.zeros((2, 8)), r"\[N, T, C\] = \[samples, 8, channels\]"),
    (np.zeros((2, 8, 3, 1)), r"\[N, T, C\]"),
    (np.zeros((2, 7, 3)), "T = 7 steps, the encoding has 8"),
    (np.full((2, 8, 3), 2), "0 or 1"),
    (np.full((2, 8, 3), 0.5), "0 or 1"),
    (np.full((2, 8, 3), np.nan), "0 or 1"),
])
def test_raster_rejects_bad_input_naming_the_problem(x, problem):
    with pytest.raises(ValueError, match=problem):
        encode(Encoding("raster", 8), x, np.random.default_rng(0))
