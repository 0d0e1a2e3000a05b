"""Event-based data sets through tonic: N-MNIST (event camera) and SHD (spoken digits).

Each sample's events are binned into ``T`` = ``steps`` equal time bins with tonic's
``ToFrame(n_time_bins=T)`` (equal bins from the sample's first to its last event,
which tonic's binning leaves out), and a
channel that has any event in a bin spikes once there: the IP takes 1-bit inputs,
so ``x`` is a uint8 raster [N, T, C] in {0, 1}, encoding ``"raster"``.

``"nmnist"``
    N-MNIST (Orchard et al. 2015): 60,000 + 10,000 saccade recordings of MNIST
    digits on a 34x34 sensor with two polarities. 2x34x34 = 2,312 channels exceed
    the IP's fan-in of 1,024, so the events are first downsampled by 2 in x and y
    with tonic's ``Downsample(spatial_factor=0.5)``: C = 2 x 17 x 17 = 578 channels
    (polarity-major, then y, then x). Files: ``NMNIST/Train/<label>/*.bin`` and
    ``NMNIST/Test/...`` (the extracted archives) under ``data_dir``.
``"shd"``
    The Spiking Heidelberg Digits (Cramer et al. 2020): 8,156 + 2,264 spoken digits
    (20 classes, English and German) as spikes of C = 700 cochlea channels. Files:
    ``SHD/shd_train.h5`` and ``SHD/shd_test.h5`` under ``data_dir``.

The splits are the data sets' own; ``data_seed`` does not change them. tonic
downloads the files into ``data_dir`` when they are not there (online only).
Needs the ``events`` extra: ``pip install 'pynq-snn[events]'``.
"""
from __future__ import annotations

from pathlib import Path
from typing import Callable, Optional

import numpy as np

from ...overlay.encoding import Encoding
from .dataset import DEFAULT_DATA_SEED, Dataset, Split, check_data_seed
from .files import CACHE_DIR, DataNotFound

#: Time bins per sample unless told otherwise.
STEPS = {"nmnist": 50, "shd": 100}
#: N-MNIST's sensor (x, y, polarity) and the factor that brings it under the IP's fan-in.
NMNIST_SENSOR = (34, 34, 2)
NMNIST_SCALE = 0.5


def load_event_dataset(
    name: str,
    data_seed: int = DEFAULT_DATA_SEED,
    data_dir: Optional[str] = None,
    steps: Optional[int] = None,
) -> Dataset:
    """``"nmnist"`` or ``"shd"`` as uint8 rasters [N, steps, C] (see the module docstring).

    Raises ImportError without tonic, :class:`~pynq_snn.training.data.files.DataNotFound`
    when the files are missing and cannot be downloaded.
    """
    check_data_seed(data_seed)
    encoding = Encoding("raster", STEPS[name] if steps is None else steps)
    try:
        import tonic
    except ImportError as exc:
        raise ImportError(f"{name} needs tonic: install the events extra, pip install 'pynq-snn[events]'") from exc
    root = Path(data_dir) if data_dir else CACHE_DIR
    if name == "nmnist":
        small = tuple(int(s * NMNIST_SCALE) for s in NMNIST_SENSOR[:2]) + NMNIST_SENSOR[2:]
        transform = tonic.transforms.Compose([
            tonic.transforms.Downsample(spatial_factor=NMNIST_SCALE),
            tonic.transforms.ToFrame(sensor_size=small, n_time_bins=encoding.steps),
        ])
        # the split's folder holds the extracted .bin files
        reader = _extracted(tonic.datasets.NMNIST, lambda d: d._folder_contains_at_least_n_files_of_type(1, ".bin"))
        n_classes = 10
    else:
        transform = tonic.transforms.ToFrame(sensor_size=tonic.datasets.SHD.sensor_size, n_time_bins=encoding.steps)
        reader = _extracted(tonic.datasets.SHD, lambda d: (Path(d.location_on_system) / d.data_filename).is_file())
        n_classes = 20
    train, test = (_raster(_open(name, root, reader, transform, split), encoding.steps) for split in (True, False))
    return Dataset(name=name, train=train, test=test, encoding=encoding, n_inputs=train.x.shape[2],
                   n_classes=n_classes)


def _extracted(reader: type, present: Callable[[object], bool]) -> type:
    """tonic's ``reader`` class, satisfied by the extracted files alone (``present(dataset)``).

    tonic's own check also wants the downloaded archive, and for N-MNIST 10,000
    files, so a user's extracted folder or a small one would be downloaded over.
    The subclass keeps the class name: tonic reads from ``<save_to>/<class name>``.
    """
    return type(reader.__name__, (reader,), {"_check_exists": present})


def _open(name: str, root: Path, reader: type, transform, train: bool):
    """tonic's data set object for one split; one line when the files are missing and offline."""
    try:
        return reader(str(root), train=train, transform=transform)
    except OSError as exc:  # tonic's download: URLError and friends are OSErrors
        raise DataNotFound(
            f"{name}: no files under {root} and the download failed ({exc}); "
            f"put the extracted files there with --data-dir (see pynq_snn.training.data.events)"
        ) from None


def _raster(data, steps: int) -> Split:
    """Every sample of a tonic data set as frames clipped to one spike: x uint8 [N, T, C], y int64 [N]."""
    n = len(data)
    x, y = None, np.empty(n, dtype=np.int64)
    for i in range(n):
        frames, label = data[i]
        frames = np.minimum(np.asarray(frames).reshape(len(frames), -1), 1).astype(np.uint8)
        if x is None:
            x = np.zeros((n, steps, frames.shape[1]), dtype=np.uint8)
        x[i, : len(frames)] = frames[:steps]
        y[i] = int(label)
    return Split(x=x, y=y)
