"""cocotb bench: the Verilog LIF update against the emulator's numpy update.

Random states, drives, leaks and thresholds (drives within the contract's
accumulator bound) are applied to ``snn_lif_update``; its v and spike must equal
``overlay/neurons/lif.py``'s, integer for integer. The two implementations share nothing.
The unit is a pipeline: each case's inputs are held for its LATENCY clock edges.
"""
import numpy as np
from cocotb import start_soon, test
from cocotb.clock import Clock
from cocotb.triggers import ClockCycles, FallingEdge, ReadOnly

from pynq_snn.overlay import formats
from pynq_snn.overlay.neurons import lif
from pynq_snn.overlay.artifact import Layer

CASES = 3000
LATENCY = 6  # snn_lif_update.v: outputs at the 6th edge after the inputs


def signed(value, bits):
    value = int(value)
    return value - (1 << bits) if value >= 1 << (bits - 1) else value


@test()
async def lif_update_matches_the_emulator(dut):
    rng = np.random.default_rng(2024)
    start_soon(Clock(dut.clk, 10, unit="ns").start())
    await FallingEdge(dut.clk)
    mismatches = 0
    for _ in range(CASES):
        beta = int(rng.choice([0, 256, rng.integers(0, 257)]))
        theta = int(rng.choice([1, formats.STATE_MAX, rng.integers(1, 4097)]))
        # the edges (at, just under and over the threshold, the rails) as often as the bulk
        edges = [theta, theta - 1, theta + 1, formats.STATE_MIN, formats.STATE_MAX, 0, -1]
        v = int(np.clip(rng.choice(edges) if rng.random() < 0.5 else rng.integers(formats.STATE_MIN, formats.STATE_MAX + 1),
                        formats.STATE_MIN, formats.STATE_MAX))
        small = int(rng.integers(-64, 65))
        drive = int(rng.choice([small, rng.integers(-(2 ** 22) + theta, 2 ** 22 - theta)]))
        dut.v_prev.value = v
        dut.drive.value = drive
        dut.beta.value = beta
        dut.threshold.value = theta
        await ClockCycles(dut.clk, LATENCY)
        await ReadOnly()
        layer = Layer("lif", np.ones((1, 1), dtype=np.int8), 0, 0, {"beta": beta, "threshold": theta})
        state = (np.array([[v]], dtype=np.int32), np.array([[v > theta]]))
        (v_emu, _), spike_emu = lif.step(state, np.array([[drive]], dtype=np.int32), layer)
        got_v = signed(dut.v_next.value, formats.STATE_BITS)
        got_spike = int(dut.spike.value)
        await FallingEdge(dut.clk)
        if got_v != int(v_emu[0, 0]) or got_spike != int(spike_emu[0, 0]):
            mismatches += 1
            dut._log.error(f"v={v} beta={beta} theta={theta} drive={drive}: rtl ({got_v}, {got_spike}) "
                           f"emulator ({int(v_emu[0, 0])}, {int(spike_emu[0, 0])})")
    assert mismatches == 0, f"{mismatches} of {CASES} cases differ"
