"""Data sets: generated or loaded, split into train and test, with their encoding.

Generated and shipped data sets, fixed by one ``data_seed`` (the data and the split):

``"randman"`` (:func:`make_randman`)
    Random-manifold spike-timing task; ``x`` is a uint8 spike raster [N, T, C]
    (batch-major), one spike per channel per sample, encoding ``"raster"``.
``"digits"`` (:func:`load_digits_dataset`)
    scikit-learn's 8x8 handwritten digits; ``x`` is float32 pixel intensities
    [N, 64] in [0, 1], encoding ``"rate"``. Needs scikit-learn.

Real data sets, read from files (``data_dir``, then a system package's folder, then
a download when online; :mod:`.files`), with their own splits:

``"fashion-mnist"``, ``"mnist"`` (:func:`load_idx_dataset`)
    28x28 images as float32 intensities [N, 784], encoding ``"rate"``.
``"nmnist"``, ``"shd"`` (:func:`load_event_dataset`, needs tonic)
    Event recordings binned into uint8 rasters [N, T, C], encoding ``"raster"``;
    N-MNIST downsampled to 2x17x17 = 578 channels to fit the IP's fan-in.
a path ending in ``.npz`` (:func:`load_npz_dataset`)
    Your own arrays; :func:`dataset_from_arrays` builds the same from memory.

Labels ``y`` are int64 class indices [N]. :func:`~pynq_snn.overlay.encoding.encode`
turns ``x`` into time-major spikes [T, N, C] with the data set's ``encoding``.
This package imports numpy only (scikit-learn, idx2numpy or tonic when a data set
needs them).
"""
from __future__ import annotations

import numpy as np

from ...overlay.encoding import Encoding, encode_batches
from .arrays import dataset_from_arrays, load_npz_dataset
from .dataset import DEFAULT_DATA_SEED, ENCODINGS, Dataset, Split, check_data_seed, encoded_as
from .digits import load_digits_dataset
from .events import load_event_dataset
from .files import DataNotFound
from .idx import load_idx_dataset
from .randman import make_randman

#: Samples per batch when the test split is encoded.
TEST_BATCH = 1024
#: Names accepted by :func:`load_dataset`, besides a path ending in ``.npz``.
DATASETS = ("randman", "digits", "fashion-mnist", "mnist", "nmnist", "shd")


def is_data_file(name: str) -> bool:
    """Whether ``name`` names your own ``.npz`` file rather than a data set."""
    return str(name).endswith(".npz")


def load_dataset(name: str, data_seed: int = DEFAULT_DATA_SEED, data_dir: Optional[str] = None,
                 encoding: Optional[str] = None, **options) -> Dataset:
    """The data set ``name`` (one of :data:`DATASETS`, or a path ending in ``.npz``) for ``data_seed``.

    ``data_dir`` is where the real data sets' files are looked for first;
    ``encoding`` (a key of :data:`ENCODINGS`) replaces the data set's own.
    ``options`` go to the data set's loader (for example ``steps``). Raises
    ValueError for an unknown name or an encoding the inputs cannot take.
    """
    if is_data_file(name):
        check_data_seed(data_seed)
        return load_npz_dataset(name, encoding=encoding, **options)
    return encoded_as(_load_named(name, data_seed, data_dir, **options), encoding)


def _load_named(name: str, data_seed: int, data_dir: Optional[str], **options) -> Dataset:
    if name not in DATASETS:
        raise ValueError(f"unknown data set {name!r}; choose one of {', '.join(DATASETS)} or a path to an .npz file")
    if name == "randman":
        return make_randman(data_seed=data_seed, **options)
    if name == "digits":
        return load_digits_dataset(data_seed=data_seed, **options)
    loader = load_idx_dataset if name in ("fashion-mnist", "mnist") else load_event_dataset
    return loader(name, data_seed=data_seed, data_dir=data_dir, **options)


__all__ = [
    "DATASETS",
    "DEFAULT_DATA_SEED",
    "DataNotFound",
    "ENCODINGS",
    "Dataset",
    "Split",
    "check_data_seed",
    "dataset_from_arrays",
    "is_data_file",
    "load_dataset",
    "load_digits_dataset",
    "load_event_dataset",
    "load_idx_dataset",
    "load_npz_dataset",
    "make_randman",
]


def encode_test_split(dataset: Dataset, encoding: Encoding, seed: int) -> np.ndarray:
    """The test split as spikes uint8 [T, N, C], with the encoding draws fixed by ``seed``.

    ``pynq-snn train``, ``run`` and ``verify`` all evaluate on exactly these inputs. They
    are encoded in batches (:func:`~pynq_snn.overlay.encoding.encode_batches`, the same
    spikes): memory holds the spikes, not the float32 draws of the whole split.
    """
    spikes = None
    batches = encode_batches(encoding, dataset.test.x, np.random.default_rng(seed), TEST_BATCH)
    for first, batch in zip(range(0, max(len(dataset.test.y), 1), TEST_BATCH), batches):
        if spikes is None:
            spikes = np.empty((batch.shape[0], len(dataset.test.y), batch.shape[2]), dtype=np.uint8)
        spikes[:, first: first + batch.shape[1]] = batch
    return spikes
