"""Labels a caller passes with a batch: one class index per sample.

>>> check_labels([3, 0, 9], n_samples=3, n_classes=10)
array([3, 0, 9])
>>> check_labels("abc", n_samples=3, n_classes=10)
Traceback (most recent call last):
...
ValueError: labels must be a 1-D array of integer class indices, got str
"""
from __future__ import annotations

from typing import Any, Optional

import numpy as np

from ..overlay.quote import quote


def check_labels(labels: Any, n_samples: int, n_classes: Optional[int] = None, name: str = "labels") -> np.ndarray:
    """``labels`` as an int64 array [n_samples]; ValueError unless it is a 1-D sequence of
    integers, one per sample, each a class index: >= 0, and < ``n_classes`` when that is
    known. ``name`` is what the errors call the labels (a file's key, say), when it is not
    ``labels``."""
    where = "" if name == "labels" else f" in {name}"
    array = np.asarray(labels) if isinstance(labels, (np.ndarray, list, tuple)) else None
    if array is None or array.ndim != 1 or not (np.issubdtype(array.dtype, np.integer) or array.size == 0):
        kind = type(labels).__name__ if array is None else f"{array.dtype} of shape {array.shape}"
        raise ValueError(f"{name} must be a 1-D array of integer class indices, got {kind}")
    if array.size != n_samples:
        raise ValueError(f"{array.size} labels for {n_samples} samples{where}")
    low, high = (int(array.min()), int(array.max())) if array.size else (0, 0)
    if n_classes is not None and (low < 0 or high >= n_classes):
        raise ValueError(f"label {quote(low if low < 0 else high)} is not a class index of this network: "
                         f"its {n_classes} outputs are classes 0 to {n_classes - 1}")
    if low < 0:
        raise ValueError(f"labels must be >= 0, found {low}{where}")
    return array.astype(np.int64)
