"""Where a bench result came from: the commit and the command that produced it."""
from __future__ import annotations

import shlex
import subprocess
import sys
from pathlib import Path
from typing import Sequence

ROOT = Path(__file__).resolve().parents[1]


def commit(paths: Sequence[str] = (".",)) -> str:
    """The short hash of the checked-out commit, with ``+changes`` if the files under ``paths``
    (relative to the repository's root) differ from it."""
    head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True)
    dirty = subprocess.run(["git", "diff", "--quiet", "HEAD", "--", *paths], cwd=ROOT)
    return (head.stdout.strip() or "unknown") + ("+changes" if dirty.returncode else "")


def command() -> str:
    """The command line of this process, as a user would type it from the repository's root."""
    script = Path(sys.argv[0]).resolve()
    shown = script.relative_to(ROOT) if ROOT in script.parents else script
    return shlex.join(["python", str(shown), *sys.argv[1:]])
