"""scikit-learn's 8x8 handwritten digits, rate coded.

1,797 grayscale images of the digits 0-9 (the test set of the UCI "Optical
Recognition of Handwritten Digits" data), shipped inside scikit-learn: nothing is
downloaded. Pixels hold counts 0..16; the inputs are the intensities::

    x[n, c] = pixel[n, c] / 16      in [0, 1],  float32 [N, 64]

(row-major pixel order), encoded by Bernoulli rate coding: pixel ``c`` spikes at
each step with probability ``min(gain * x[n, c], 1)``.

The split is stratified and fixed by ``data_seed``, made here with numpy alone
(not scikit-learn's splitter): of N images, ``n_test = round(test_fraction * N)``
(ties to even) go to the test split, shared out over the classes by largest
remainder so that class ``k`` with ``N_k`` images gives ``floor(n_test * N_k / N)``
or one more; which images of a class are test images, and the order of each
split, are drawn from ``np.random.default_rng(data_seed)``.
"""
from __future__ import annotations

import math
from numbers import Real

import numpy as np

from ...overlay.encoding import Encoding
from .dataset import DEFAULT_DATA_SEED, Dataset, Split, check_data_seed

#: Pixel counts run from 0 to this value.
PIXEL_MAX = 16

#: Timesteps of rate coding unless told otherwise.
STEPS = 25


def load_digits_dataset(
    data_seed: int = DEFAULT_DATA_SEED,
    steps: int = STEPS,
    gain: float = 1.0,
    test_fraction: float = 0.25,
) -> Dataset:
    """The digits: float32 intensities [N, 64] in [0, 1], encoding ``Encoding("rate", steps, gain)``.

    With the defaults the split holds 1,348 training and 449 test images. Raises
    ValueError for a negative seed, an invalid ``steps`` or ``gain`` (see
    :class:`~pynq_snn.overlay.encoding.Encoding`), or a ``test_fraction`` that
    leaves either split empty; ImportError without scikit-learn.
    """
    data_seed = check_data_seed(data_seed)
    encoding = Encoding("rate", steps, gain)
    if isinstance(test_fraction, (bool, np.bool_)) or not isinstance(test_fraction, Real) \
            or not (math.isfinite(test_fraction) and 0 < test_fraction < 1):
        raise ValueError(f"test_fraction must be a number in (0, 1), got {test_fraction!r}")
    try:
        from sklearn.datasets import load_digits
    except ImportError as exc:
        raise ImportError(
            "the digits data set needs scikit-learn: install the desktop extra, pip install 'pynq-snn[desktop]'"
        ) from exc
    digits = load_digits()
    x = (np.asarray(digits.data, dtype=np.float64) / PIXEL_MAX).astype(np.float32)
    y = np.asarray(digits.target, dtype=np.int64)
    n_test = int(round(test_fraction * len(y)))
    if not 0 < n_test < len(y):
        raise ValueError(f"test_fraction {test_fraction} leaves an empty split of {len(y)} images")
    train_index, test_index = stratified_split(y, n_test, np.random.default_rng(data_seed))
    return Dataset(
        name="digits",
        train=Split(x=x[train_index], y=y[train_index]),
        test=Split(x=x[test_index], y=y[test_index]),
        encoding=encoding,
        n_inputs=x.shape[1],
        n_classes=int(y.max()) + 1,
    )


def stratified_split(y: np.ndarray, n_test: int, rng: np.random.Generator):
    """Indices (train, test) into ``y`` with ``n_test`` test samples, each split shuffled.

    Class ``k`` (``N_k`` of ``N`` samples) gives ``floor(n_test * N_k / N)`` test
    samples, and the classes with the largest remainders of ``n_test * N_k / N``
    (ties: lowest label) one more each, until ``n_test`` are taken. The draws use
    ``rng`` alone.
    """
    classes, counts = np.unique(y, return_counts=True)
    share, remainder = np.divmod(n_test * counts, len(y))
    extra = np.argsort(-remainder, kind="stable")[: n_test - int(share.sum())]
    share[extra] += 1
    train, test = [], []
    for label, n in zip(classes, share):
        members = rng.permutation(np.flatnonzero(y == label))
        test.append(members[:n])
        train.append(members[n:])
    return rng.permutation(np.concatenate(train)), rng.permutation(np.concatenate(test))
