"""Where a data set's files are: the user's folder, then a system package's folder, then a download.

:func:`find_files` looks for every named file in this order and returns the first
folder that holds them all:

1. ``data_dir``, the folder the user names (``--data-dir``);
2. the data set's system folders (a Debian package's ``/usr/share/datasets/...``);
3. ``download(folder)`` into ``data_dir`` (or :data:`CACHE_DIR` when none is named),
   when a download is possible and the machine is online.

Otherwise it raises :class:`DataNotFound`, whose message is one line saying how to
get the files. This module imports the standard library only.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Callable, Optional, Sequence

#: Where downloads go when no ``data_dir`` is named.
CACHE_DIR = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "pynq-snn"


class DataNotFound(FileNotFoundError):
    """A data set's files are nowhere to be found and could not be downloaded."""


def find_files(
    name: str,
    files: Sequence[str],
    data_dir: Optional[str],
    system_dirs: Sequence[str],
    how_to_get: str,
    download: Optional[Callable[[Path], None]] = None,
) -> Path:
    """The first folder holding every one of ``files`` (see the module docstring).

    ``download(folder)`` fetches the files into ``folder`` and raises OSError when
    offline; ``how_to_get`` ends the error message.
    """
    candidates = ([Path(data_dir)] if data_dir else []) + [Path(d) for d in system_dirs]
    for folder in candidates:
        if all((folder / f).is_file() for f in files):
            return folder
    looked = ", ".join(str(c) for c in candidates)
    if download is not None:
        target = Path(data_dir) if data_dir else CACHE_DIR / name
        try:
            target.mkdir(parents=True, exist_ok=True)
            download(target)
        except OSError as exc:
            raise DataNotFound(f"{name}: no files in {looked} and the download failed ({exc}); {how_to_get}") from None
        if all((target / f).is_file() for f in files):
            return target
    raise DataNotFound(f"{name}: the files {', '.join(files)} are not in {looked}; {how_to_get}")
