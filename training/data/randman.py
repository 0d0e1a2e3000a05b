"""Randman: classify spike patterns drawn from random smooth manifolds.

After Zenke & Vogels, "The remarkable robustness of surrogate gradient learning
for instilling complex function in spiking neural networks", Neural Computation
33(4), 2021. Each class ``c`` is a smooth random manifold of dimension ``D``
(``manifold_dim``) embedded in ``C`` (``n_channels``) dimensions. Embedding
coordinate ``i`` of class ``c`` at intrinsic coordinates ``u`` in [0, 1)^D is::

    f[c, i](u) = sum_{d=1..D} sum_{k=1..K} a[c, i, d, k] * k^(-alpha)
                                           * sin(2 pi (k * u_d + phi[c, i, d, k]))

with amplitudes ``a`` and phases ``phi`` drawn uniformly from [0, 1), ``K`` =
``n_freqs`` frequencies and ``alpha`` = ``smoothness`` (higher: the higher
frequencies matter less, the manifold is smoother). Every coordinate is then
scaled to [0, 1] over the whole manifold::

    z[c, i](u) = (f[c, i](u) - min_u f[c, i]) / (max_u f[c, i] - min_u f[c, i])

(the extrema are those of each term ``d`` on a grid of 4096 points per period,
summed, and ``z`` is clipped to [0, 1] against the grid's rounding). A sample of class ``c`` draws ``u`` uniformly from [0, 1)^D, and each
channel ``i`` fires exactly one spike, at step::

    t_i = floor(z[c, i](u) * (T - 1))      in 0 .. T-1,  T = ``steps``

Since every channel fires once in every sample, spike counts carry no class
information: the class is in the spike times alone.

The manifolds, the training samples and the test samples come from three
independent streams of ``np.random.SeedSequence(data_seed)``, so a ``data_seed``
fixes the data set, and the sample counts change neither the manifolds nor the
other split.
"""
from __future__ import annotations

import math
from numbers import Real

import numpy as np

from ...overlay.encoding import Encoding
from .dataset import DEFAULT_DATA_SEED, Dataset, Split, check_data_seed

#: Grid points per period used to find each term's extrema for the [0, 1] scaling.
_GRID = 4096
#: The most bytes the rasters of both splits may take (one byte per sample, step and channel).
MAX_RASTER_BYTES = 2 ** 30


def make_randman(
    data_seed: int = DEFAULT_DATA_SEED,
    n_classes: int = 10,
    n_channels: int = 128,
    steps: int = 100,
    manifold_dim: int = 1,
    n_freqs: int = 5,
    smoothness: float = 0.5,
    train_per_class: int = 100,
    test_per_class: int = 50,
) -> Dataset:
    """The randman data set: uint8 rasters [N, steps, n_channels], labels balanced.

    The train split holds ``train_per_class`` samples of each of the
    ``n_classes`` classes, the test split ``test_per_class``, in an order shuffled
    by ``data_seed``. See the module docstring for the construction; more
    frequencies, a lower ``smoothness`` or a higher ``manifold_dim`` make the task
    harder. Raises ValueError for a negative seed, counts below their minimum
    (2 classes, 1 of everything else), ``steps`` outside [1, 65535], a negative
    or non-finite ``smoothness``, or rasters larger than MAX_RASTER_BYTES.
    """
    data_seed = check_data_seed(data_seed)
    for name, value, least in (
        ("n_classes", n_classes, 2),
        ("n_channels", n_channels, 1),
        ("manifold_dim", manifold_dim, 1),
        ("n_freqs", n_freqs, 1),
        ("train_per_class", train_per_class, 1),
        ("test_per_class", test_per_class, 1),
    ):
        if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)) or value < least:
            raise ValueError(f"{name} must be an integer >= {least}, got {value!r}")
    if isinstance(smoothness, (bool, np.bool_)) or not isinstance(smoothness, Real) \
            or not (math.isfinite(smoothness) and smoothness >= 0):
        raise ValueError(f"smoothness must be a finite number >= 0, got {smoothness!r}")
    encoding = Encoding("raster", steps)
    n_samples = n_classes * (train_per_class + test_per_class)
    raster_bytes = n_samples * encoding.steps * n_channels
    if raster_bytes > MAX_RASTER_BYTES:
        raise ValueError(
            f"randman rasters of {n_samples} samples, {encoding.steps} steps and {n_channels} channels take "
            f"{raster_bytes / 2 ** 30:.1f} GiB, more than {MAX_RASTER_BYTES / 2 ** 30:g} GiB: "
            "use fewer steps, channels or samples"
        )

    manifold_seq, train_seq, test_seq = np.random.SeedSequence(data_seed).spawn(3)
    manifolds = _Manifolds(np.random.default_rng(manifold_seq), n_classes, n_channels, manifold_dim,
                           n_freqs, float(smoothness))
    return Dataset(
        name="randman",
        train=manifolds.sample(np.random.default_rng(train_seq), train_per_class, encoding.steps),
        test=manifolds.sample(np.random.default_rng(test_seq), test_per_class, encoding.steps),
        encoding=encoding,
        n_inputs=int(n_channels),
        n_classes=int(n_classes),
    )


