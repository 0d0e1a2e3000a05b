"""The optional extras a command needs, and one line naming the one to install when it is missing.

On the board (``pip install 'pynq-snn[board]'``: numpy and pynq) ``info``, ``run`` and
``encode`` of the generated data sets work; the commands that train, quantize or compare
with torch need the ``desktop`` extra, ``sweep`` the ``sweep`` extra. A data set that needs
a library (scikit-learn, idx2numpy, tonic) names its extra when it is loaded
(``training/data``).
"""
from __future__ import annotations

import importlib.util
from typing import Optional

#: The modules each extra brings that its commands import.
EXTRA_MODULES = {
    "desktop": ("torch", "snntorch", "brevitas"),
    "sweep": ("torch", "snntorch", "brevitas", "optuna"),
}
#: The extra each desktop-only command needs.
COMMAND_EXTRAS = {
    "train": "desktop", "export": "desktop", "import": "desktop", "verify": "desktop", "demo": "desktop",
    "convert": "desktop", "sweep": "sweep",
}


def _installed(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):  # a finder that refuses the name, a module without a spec
        return False


def missing_extra(command: Optional[str]) -> Optional[str]:
    """None when ``command`` can run here; else one line: the extra to install and what is missing."""
    extra = COMMAND_EXTRAS.get(command or "")
    if extra is None:
        return None
    absent = [module for module in EXTRA_MODULES[extra] if not _installed(module)]
    if not absent:
        return None
    return (f"needs the {extra} extra ({', '.join(absent)} not installed here): "
            f"pip install 'pynq-snn[{extra}]'")
