"""MNIST and Fashion-MNIST from their original IDX files, rate coded.

Both have 60,000 training and 10,000 test images of 28x28 pixels (0..255) and ten
classes, in four gzip-compressed IDX files (``train-images-idx3-ubyte.gz``,
``train-labels-idx1-ubyte.gz``, ``t10k-images-idx3-ubyte.gz``,
``t10k-labels-idx1-ubyte.gz``). The inputs are the intensities::

    x[n, c] = pixel[n, c] / 255      in [0, 1],  float32 [N, 784]

(row-major pixel order), encoded by default with Bernoulli rate coding over 25 steps.
The splits are the data sets' own; ``data_seed`` does not change them.

The files are read with ``idx2numpy`` (the IDX reader on PyPI; torchvision's
``MNIST`` needs a torchvision build that matches the installed torch, and PyPI's
only runs with torch's CUDA build). They are looked up in ``data_dir``, then in
Debian's folders (``apt-get install dataset-fashion-mnist`` puts Fashion-MNIST in
``/usr/share/datasets/fashion-mnist``), then downloaded when online
(:mod:`pynq_snn.training.data.files`).
"""
from __future__ import annotations

import gzip
import shutil
import urllib.request
from pathlib import Path
from typing import Optional

import numpy as np

from ...overlay.encoding import Encoding
from .dataset import DEFAULT_DATA_SEED, Dataset, Split, check_data_seed
from .files import find_files

#: Timesteps of rate coding unless told otherwise.
STEPS = 25
PIXEL_MAX = 255
FILES = {
    "train": ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"),
    "test": ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"),
}
#: Per data set: the system folders searched after ``data_dir``, the download mirror,
#: and how to get the files by hand.
SOURCES = {
    "fashion-mnist": (
        ("/usr/share/datasets/fashion-mnist",),
        "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
        "on Debian or Ubuntu: apt-get install dataset-fashion-mnist; or put the four IDX .gz files in --data-dir",
    ),
    "mnist": (
        ("/usr/share/datasets/mnist",),
        "https://ossci-datasets.s3.amazonaws.com/mnist/",
        "put the four MNIST IDX .gz files (train-images-idx3-ubyte.gz, ...) in --data-dir",
    ),
}


def load_idx_dataset(
    name: str,
    data_seed: int = DEFAULT_DATA_SEED,
    data_dir: Optional[str] = None,
    steps: int = STEPS,
    gain: float = 1.0,
) -> Dataset:
    """``"mnist"`` or ``"fashion-mnist"``: float32 intensities [N, 784], encoding ``Encoding("rate", steps, gain)``.

    Raises :class:`~pynq_snn.training.data.files.DataNotFound` (one line: how to get
    the files) when they are nowhere, ImportError without idx2numpy, ValueError for
    files whose images and labels disagree.
    """
    check_data_seed(data_seed)
    encoding = Encoding("rate", steps, gain)
    system_dirs, mirror, how_to_get = SOURCES[name]
    needed = FILES["train"] + FILES["test"]
    folder = find_files(name, needed, data_dir, system_dirs, how_to_get, download=lambda to: _download(mirror, to))
    train, test = (_read_split(folder, *FILES[part], name) for part in ("train", "test"))
    return Dataset(name=name, train=train, test=test, encoding=encoding, n_inputs=train.x.shape[1], n_classes=10)


def _read_split(folder: Path, images_file: str, labels_file: str, name: str) -> Split:
    try:
        import idx2numpy
    except ImportError as exc:
        raise ImportError(f"{name} needs idx2numpy: install the desktop extra, pip install 'pynq-snn[desktop]'") from exc
    with gzip.open(folder / images_file, "rb") as f:
        images = idx2numpy.convert_from_file(f)
    with gzip.open(folder / labels_file, "rb") as f:
        labels = idx2numpy.convert_from_file(f)
    if images.ndim != 3 or labels.ndim != 1 or len(images) != len(labels):
        raise ValueError(f"{folder / images_file}: expected images [N, H, W] and N labels, "
                         f"got {images.shape} and {labels.shape}")
    x = images.reshape(len(images), -1).astype(np.float32)
    x /= PIXEL_MAX  # in place: one float32 copy of the images at a time
    return Split(x=x, y=labels.astype(np.int64))


def _download(mirror: str, folder: Path) -> None:
    """Fetch the four files from ``mirror`` into ``folder``; OSError when offline."""
    for file in FILES["train"] + FILES["test"]:
        partial = folder / (file + ".part")
        with urllib.request.urlopen(mirror + file, timeout=30) as response, open(partial, "wb") as out:
            shutil.copyfileobj(response, out)
        partial.replace(folder / file)  # a broken transfer never passes for the file
