"""Data sets: generated or loaded, split into train and test, with their encoding.

Two data sets exist, both fixed by one ``data_seed`` (the data and the split):

``"randman"`` (:func:`make_randman`)
    Random-manifold spike-timing task; ``x`` is a uint8 spike raster [N, T, C]
    (batch-major), one spike per channel per sample, encoding ``"raster"``.
``"digits"`` (:func:`load_digits_dataset`)
    scikit-learn's 8x8 handwritten digits; ``x`` is float32 pixel intensities
    [N, 64] in [0, 1], encoding ``"rate"``. Needs scikit-learn.

Labels ``y`` are int64 class indices [N]. :func:`~pynq_snn.training.encoding.encode`
turns ``x`` into time-major spikes [T, N, C] with the data set's ``encoding``.
This package imports numpy only (scikit-learn when the digits are loaded).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..encoding import Encoding, encode

#: The data seed every command uses unless told otherwise.
DEFAULT_DATA_SEED = 0

#: Names accepted by :func:`load_dataset`.
DATASETS = ("randman", "digits")


@dataclass(frozen=True, eq=False)
class Split:
    """One split: inputs ``x`` (first axis: sample) and int64 labels ``y`` [N]."""

    x: np.ndarray
    y: np.ndarray

    def __post_init__(self):
        if len(self.x) != len(self.y):
            raise ValueError(f"a split needs one label per sample: {len(self.x)} samples, {len(self.y)} labels")


@dataclass(frozen=True, eq=False)
class Dataset:
    """A data set: train and test splits, the encoding of ``x``, and its sizes.

    ``n_inputs`` is the number of input channels C, ``n_classes`` the number of
    labels K (labels are 0 .. K-1).
    """

    name: str
    train: Split
    test: Split
    encoding: Encoding
    n_inputs: int
    n_classes: int


def check_data_seed(data_seed) -> int:
    """``data_seed`` as an int; ValueError unless it is an integer >= 0."""
    if isinstance(data_seed, (bool, np.bool_)) or not isinstance(data_seed, (int, np.integer)) or data_seed < 0:
        raise ValueError(f"data_seed must be an integer >= 0, got {data_seed!r}")
    return int(data_seed)


# The generators import the names above from this package, so they come after them.
from .digits import load_digits_dataset  # noqa: E402
from .randman import make_randman  # noqa: E402


def load_dataset(name: str, data_seed: int = DEFAULT_DATA_SEED, **options) -> Dataset:
    """The data set ``name`` ("randman" or "digits") for ``data_seed``.

    ``options`` go to :func:`make_randman` or :func:`load_digits_dataset` (for
    example ``steps``). Raises ValueError for an unknown name.
    """
    if name not in DATASETS:
        raise ValueError(f"unknown data set {name!r}; choose one of {', '.join(DATASETS)}")
    loader = make_randman if name == "randman" else load_digits_dataset
    return loader(data_seed=data_seed, **options)


__all__ = [
    "DATASETS",
    "DEFAULT_DATA_SEED",
    "Dataset",
    "Encoding",
    "Split",
    "check_data_seed",
    "load_dataset",
    "load_digits_dataset",
    "make_randman",
]


def encode_test_split(dataset: Dataset, encoding: Encoding, seed: int) -> np.ndarray:
    """The test split as spikes uint8 [T, N, C], with the encoding draws fixed by ``seed``.

    ``pynq-snn train``, ``run`` and ``verify`` all evaluate on exactly these inputs.
    """
    return encode(encoding, dataset.test.x, np.random.default_rng(seed))
