"""Labels a caller passes with a batch: one class index per sample.

>>> check_labels([3, 0, 9], n_samples=3, n_classes=10)
array([3, 0, 9])
>>> check_labels("abc", n_samples=3, n_classes=10)
Traceback (most recent call last):
...
ValueError: labels must be a 1-D array of integer class indices, got str
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ..overlay.quote import quote


def check_labels(labels: Any, n_samples: int, n_classes: int) -> np.ndarray:
    """``labels`` as an int64 array [n_samples]; ValueError unless it is a 1-D sequence of
    integers, one per sample, each a class index in [0, n_classes)."""
    array = np.asarray(labels) if isinstance(labels, (np.ndarray, list, tuple)) else None
    if array is None or array.ndim != 1 or not (np.issubdtype(array.dtype, np.integer) or array.size == 0):
        kind = type(labels).__name__ if array is None else f"{array.dtype} of shape {array.shape}"
        raise ValueError(f"labels must be a 1-D array of integer class indices, got {kind}")
    if array.size != n_samples:
        raise ValueError(f"{array.size} labels for {n_samples} samples")
    if array.size and (int(array.min()) < 0 or int(array.max()) >= n_classes):
        bad = array[(array < 0) | (array >= n_classes)][0]
        raise ValueError(f"label {quote(int(bad))} is not a class index of this network: "
                         f"its {n_classes} outputs are classes 0 to {n_classes - 1}")
    return array.astype(np.int64)
