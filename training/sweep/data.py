"""The data a sweep's trials see: the training split, divided into a fit part and a validation part.

The test split is never touched: it stays for ``pynq-snn run`` on the network a user
picks from the front. Of the ``N`` training samples, ``round(fraction * N)`` form the
validation part, stratified by class with the data set's own splitter
(:func:`~pynq_snn.training.data.digits.stratified_split`) drawn from the data seed, so
that every trial and every worker sees the same parts. ``train_samples`` keeps the
first that many samples of the (shuffled) fit part, for quick sweeps.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from numbers import Real
from typing import Optional

import numpy as np

from ...overlay.encoding import Encoding
from ..data import Split, load_dataset
from ..data.digits import stratified_split
from ..options import check_int_at_least


@dataclass(frozen=True, eq=False)
class SweepData:
    """Fit and validation parts of a training split, their encoding and the data set's sizes."""

    fit: Split
    validation: Split
    encoding: Encoding
    n_inputs: int
    n_classes: int


@lru_cache(maxsize=8)
def sweep_data(
    data: str,
    data_seed: int,
    steps: Optional[int],
    gain: float,
    validation_fraction: float,
    train_samples: Optional[int] = None,
) -> SweepData:
    """The parts for ``data`` with ``steps`` timesteps (``None``: the data set's) and input ``gain``.

    ``gain`` other than 1 is passed to the data set (rate-coded data only). Raises
    ValueError for a fraction outside (0, 1) or one that leaves a part empty, and for
    ``train_samples`` below 1.
    """
    if isinstance(validation_fraction, bool) or not isinstance(validation_fraction, Real) \
            or not 0 < validation_fraction < 1:
        raise ValueError(f"--validation must be a fraction in (0, 1), got {validation_fraction!r}")
    if train_samples is not None:
        check_int_at_least(train_samples, 1, "--train-samples")
    options = {} if steps is None else {"steps": steps}
    if gain != 1.0:
        options["gain"] = gain
    dataset = load_dataset(data, data_seed, **options)
    labels = dataset.train.y
    n_validation = int(round(validation_fraction * len(labels)))
    if not 0 < n_validation < len(labels):
        raise ValueError(
            f"--validation {validation_fraction} leaves an empty part of the {len(labels)} training samples"
        )
    fit, validation = stratified_split(labels, n_validation, np.random.default_rng(data_seed))
    fit = fit[:train_samples]
    return SweepData(
        fit=Split(x=dataset.train.x[fit], y=labels[fit]),
        validation=Split(x=dataset.train.x[validation], y=labels[validation]),
        encoding=dataset.encoding,
        n_inputs=dataset.n_inputs,
        n_classes=dataset.n_classes,
    )
