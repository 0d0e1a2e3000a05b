"""The memory each run path adds at the IP's longest sample, against the working-set bound.

Every case runs in a fresh process; the figure is the peak address space (``VmPeak``)
beyond what the process held just before the call, inputs included in the latter,
and the outputs the call returns included in the former (shown apart).

    python bench/working_set.py
"""
from __future__ import annotations

import json
import os
import subprocess
import sys

from provenance import commit
from tables import print_table

PRELUDE = """
import json, time
def status(key):
    with open('/proc/self/status') as f:
        return next(int(line.split()[1]) * 1024 for line in f if line.startswith(key + ':'))
def measure(call, outputs=0):
    before = status('VmSize')
    start = time.perf_counter()
    call()
    print(json.dumps({"peak_mib": (status('VmPeak') - before) / 2 ** 20, "outputs_mib": outputs / 2 ** 20,
                      "seconds": time.perf_counter() - start}))
"""

#: One layer of 1024 LIF neurons behind one input, one sample of 65535 steps.
WIDE_LONG = """
import numpy as np
from pynq_snn.overlay.artifact import Artifact, Layer
layer = Layer("lif", np.ones((1024, 1), np.int8), 0, 4, {"beta": 250, "threshold": 40})
artifact = Artifact(1, (layer,), {"kind": "raster", "steps": 65535}, {})
spikes = (np.arange(65535).reshape(65535, 1, 1) % 3 == 0).astype(np.uint8)
"""

CASES = {
    "emulate(record_output=False), 1-1024 LIF, T = 65535": WIDE_LONG + """
from pynq_snn.overlay.emulator import emulate
measure(lambda: emulate(artifact, spikes, record_output=False))
""",
    "run_artifact, the same": WIDE_LONG + """
from pynq_snn.host.evaluate import run_artifact
measure(lambda: run_artifact(artifact, spikes, np.array([3])))
""",
    "Device.run on the emulated device, the same, every output": WIDE_LONG + """
from pynq_snn.host.device import open_device
device = open_device("emulator")
device.load(artifact)
measure(lambda: device.run(spikes), outputs=65535 * 1024)
""",
    "emulated core: STEPS = SAMPLES = 65535, RUN, 3 words": """
import numpy as np
from pynq_snn.overlay import registers as reg, stream
from pynq_snn.overlay.artifact import Artifact, Layer
from pynq_snn.overlay.emulated_core import EmulatedCore
layer = Layer("lif", np.ones((512, 1000), np.int8), 0, 0, {"beta": 250, "threshold": 40})
core = EmulatedCore()
core.write(reg.CTRL, reg.CTRL_LOAD)
core.stream(stream.pack_network(Artifact(1000, (layer,), {"kind": "raster", "steps": 1}, {}), 16), 0)
for register, value in ((reg.STEPS, 0xFFFF), (reg.SAMPLES, 0xFFFF), (reg.OUT_MODE, 7), (reg.CTRL, reg.CTRL_RUN)):
    core.write(register, value)
measure(lambda: core.stream(np.array([1, 2, 3], np.uint32), 10 ** 9))
""",
}


def main() -> None:
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1")
    rows = []
    for name, code in CASES.items():
        done = subprocess.run([sys.executable, "-c", PRELUDE + code], capture_output=True, text=True, env=env)
        if done.returncode:
            sys.exit(f"{name}: {done.stderr[-2000:]}")
        found = json.loads(done.stdout.splitlines()[-1])
        rows.append([name, f"{found['peak_mib'] - found['outputs_mib']:.1f}", f"{found['outputs_mib']:.1f}",
                     f"{found['seconds']:.1f}"])
    print_table(f"Working set beyond the inputs (bound 256 MiB; commit {commit(('overlay/*.py', 'host/*.py'))})",
                ["case", "working set (MiB)", "outputs returned (MiB)", "seconds"], rows)


if __name__ == "__main__":
    main()
