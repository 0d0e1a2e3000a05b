"""The board runtime path imports numpy alone: never torch, never pynq."""
import subprocess
import sys

from board_env import run_without_torch


def test_runtime_modules_import_without_torch_or_pynq():
    done = run_without_torch(
        "import pynq_snn, pynq_snn.cli, pynq_snn.host.evaluate, pynq_snn.host.energy, "
        "pynq_snn.overlay.emulator, pynq_snn.overlay.artifact, pynq_snn.overlay.capacity, "
        "pynq_snn.training.data, pynq_snn.overlay.encoding; print('ok')"
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"


def test_importing_the_package_loads_no_torch():
    done = subprocess.run(
        [sys.executable, "-c", "import sys, pynq_snn, pynq_snn.cli; print('torch' in sys.modules, 'pynq' in sys.modules)"],
        capture_output=True, text=True,
    )
    assert done.stdout.strip() == "False False", done.stderr
