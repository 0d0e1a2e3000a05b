"""Reading the toolkit's torch files: a dict of tensors and plain values with a format mark and a version.

Checkpoints (``pipeline.py``) and QCFS ANN files (``conversion.py``) are read the same way:
``torch.load(..., weights_only=True)`` (no pickled code runs), then the mark and the version
are checked before anything else is trusted. Every failure is one line that names the file.
"""
from __future__ import annotations

import warnings
from pathlib import Path

import torch

from .overlay.quote import quote


def load_marked(path, what: str, mark: str, version: int, remedy: str) -> dict:
    """The dict in the torch file ``path`` whose ``"format"`` is ``mark`` and ``"version"`` is ``version``.

    ``what`` names the kind of file in the errors (e.g. ``"pynq-snn checkpoint"``) and
    ``remedy`` says how to get a good one. Raises FileNotFoundError for a missing file and
    ValueError, naming the file, for an unreadable one, a missing mark or another version.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no {what} at {path}")
    try:
        with warnings.catch_warnings():  # torch warns, over several lines, about other files' pickle protocols
            warnings.simplefilter("ignore")
            payload = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # torch raises several types, with several lines, for a damaged file
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        raise ValueError(f"{path} is not a readable {what}: {quote(first)}") from None
    if not isinstance(payload, dict) or payload.get("format") != mark:
        raise ValueError(f"{path} is not a {what} ({remedy}): it lacks the format mark {mark!r}")
    if payload.get("version") != version:
        raise ValueError(f"{path}: {what} version {quote(payload.get('version'))}, this version reads {version}: "
                         f"{remedy}")
    return payload
