"""Data sets: generated or loaded, split into train and test, with their encoding.

Two data sets exist, both fixed by one ``data_seed`` (the data and the split):

``"randman"`` (:func:`make_randman`)
    Random-manifold spike-timing task; ``x`` is a uint8 spike raster [N, T, C]
    (batch-major), one spike per channel per sample, encoding ``"raster"``.
``"digits"`` (:func:`load_digits_dataset`)
    scikit-learn's 8x8 handwritten digits; ``x`` is float32 pixel intensities
    [N, 64] in [0, 1], encoding ``"rate"``. Needs scikit-learn.

Labels ``y`` are int64 class indices [N]. :func:`~pynq_snn.overlay.encoding.encode`
turns ``x`` into time-major spikes [T, N, C] with the data set's ``encoding``.
This package imports numpy only (scikit-learn when the digits are loaded).
"""
from __future__ import annotations

import numpy as np

from ...overlay.encoding import Encoding, encode
from .dataset import DEFAULT_DATA_SEED, Dataset, Split, check_data_seed
from .digits import load_digits_dataset
from .randman import make_randman

#: Names accepted by :func:`load_dataset`.
DATASETS = ("randman", "digits")


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
