"""Reading an ``.npz`` file (``np.savez``) with one-line errors, arrays only, no pickles.

Both kinds of ``.npz`` file the toolkit reads go through :func:`read_npz`: a data set
(``training/data/arrays.py``) and encoded inputs (:mod:`.inputs`). Imports numpy only.
"""
from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Dict, Iterable, Optional

import numpy as np


def read_npz(path, what: str, keys: Optional[Iterable[str]] = None) -> Dict[str, np.ndarray]:
    """The arrays in the ``.npz`` file ``path``, by key: all of them, or those of ``keys`` it
    holds (the others are not read); ``what`` names the file in errors (``"data file"``).

    Raises FileNotFoundError for a missing file and ValueError (one line naming the file)
    for one numpy cannot read as an ``.npz`` archive of plain arrays.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no {what} at {path}")
    if not zipfile.is_zipfile(path):  # np.load would try it as a pickle or a plain .npy
        raise ValueError(f"{path} is not a readable .npz file (np.savez writes one)")
    try:
        with np.load(path, allow_pickle=False) as archive:
            wanted = archive.files if keys is None else [key for key in archive.files if key in set(keys)]
            return {key: archive[key] for key in wanted}
    except (OSError, EOFError, zipfile.BadZipFile) as exc:
        raise ValueError(f"{path} is not a readable .npz file: {exc}") from None
    except ValueError as exc:  # an array stored as Python objects needs a pickle
        raise ValueError(f"{path} is not a readable .npz file of plain arrays: {exc}") from None
