"""The working-set bound of every path that runs an artifact.

Running an artifact (:func:`~.emulator.emulate`, :func:`~pynq_snn.host.evaluate.run_artifact`,
``Device.run`` on the emulated device) needs, beyond the caller's inputs and the
outputs it asked for, at most :data:`WORKING_SET_BYTES` of memory, whatever the
number of timesteps and samples: the work is split into chunks of samples (and of
timesteps, in the emulator) sized from this bound. A network the IP cannot hold is
refused before anything is allocated, so the chunks of the largest network that
fits are small.

>>> samples_per_chunk(10_000, 1_000_000, WORKING_SET_BYTES)  # 1 MB a sample: 268 at a time
268
"""
from __future__ import annotations

#: The default bound: 256 MiB.
WORKING_SET_BYTES = 2 ** 28


class WorkingSetError(MemoryError):
    """A request cannot run within the working-set bound, even one sample at a time."""


def check_budget(budget: int) -> int:
    """``budget`` (bytes) as an int; ValueError unless it is an integer >= 1."""
    if isinstance(budget, bool) or not isinstance(budget, int) or budget < 1:
        raise ValueError(f"the working-set bound must be an integer number of bytes >= 1, got {budget!r}")
    return budget


def samples_per_chunk(n_samples: int, bytes_per_sample: int, budget: int, what: str = "a sample") -> int:
    """How many of ``n_samples`` samples to handle at once so that they take at most ``budget``
    bytes, ``bytes_per_sample`` each: at least 1, at most ``n_samples``.

    Raises WorkingSetError when one sample alone needs more than ``budget``; ``what`` names
    the work in that message.
    """
    if bytes_per_sample > budget:
        raise WorkingSetError(
            f"{what} needs {bytes_per_sample / 2 ** 20:.1f} MiB, more than the working-set bound of "
            f"{budget / 2 ** 20:.1f} MiB"
        )
    return max(1, min(n_samples, budget // max(bytes_per_sample, 1)))
