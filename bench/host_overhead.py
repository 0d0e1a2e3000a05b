"""Host overhead of the driver path: the emulated device against the functional emulator.

``open_device("emulator")`` runs a batch the way the board does: registers, stream
packing of the inputs, the emulated core (which calls the functional emulator),
packing and unpacking of the output stream, the cycle model. This measures what
that path adds per batch over calling ``emulate()`` directly, as a ratio of
median wall times in the same run.

    python bench/host_overhead.py
"""
from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

import numpy as np

from pynq_snn.host.device import open_device
from pynq_snn.overlay.artifact import Artifact
from pynq_snn.overlay.emulator import emulate
from tables import print_table

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "rtl"))
from random_networks import random_layer  # noqa: E402

STEPS = 25
INPUT_RATE = 0.15
REPEATS = 21


def network(sizes, seed: int = 0) -> Artifact:
    rng = np.random.default_rng(seed)
    layers = [random_layer(rng, a, b) for a, b in zip(sizes[:-1], sizes[1:])]
    return Artifact(sizes[0], layers, {"kind": "raster", "steps": STEPS}, {})


def median_seconds(*fns):
    """Median wall time of each function, the calls interleaved so that drift hits all alike."""
    times = [[] for _ in fns]
    for _ in range(REPEATS):
        for fn, spent in zip(fns, times):
            start = time.perf_counter()
            fn()
            spent.append(time.perf_counter() - start)
    return [statistics.median(spent) for spent in times]


def main():
    rows = []
    device = open_device("emulator")
    for sizes in ([64, 128, 10], [784, 512, 10]):
        artifact = network(sizes)
        device.load(artifact)
        for batch in (1, 32, 256):
            spikes = (np.random.default_rng(batch).random((STEPS, batch, sizes[0])) < INPUT_RATE).astype(np.uint8)
            direct, driver = median_seconds(lambda: emulate(artifact, spikes), lambda: device.run(spikes))
            rows.append(["-".join(map(str, sizes)), batch, f"{direct * 1e3:.2f}", f"{driver * 1e3:.2f}",
                         f"{(driver - direct) * 1e3:.2f}", f"{driver / direct:.2f}"])
    print_table(
        f"Host overhead per batch: emulated device (driver, registers, streams) vs emulate() ({STEPS} steps)",
        ["network", "batch", "emulate() ms", "device.run() ms", "overhead ms", "ratio"],
        rows,
    )


if __name__ == "__main__":
    main()
