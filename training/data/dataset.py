"""What a data set is: train and test splits, their encoding, and the seed that fixes them.

Inputs ``x`` keep the sample on their first axis (see :mod:`pynq_snn.training.data`
for each data set's shape); labels ``y`` are int64 class indices [N]. This module
imports numpy only.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ...overlay.encoding import Encoding

#: The data seed every command uses unless told otherwise.
DEFAULT_DATA_SEED = 0


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
