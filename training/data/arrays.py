"""Your own data: a data set from arrays, or from an ``.npz`` file of them.

An ``.npz`` file (``np.savez``) holds four arrays, the splits' inputs and labels::

    x_train, x_test   intensities float [N, C] in [0, 1]   (encoded with the chosen encoding, rate by default)
                      or spikes [N, T, C] in {0, 1}         (used as they are: encoding "raster", T steps)
                      or, with encoding "delta", a series [N, T, C] of finite real values
    y_train, y_test   integer class labels [N] in 0 .. K-1

and optionally ``n_classes`` (a scalar K; by default the largest label + 1). Both
splits have the same C (and T). Anything else gets one line naming the key, the
shape or the value, and what was expected. This module imports numpy only.
"""
from __future__ import annotations

from typing import Optional

import numpy as np

from ...host.labels import check_labels
from ...host.npz import read_npz
from ...overlay.encoding import Encoding
from .dataset import Dataset, Split, encoded_as

#: The keys an ``.npz`` file must hold.
KEYS = ("x_train", "y_train", "x_test", "y_test")
#: Timesteps of rate coding for intensity inputs unless told otherwise.
STEPS = 25


def load_npz_dataset(path: str, steps: Optional[int] = None, gain: float = 1.0,
                     encoding: Optional[str] = None) -> Dataset:
    """The data set in the ``.npz`` file ``path`` (keys in the module docstring).

    Raises FileNotFoundError for a missing file, ValueError (one line) for a file
    numpy cannot read, a missing key or a bad array.
    """
    arrays = read_npz(path, "data file", KEYS + ("n_classes",))
    missing = [key for key in KEYS if key not in arrays]
    if missing:
        raise ValueError(f"{path}: missing keys {', '.join(missing)}; an .npz data set holds {', '.join(KEYS)}")
    try:
        return dataset_from_arrays(arrays["x_train"], arrays["y_train"], arrays["x_test"], arrays["y_test"],
                                   n_classes=arrays.get("n_classes"), steps=steps, gain=gain, name=str(path),
                                   encoding=encoding)
    except ValueError as exc:
        raise ValueError(f"{path}: {exc}") from None


def dataset_from_arrays(x_train, y_train, x_test, y_test, n_classes=None, steps: Optional[int] = None,
                        gain: float = 1.0, name: str = "arrays", encoding: Optional[str] = None) -> Dataset:
    """A :class:`Dataset` from arrays laid out as in the module docstring.

    2-D inputs are intensities, coded over ``steps`` (default 25) with ``encoding``
    (a key of :data:`~.dataset.ENCODINGS`; rate with ``gain`` by default); 3-D inputs
    are spike rasters, or series for ``encoding="delta"``, and ``steps``, when given,
    must equal their T.
    """
    delta = encoding == "delta"
    x_train, x_test = np.asarray(x_train), np.asarray(x_test)
    if x_train.ndim not in (2, 3) or x_train.ndim != x_test.ndim or x_train.shape[1:] != x_test.shape[1:]:
        raise ValueError(f"x_train and x_test must both be [N, C] intensities or [N, T, C] spikes with the same "
                         f"C (and T), got shapes {x_train.shape} and {x_test.shape}")
    for key, x in (("x_train", x_train), ("x_test", x_test)):
        if not np.issubdtype(x.dtype, np.number) and x.dtype != np.bool_:
            raise ValueError(f"{key} must be numeric, got dtype {x.dtype}")
        if x.ndim == 3 and delta and x.size and not np.all(np.isfinite(x)):
            raise ValueError(f"{key} holds a series for delta coding and must be finite")
        if x.ndim == 3 and not delta and np.any((x != 0) & (x != 1)):
            raise ValueError(f"{key} holds spikes [N, T, C] and must be 0 or 1, found {x[(x != 0) & (x != 1)].flat[0]}")
        if x.ndim == 2 and x.size and not (np.all(np.isfinite(x)) and x.min() >= 0 and x.max() <= 1):
            raise ValueError(f"{key} holds intensities [N, C] and must lie in [0, 1], "
                             f"found values in [{x.min()}, {x.max()}]")
    labels = []
    for key, y, x in (("y_train", y_train, x_train), ("y_test", y_test, x_test)):
        labels.append(check_labels(y, len(x), name=key))
        if len(x) == 0:
            raise ValueError(f"{key} is empty: each split needs at least one sample")
    largest = max(int(y.max()) for y in labels)
    if n_classes is None:
        n_classes = largest + 1
    elif np.ndim(n_classes) != 0 or not np.issubdtype(np.asarray(n_classes).dtype, np.integer) or n_classes < 2:
        raise ValueError(f"n_classes must be an integer >= 2, got {n_classes!r}")
    if largest >= n_classes:
        raise ValueError(f"labels must lie in 0 .. {int(n_classes) - 1} (n_classes = {int(n_classes)}), found {largest}")
    if x_train.ndim == 3:
        if steps is not None and steps != x_train.shape[1]:
            raise ValueError(f"the spikes have T = {x_train.shape[1]} steps, {steps} were asked for")
        kind, dtype = ("delta", np.float32) if delta else ("raster", np.uint8)
        return Dataset(name=name, train=Split(x_train.astype(dtype), labels[0]),
                       test=Split(x_test.astype(dtype), labels[1]), encoding=Encoding(kind, x_train.shape[1]),
                       n_inputs=int(x_train.shape[-1]), n_classes=int(n_classes))
    dataset = Dataset(name=name, train=Split(x_train.astype(np.float32), labels[0]),
                      test=Split(x_test.astype(np.float32), labels[1]),
                      encoding=Encoding("rate", STEPS if steps is None else steps, gain),
                      n_inputs=int(x_train.shape[-1]), n_classes=int(n_classes))
    return encoded_as(dataset, encoding)

