"""Run Python code in a fresh interpreter whose address space is capped where the code says.

The code calls ``limit(extra_bytes)`` once it has built its inputs: from then on the
process may map at most ``extra_bytes`` more than it holds at that moment (Linux
``RLIMIT_AS``), so an allocation beyond them raises MemoryError. BLAS and OpenMP run
one thread, whose stacks would otherwise take address space of their own.
"""
import os
import subprocess
import sys

import pytest

PRELUDE = """
import resource

def mapped_bytes() -> int:
    with open('/proc/self/status') as status:
        return next(int(line.split()[1]) * 1024 for line in status if line.startswith('VmSize:'))

def limit(extra_bytes: int) -> None:
    cap = mapped_bytes() + int(extra_bytes)
    resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
"""

#: Slack for the interpreter's own small allocations after the limit is set.
SLACK_BYTES = 24 * 2 ** 20

needs_proc = pytest.mark.skipif(not os.path.exists("/proc/self/status"), reason="needs Linux's /proc and RLIMIT_AS")


def run_limited(code: str, timeout_s: float = 120) -> subprocess.CompletedProcess:
    """Run ``code`` after the prelude (one BLAS thread); return the finished process (text output)."""
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")
    return subprocess.run([sys.executable, "-c", PRELUDE + code], capture_output=True, text=True,
                          env=env, timeout=timeout_s)
