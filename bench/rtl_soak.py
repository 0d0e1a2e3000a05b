"""Soak of the RTL against the emulator: many more random cases than CI runs.

Seeds continue where CI's 200 stop, on the small build (capacity edges cheap to
reach) and on the default build; every case must be bit and cycle exact.

    python bench/rtl_soak.py                  # 2000 small-build + 100 default-build cases
    python bench/rtl_soak.py --small 10000    # longer
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

from pynq_snn.overlay.core_build import DEFAULT_BUILD, CoreBuild
from tables import print_table

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "rtl"))
from rtl_sim import CORE_SOURCES, SMALL_BUILD, run_cocotb  # noqa: E402

CI_SEEDS = 200  # tests/test_rtl.py runs seeds 0..199 on the small build


def soak(name, build: CoreBuild, cases: int, first_seed: int, workdir: Path):
    report = workdir / f"{name}.json"
    start = time.perf_counter()
    parameters = build.verilog_parameters()
    _, _, log = run_cocotb("snn_core", CORE_SOURCES, "core_tb", workdir / name, parameters=parameters,
                           testcase=["random_networks_equal_the_emulator"],
                           env={"SNN_RTL_CASES": str(cases), "SNN_RTL_SEED": str(first_seed),
                                "SNN_RTL_REPORT": str(report)})
    if not report.exists():
        raise RuntimeError(f"the {name} build's bench wrote no report; its log:\n{log.read_text()[-4000:]}")
    result = json.loads(report.read_text())
    seconds = time.perf_counter() - start
    label = "default" if build == DEFAULT_BUILD else ", ".join(f"{k}={v}" for k, v in parameters.items())
    return [label, f"{first_seed}..{first_seed + cases - 1}", result["cases"], len(result["failures"]),
            ", ".join(result["failures"][:5]) or "-", f"{seconds:.0f}"]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", type=int, default=2000, help="cases on the small build")
    parser.add_argument("--default", type=int, default=100, help="cases on the default build")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        rows = [soak("small", SMALL_BUILD, args.small, CI_SEEDS, Path(tmp)),
                soak("default", DEFAULT_BUILD, args.default, CI_SEEDS, Path(tmp))]
    print_table("RTL soak: random networks, RTL against the emulator and the cycle model",
                ["build", "seeds", "cases", "mismatches", "first mismatching", "seconds"], rows)
    if any(row[3] for row in rows):
        sys.exit(1)


if __name__ == "__main__":
    main()
