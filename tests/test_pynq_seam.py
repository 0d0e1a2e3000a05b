"""PYNQ's own classes on the emulated core: the board's register path, off the board.

PYNQ's ``MMIO`` talks to any ``pynq.Device`` that declares the ``REGISTER_RW``
capability; a device that answers register reads and writes from the emulated core
lets the real ``DefaultIP`` subclass of the overlay, and the driver above it, run on
a desktop. Runs in the board environment (numpy < 2, pynq, no torch).
"""
import sys
from pathlib import Path

import numpy as np
import pytest

pynq = pytest.importorskip("pynq", reason="the board environment (pip install pynq) runs these")

from pynq_snn.overlay import registers as reg  # noqa: E402
from pynq_snn.overlay.core_build import CoreBuild  # noqa: E402
from pynq_snn.overlay.driver import SnnCore  # noqa: E402
from pynq_snn.overlay.emulated_core import EmulatedCore  # noqa: E402
from pynq_snn.overlay.emulator import emulate  # noqa: E402
from pynq_snn.overlay.pynq_overlay import VLNV, SnnCoreIP  # noqa: E402

sys.path.insert(0, str(Path(__file__).parent / "rtl"))
from random_networks import random_case  # noqa: E402

BASE = 0xA001_0000
BLOCK_DESIGN = Path(__file__).resolve().parents[1] / "bitstreams" / "build.tcl"


class EmulatedRegisters(pynq.Device):
    """A pynq.Device whose registers are the emulated core's (byte addresses from BASE)."""

    def __init__(self, core: EmulatedCore):
        super().__init__("emulated-snn-core")
        self.core = core
        self.capabilities = {"REGISTER_RW": True}

    def read_registers(self, address, length):
        return int(self.core.read(address - BASE)).to_bytes(4, "little")[:length]

    def write_registers(self, address, data):
        self.core.write(address - BASE, int.from_bytes(bytes(data), "little"))


class DefaultIPPort:
    """The driver's port through PYNQ's DefaultIP and MMIO; the streams go to the emulated core."""

    def __init__(self, ip, core):
        self.ip, self.core = ip, core

    def read(self, offset):
        return self.ip.read(offset)

    def write(self, offset, value):
        self.ip.write(offset, value)

    def stream(self, words, n_receive, timeout_s):
        return self.core.stream(words, n_receive, timeout_s)

    def reset_streams(self):
        self.core.reset_streams()


def default_ip(core):
    description = {"phys_addr": BASE, "addr_range": 0x1_0000, "device": EmulatedRegisters(core),
                   "fullpath": "snn_core_0", "type": VLNV}
    return SnnCoreIP(description)


def test_the_ip_class_binds_to_the_block_designs_module_reference():
    assert SnnCoreIP.bindto == [VLNV]
    assert "-reference snn_core snn_core_0" in BLOCK_DESIGN.read_text()
    assert VLNV == "xilinx.com:module_ref:snn_core:1.0"


def test_registers_read_through_pynq_mmio():
    ip = default_ip(EmulatedCore())
    assert ip.read(reg.ID) == reg.ID_VALUE
    ip.write(reg.STEPS, 25)
    assert ip.read(reg.STEPS) == 25


@pytest.mark.parametrize("seed", range(10))
def test_the_driver_over_pynq_defaultip_equals_the_emulator(seed):
    core = EmulatedCore()
    driver = SnnCore(DefaultIPPort(default_ip(core), core))
    artifact, spikes, _ = random_case(seed, CoreBuild(16, 256, 256, 2048, 4), max_steps=4)
    driver.load(artifact)
    run = driver.run(spikes)
    want = emulate(artifact, spikes)
    assert np.array_equal(run.outputs.raster, want.output_spikes)
    for got, expected in zip(run.outputs.states, want.final_states):
        for name in expected:
            assert np.array_equal(np.asarray(got[name], np.int64), np.asarray(expected[name], np.int64))
