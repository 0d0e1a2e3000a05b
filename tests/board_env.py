"""Run Python code in a fresh interpreter where torch and pynq (and more, if asked) cannot be imported.

A meta-path finder refuses the import (as on a board without torch) without
planting a placeholder in ``sys.modules``, which other libraries would trip over.
"""
import subprocess
import sys

PRELUDE = """
import importlib.abc, sys
class _Refuse(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        if name.split('.')[0] in {refused!r}:
            raise ImportError('not installed on the board: ' + name)
sys.meta_path.insert(0, _Refuse())
"""
#: The desktop extras' libraries that a data set needs, absent from the board's image.
DATA_LIBRARIES = ("sklearn", "idx2numpy", "torchvision", "tonic")


def run_without_torch(code: str, also: tuple = ()) -> subprocess.CompletedProcess:
    """Run ``code`` after the prelude, which refuses torch, pynq and the top-level modules
    ``also``; return the finished process (text output)."""
    prelude = PRELUDE.format(refused=("torch", "pynq", *also))
    return subprocess.run([sys.executable, "-c", prelude + code], capture_output=True, text=True)
