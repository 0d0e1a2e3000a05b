"""Files shipped with pynq-snn: the board notebooks' networks and test sets, found by name.

``pynq-snn run digits.snn --inputs digits_test.npz`` and ``notebooks/board.ipynb`` read
a file where its path points; a bare name that is no file there is looked up among the
files installed in ``pynq_snn/notebooks`` (``digits.snn``, ``fashion_mnist.snn`` and their
``*_test.npz``).
"""
from __future__ import annotations

from pathlib import Path

from .. import notebooks

#: The folder of the shipped notebooks and their files.
SHIPPED = Path(notebooks.__file__).resolve().parent


def shipped_file(name) -> Path:
    """``name`` as a path when it is a file or names a folder; else, for a bare name, the
    shipped file of that name.

    FileNotFoundError, one line listing the shipped files, for a bare name found in
    neither place; any other path is the caller's to open and refuse.
    """
    path = Path(name)
    if path.is_file() or path.name != str(name):
        return path
    if (SHIPPED / path.name).is_file():
        return SHIPPED / path.name
    offered = ", ".join(sorted(p.name for p in SHIPPED.iterdir() if p.suffix in (".snn", ".npz")))
    raise FileNotFoundError(f"{name} not found here nor among the files shipped with pynq-snn: {offered}")
