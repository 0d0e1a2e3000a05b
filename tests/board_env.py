"""Run Python code in a fresh interpreter where torch and pynq cannot be imported.

A meta-path finder refuses the import (as on a board without torch) without
planting a placeholder in ``sys.modules``, which other libraries would trip over.
"""
import subprocess
import sys

PRELUDE = """
import importlib.abc, sys
class _Refuse(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        if name.split('.')[0] in ('torch', 'pynq'):
            raise ImportError('not installed on the board: ' + name)
sys.meta_path.insert(0, _Refuse())
"""


def run_without_torch(code: str) -> subprocess.CompletedProcess:
    """Run ``code`` after the prelude; return the finished process (text output)."""
    return subprocess.run([sys.executable, "-c", PRELUDE + code], capture_output=True, text=True)