class _Manifolds:
    """The ``n_classes`` random manifolds and the scaling of every coordinate to [0, 1].

    Each term is stored as a trigonometric polynomial, ``a k^(-alpha) sin(2 pi (k v + phi))
    = s_k sin(2 pi k v) + c_k cos(2 pi k v)`` with ``s_k = a k^(-alpha) cos(2 pi phi)`` and
    ``c_k = a k^(-alpha) sin(2 pi phi)``: ``coefs[c, i, d]`` = (s_1..s_K, c_1..c_K).
    """

    def __init__(self, rng: np.random.Generator, n_classes: int, n_channels: int, manifold_dim: int,
                 n_freqs: int, smoothness: float):
        shape = (n_classes, n_channels, manifold_dim, n_freqs)
        self.freqs = np.arange(1, n_freqs + 1, dtype=np.float64)
        amplitudes = rng.random(shape) * self.freqs ** -smoothness
        phases = 2 * np.pi * rng.random(shape)
        self.coefs = np.concatenate([amplitudes * np.cos(phases), amplitudes * np.sin(phases)], axis=-1)
        grid = self._basis(np.arange(_GRID, dtype=np.float64) / _GRID)  # [G, 2K]
        self.low = np.empty((n_classes, n_channels))
        self.span = np.empty((n_classes, n_channels))
        for c in range(n_classes):
            terms = self.coefs[c] @ grid.T  # [C, D, G]: each term on the grid
            self.low[c] = terms.min(axis=-1).sum(axis=-1)
            self.span[c] = terms.max(axis=-1).sum(axis=-1) - self.low[c]

    def _basis(self, v: np.ndarray) -> np.ndarray:
        """``(sin(2 pi k v), cos(2 pi k v))`` for k = 1..K, on a new last axis [..., 2K]."""
        angles = 2 * np.pi * v[..., None] * self.freqs
        return np.concatenate([np.sin(angles), np.cos(angles)], axis=-1)

    def sample(self, rng: np.random.Generator, per_class: int, steps: int) -> Split:
        """``per_class`` samples of every class in shuffled order: rasters [N, steps, C]."""
        n_classes, n_channels, manifold_dim, _ = self.coefs.shape
        labels = rng.permutation(np.repeat(np.arange(n_classes, dtype=np.int64), per_class))
        u = rng.random((len(labels), manifold_dim))
        f = np.einsum("nidj,ndj->ni", self.coefs[labels], self._basis(u))
        z = np.clip((f - self.low[labels]) / self.span[labels], 0.0, 1.0)
        times = np.floor(z * (steps - 1)).astype(np.int64)
        raster = np.zeros((len(labels), steps, n_channels), dtype=np.uint8)
        raster[np.arange(len(labels))[:, None], times, np.arange(n_channels)] = 1
        return Split(x=raster, y=labels)
