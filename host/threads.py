"""The CPU threads the emulator computes with: numpy's BLAS, which does its matrix products.

``cores_given()`` counts the cores this process may run on (its CPU affinity, as a
container or ``taskset`` sets it). ``use_blas_threads(n)`` sets BLAS's thread pool to
``n`` threads (threadpoolctl); without ``n`` BLAS keeps its own choice. Both answer the
number of threads BLAS then uses, which the reports print. Imports numpy only, and
threadpoolctl.
"""
from __future__ import annotations

import os
from typing import Optional

import numpy as np  # noqa: F401  (loads BLAS, so that threadpoolctl finds its pool)
from threadpoolctl import threadpool_info, threadpool_limits


def cores_given() -> int:
    """The cores this process may run on: its CPU affinity where the system has one, else all."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # no affinity on macOS and Windows
        return os.cpu_count() or 1


def check_threads(threads: int) -> int:
    """``threads`` as an int; ValueError unless it is an integer in [1, cores_given()]."""
    cores = cores_given()
    if isinstance(threads, bool) or not isinstance(threads, int) or not 1 <= threads <= cores:
        raise ValueError(f"--threads must be an integer in [1, {cores}] (the cores this process is given), "
                         f"got {threads!r}")
    return threads


def blas_threads() -> int:
    """The threads numpy's BLAS computes with (the largest pool when several are loaded; 1 without BLAS)."""
    return max((pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas"), default=1)


def use_blas_threads(threads: Optional[int] = None) -> int:
    """Limit numpy's BLAS to ``threads`` threads (see :func:`check_threads`), or leave it as it
    is (None); return the threads it uses."""
    if threads is not None:
        threadpool_limits(check_threads(threads), user_api="blas")
    return blas_threads()
