"""Encoded inputs in an ``.npz`` file: what ``pynq-snn run --inputs`` reads and ``pynq-snn encode`` writes.

The file (``np.savez``) holds the spikes, time-major, in one of two forms::

    spikes          uint8 (or bool) [T, N, C], each 0 or 1: T timesteps, N samples, C input channels
  or, bit-packed along the channels (what ``pynq-snn encode`` writes, 8x smaller):
    spikes_packed   uint8 [T, N, ceil(C / 8)] = np.packbits(spikes, axis=2)
    shape           integers (T, N, C); np.unpackbits(spikes_packed, axis=2, count=C) gives the spikes

and optionally::

    labels          integer class labels [N], each >= 0: the run reports the accuracy
    data            the data set's name or file, as text
    seed, data_seed the encoding draws' seed and the data set's seed, integers >= 0

Any other key, a missing or doubled form of the spikes, or an array of the wrong shape,
type or values gets one line naming the key and what was expected. Imports numpy only.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, Optional, Union

import numpy as np

from .labels import check_labels
from .npz import read_npz

#: The keys of an inputs file, by role.
SPIKE_KEYS = ("spikes",)
PACKED_KEYS = ("spikes_packed", "shape")
OPTIONAL_KEYS = ("labels", "data", "seed", "data_seed")
KEYS = SPIKE_KEYS + PACKED_KEYS + OPTIONAL_KEYS
#: The keys of a data set's ``.npz`` file: named when one is passed as inputs.
DATA_SET_KEYS = ("x_train", "y_train", "x_test", "y_test")


@dataclass(frozen=True)
class Inputs:
    """Spikes uint8 [T, N, C] in {0, 1}, labels int64 [N] or None, and where they came from
    (``data``, ``seed``, ``data_seed`` as the file records them)."""

    spikes: np.ndarray
    labels: Optional[np.ndarray] = None
    meta: Dict[str, Union[str, int]] = field(default_factory=dict)


def load_inputs(path) -> Inputs:
    """The inputs in the ``.npz`` file ``path`` (keys in the module docstring).

    Raises FileNotFoundError for a missing file and ValueError, one line naming the file
    and the key, for anything else that is not such a file.
    """
    arrays = read_npz(path, "inputs file")
    try:
        return _inputs(arrays)
    except ValueError as exc:
        raise ValueError(f"{path}: {exc}") from None


def _inputs(arrays: Dict[str, np.ndarray]) -> Inputs:
    unknown = sorted(set(arrays) - set(KEYS))
    if unknown:
        hint = "; it is a data set: pass it with --data" if set(DATA_SET_KEYS) & set(arrays) else ""
        raise ValueError(f"unknown key(s) {', '.join(unknown)}; an inputs file holds spikes "
                         f"(or {' and '.join(PACKED_KEYS)}) and optionally {', '.join(OPTIONAL_KEYS)}{hint}")
    packed = [key for key in PACKED_KEYS if key in arrays]
    if "spikes" in arrays and packed:
        raise ValueError(f"holds both spikes and {', '.join(packed)}: keep one form of the spikes")
    if "spikes" in arrays:
        spikes = _spikes(arrays["spikes"])
    elif len(packed) == len(PACKED_KEYS):
        spikes = _unpacked(arrays["spikes_packed"], arrays["shape"])
    else:
        missing = [key for key in PACKED_KEYS if key not in arrays]
        raise ValueError(f"no spikes: an inputs file holds spikes [T, N, C], or spikes_packed with shape "
                         f"(missing {', '.join(missing)})")
    if spikes.shape[1] == 0:
        raise ValueError("holds 0 samples: the spikes must be [T, N, C] with N >= 1")
    labels = check_labels(arrays["labels"], spikes.shape[1]) if "labels" in arrays else None
    meta = {key: _meta(key, arrays[key]) for key in OPTIONAL_KEYS[1:] if key in arrays}
    return Inputs(spikes, labels, meta)


def _spikes(spikes: np.ndarray) -> np.ndarray:
    """``spikes`` as uint8 [T, N, C]; ValueError unless it is a uint8 or bool array of 0 and 1."""
    if spikes.ndim != 3:
        raise ValueError(f"spikes must be [T, N, C] (timesteps, samples, channels), got shape {spikes.shape}")
    if spikes.dtype not in (np.uint8, np.bool_):
        raise ValueError(f"spikes must be uint8 (or bool), got {spikes.dtype}")
    if spikes.size and spikes.max() > 1:
        raise ValueError(f"spikes must be 0 or 1, found {int(spikes.max())}")
    return spikes.astype(np.uint8, copy=False)


def _unpacked(packed: np.ndarray, shape: np.ndarray) -> np.ndarray:
    """The spikes uint8 [T, N, C] that ``packed`` holds, bit-packed along C, for ``shape`` (T, N, C)."""
    if shape.shape != (3,) or not np.issubdtype(shape.dtype, np.integer) or shape.min() < 0:
        raise ValueError(f"shape must be three integers (T, N, C) >= 0, got {shape.tolist()} of {shape.dtype}")
    steps, samples, channels = (int(n) for n in shape)
    expected = (steps, samples, -(-channels // 8))
    if packed.dtype != np.uint8 or packed.shape != expected:
        raise ValueError(f"spikes_packed must be uint8 {list(expected)} = np.packbits(spikes, axis=2) for shape "
                         f"{[steps, samples, channels]}, got {packed.dtype} {list(packed.shape)}")
    return np.unpackbits(packed, axis=2, count=channels)


def _meta(key: str, value: np.ndarray) -> Union[str, int]:
    """A recorded name (text) or seed (an integer >= 0), as a plain value."""
    if key == "data":
        if value.ndim != 0 or value.dtype.kind != "U":
            raise ValueError(f"data must be the data set's name as text, got {value.dtype} of shape {value.shape}")
        return str(value)
    if value.ndim != 0 or not np.issubdtype(value.dtype, np.integer) or value < 0:
        raise ValueError(f"{key} must be one integer >= 0, got {value.tolist()!r}")
    return int(value)


def save_inputs(path, spikes: np.ndarray, labels: Optional[np.ndarray] = None, **meta: Union[str, int]) -> None:
    """Write ``spikes`` uint8 [T, N, C] bit-packed, with ``labels`` [N] and ``meta`` (``data``,
    ``seed``, ``data_seed``), compressed; :func:`load_inputs` gives them back. ValueError, one
    line, for anything it would refuse to read."""
    unknown = sorted(set(meta) - set(OPTIONAL_KEYS[1:]))
    if unknown:
        raise ValueError(f"unknown key(s) {', '.join(unknown)}: an inputs file records {', '.join(OPTIONAL_KEYS[1:])}")
    spikes = _spikes(np.asarray(spikes))
    arrays = {key: np.asarray(_meta(key, np.asarray(value))) for key, value in meta.items()}
    if labels is not None:
        arrays["labels"] = check_labels(np.asarray(labels), spikes.shape[1])
    with Path(path).open("wb") as file:  # a file object: np.savez would add .npz to a name without it
        np.savez_compressed(file, spikes_packed=np.packbits(spikes, axis=2),
                            shape=np.asarray(spikes.shape, dtype=np.int64), **arrays)
