"""Static timing estimate of the SNN core IP: the estimated clock and the 5 worst paths.

Yosys maps ``overlay/rtl`` for the ZU3EG (``tests/rtl/synthesis.py``); the delay model of
``tests/rtl/netlist_timing.py`` (UltraScale+ -1, stated there) gives every
register-to-register path a delay. This is an estimate, not Vivado's timing: no
placement, no routing. CI runs the same check on the default build and two smaller ones
(``tests/test_timing.py``); this script runs the default build, or any other.

    python bench/ip_timing.py                        # the default build
    python bench/ip_timing.py --param BANKS=8        # another build
    python bench/ip_timing.py --json                 # ends with one JSON object
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

from ip_resources import build_from_arguments, parameter
from tables import print_table

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "rtl"))
from netlist_timing import Netlist, format_path  # noqa: E402
from synthesis import synthesize  # noqa: E402

#: The clock CI asks the estimate for, MHz: the block design's 200 MHz with a 25% margin.
REQUIRED_MHZ = 250.0


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--param", action="append", default=[], metavar="NAME=VALUE", type=parameter,
                        help="a Verilog parameter of snn_core")
    parser.add_argument("--paths", type=int, default=5, help="worst paths to list")
    parser.add_argument("--json", action="store_true", help="end with one JSON object")
    args = parser.parse_args()
    build, label = build_from_arguments(parser, args.param)
    (ROOT / "build").mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory(dir=ROOT / "build") as tmp:
        synthesis = synthesize(build.verilog_parameters(), Path(tmp))
        netlist = Netlist(synthesis.netlist)
        paths = netlist.worst_paths(args.paths)
        dsps = netlist.dsp_check()
    period = paths[0].delay
    print_table(f"Static timing estimate of snn_core, {label} (Yosys synth_xilinx -family xcup, "
                "the delay model of tests/rtl/netlist_timing.py; not Vivado)",
                ["worst path", "estimated clock", f">= {REQUIRED_MHZ:g} MHz", "DSP48E2", "without MREG/PREG",
                 "synthesis s"],
                [[f"{period:.2f} ns", f"{1000 / period:.0f} MHz", "yes" if 1000 / period >= REQUIRED_MHZ else "NO",
                  dsps.count, len(dsps.unregistered), f"{synthesis.seconds:.0f}"]])
    print(f"\n### The {len(paths)} worst paths (arrival in ns at each cell's output, RTL file:line)\n")
    for path in paths:
        print("```\n" + format_path(path) + "\n```")
    if args.json:
        print(json.dumps({"build": label, "period_ns": period, "clock_mhz": round(1000 / period, 1),
                          "dsp48e2": dsps.count, "dsp_without_mreg_preg": list(dsps.unregistered)}))


if __name__ == "__main__":
    main()
