"""What a data set is: train and test splits, their encoding, and the seed that fixes them.

Inputs ``x`` keep the sample on their first axis (see :mod:`pynq_snn.training.data`
for each data set's shape); labels ``y`` are int64 class indices [N]. This module
imports numpy only.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Optional

import numpy as np

from ...overlay.encoding import Encoding

#: The data seed every command uses unless told otherwise.
DEFAULT_DATA_SEED = 0

#: The encodings ``--encoding`` chooses for intensity inputs [N, C], and their parameters:
#: latency coding spans the T steps (normalized) and leaves inputs below the threshold
#: silent (clipped); ``"delta"`` takes series [N, T, C] of your own (:mod:`.arrays`).
ENCODINGS = {
    "rate": {"kind": "rate"},
    "latency": {"kind": "latency", "linear": True, "normalize": True, "clip": True},
    "latency-log": {"kind": "latency", "normalize": True, "clip": True},
    "delta": {"kind": "delta"},
}


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


def encoded_as(dataset: Dataset, choice: Optional[str]) -> Dataset:
    """``dataset`` with the encoding ``choice`` (a key of :data:`ENCODINGS`; None keeps its own).

    Rate and latency coding take intensities [N, C]: ValueError (one line) for data
    that are spikes already, or for ``"delta"``, which :mod:`.arrays` handles.
    """
    if choice is None or choice == dataset.encoding.kind:
        return dataset
    if choice not in ENCODINGS:
        raise ValueError(f"unknown encoding {choice!r}; choose one of {', '.join(ENCODINGS)}")
    if choice == "delta" or dataset.encoding.kind != "rate":
        needs = "series [N, T, C] of real values in an .npz file" if choice == "delta" else "intensities [N, C]"
        raise ValueError(f"--encoding {choice} needs {needs}; {dataset.name} holds {dataset.encoding.kind} inputs")
    gain = {"gain": dataset.encoding.gain} if choice == "rate" else {}
    return replace(dataset, encoding=Encoding(steps=dataset.encoding.steps, **ENCODINGS[choice], **gain))


def check_data_seed(data_seed) -> int:
    """``data_seed`` as an int; ValueError unless it is an integer >= 0."""
    if isinstance(data_seed, (bool, np.bool_)) or not isinstance(data_seed, (int, np.integer)) or data_seed < 0:
        raise ValueError(f"data_seed must be an integer >= 0, got {data_seed!r}")
    return int(data_seed)
