"""cocotb bench: the Verilog Izhikevich update against the emulator's numpy update.

Random and edge-case states, drives, coefficients, levels and square shifts are
applied to ``snn_izh_update``; v, u and spike must equal ``overlay/neurons/izhikevich.py``'s.
The unit is a pipeline: each case's inputs are held for its LATENCY clock edges.
"""
import numpy as np
from cocotb import start_soon, test
from cocotb.clock import Clock
from cocotb.triggers import ClockCycles, FallingEdge, ReadOnly

from pynq_snn.overlay import formats
from pynq_snn.overlay.neurons import izhikevich
from pynq_snn.overlay.artifact import Layer

CASES = 3000
LATENCY = 13  # snn_izh_update.v: outputs at the 13th edge after the inputs
COEFS = ("a1", "a2", "a3", "b1", "b2")
LEVELS = ("a0", "b3", "c", "d")


def signed(value, bits):
    value = int(value)
    return value - (1 << bits) if value >= 1 << (bits - 1) else value


def state(rng, near=()):
    """A 16-bit state value: an edge (rails, zero, ``near``) half the time, else uniform."""
    edges = [formats.STATE_MIN, formats.STATE_MAX, 0, -1, 1, *near]
    value = rng.choice(edges) if rng.random() < 0.5 else rng.integers(formats.STATE_MIN, formats.STATE_MAX + 1)
    return int(np.clip(value, formats.STATE_MIN, formats.STATE_MAX))


@test()
async def izh_update_matches_the_emulator(dut):
    rng = np.random.default_rng(2025)
    start_soon(Clock(dut.clk, 10, unit="ns").start())
    await FallingEdge(dut.clk)
    mismatches = 0
    for _ in range(CASES):
        params = {name: int(rng.integers(formats.COEF_MIN, formats.COEF_MAX + 1)) for name in COEFS}
        params.update({name: state(rng) for name in LEVELS})
        params["threshold"] = state(rng)
        params.update(v_init=0, u_init=0)
        q = int(rng.integers(0, formats.SQUARE_SHIFT_MAX + 1))
        v = state(rng, near=(params["threshold"], params["threshold"] + 1))
        u = state(rng)
        drive = int(rng.choice([rng.integers(-64, 65), rng.integers(-(2 ** 22), 2 ** 22)]))
        for name, value in params.items():
            if hasattr(dut, name):
                getattr(dut, name).value = value
        first = bool(rng.random() < 0.1)
        dut.v_prev.value, dut.u_prev.value, dut.drive.value, dut.q.value = v, u, drive, q
        dut.first.value = int(first)
        await ClockCycles(dut.clk, LATENCY)
        await ReadOnly()
        layer = Layer("izhikevich", np.ones((1, 1), dtype=np.int8), q, 0, params)
        start = (np.array([[v]], dtype=np.int64), np.array([[u]], dtype=np.int64), np.array([[v > params["threshold"] and not first]]))
        (v_emu, u_emu, _), spike_emu = izhikevich.step(start, np.array([[drive]], dtype=np.int64), layer)
        got = (signed(dut.v_next.value, 16), signed(dut.u_next.value, 16), int(dut.spike.value))
        await FallingEdge(dut.clk)
        want = (int(v_emu[0, 0]), int(u_emu[0, 0]), int(spike_emu[0, 0]))
        if got != want:
            mismatches += 1
            if mismatches <= 5:
                dut._log.error(f"v={v} u={u} drive={drive} q={q} {params}: rtl {got} emulator {want}")
    assert mismatches == 0, f"{mismatches} of {CASES} cases differ"
