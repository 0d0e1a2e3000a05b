"""A static timing estimate of the Yosys-mapped netlist of ``snn_core`` for a ZU3EG speed grade -1.

Vivado is not available here, so this is the project's own evidence that the IP is not
obviously slow. It is an estimate: no placement, no routing, no clock skew or jitter,
and a delay model of round numbers. The CI gate asks for 250 MHz (4.0 ns) so that the
block design's 200 MHz (5.0 ns) keeps a 25% margin for what real placement adds.

Delay model (UltraScale+, speed grade -1, ns):

=====================================  ======================================================
flip-flop (FDRE/FDSE/FDCE/FDPE)        clock-to-out 0.12; setup D 0.06, CE 0.15, R/S 0.30
LUT1..LUT6                             0.125 from any input
MUXF7, MUXF8, MUXF9                    0.10; fed by the LUT or MUXF below it, no net
CARRY8 (CARRY4)                        0.25 from S/DI of bit i to O/CO of bits >= i; 0.10
                                       from CI (CI_TOP to bits >= 4); CO -> CI is free
net                                    0.30 + 0.08 * log2(fanout): a net driving 1 pin costs
                                       0.30, 16 pins 0.62, 4096 pins 1.26 (no replication)
DSP48E2, per enabled pipeline stage    inputs into AREG/BREG: setup 0.35; AREG/BREG -> MREG
                                       2.0; MREG -> PREG 1.4; PCIN -> PREG 1.2 (the cascade
                                       is a dedicated wire); PREG clock-to-out 0.45 (P),
                                       0.35 (PCOUT). A stage that is off adds its delay to
                                       the path through it: A/B -> P with nothing enabled is
                                       3.4
block RAM (RAMB36E2/RAMB18E2)          clock-to-out 1.60 without the output register
                                       (DOx_REG = 0), 0.45 with it; input setup 0.45
distributed RAM (RAM32M, RAM64M, ...)  read address to output 0.55; output after a write
                                       1.00; write inputs setup 0.45
shift register (SRL16E, SRLC32E)       address to output 0.55; clock-to-out 1.00; setup 0.10
ports                                  an input is driven by a flip-flop outside the IP (the
                                       DMA's and the interconnect's AXI outputs are
                                       registered), an output feeds one (setup 0.06)
=====================================  ======================================================

A path runs from a clock-to-out (a flip-flop, a DSP or block RAM output register, a
distributed RAM, an input port) through combinational cells and nets to a setup (the
same, or an output port); the estimated clock period is the longest such path. The DSP
slices' internal stages are paths of their own. ``worst_paths`` gives the longest paths,
one per endpoint cell, each cell with the RTL ``file:line`` Yosys records for it.
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional, Tuple

FF_CLOCK_TO_OUT = 0.12
FF_SETUP = {"D": 0.06, "CE": 0.15, "R": 0.30, "S": 0.30, "CLR": 0.30, "PRE": 0.30}
LUT_DELAY = 0.125
MUXF_DELAY = 0.10
CARRY_FROM_INPUT = 0.25
CARRY_FROM_CI = 0.10
NET_BASE = 0.30
NET_PER_DOUBLING = 0.08
DSP_INPUT_SETUP = 0.35
DSP_MULTIPLY = 2.0     # AREG/BREG -> MREG
DSP_ALU = 1.4          # MREG -> PREG
DSP_CASCADE_ALU = 1.2  # PCIN -> PREG
DSP_P_CLOCK_TO_OUT = 0.45
DSP_PCOUT_CLOCK_TO_OUT = 0.35
BRAM_CLOCK_TO_OUT = 1.60
BRAM_REGISTERED_CLOCK_TO_OUT = 0.45
BRAM_SETUP = 0.45
LUTRAM_READ = 0.55
LUTRAM_CLOCK_TO_OUT = 1.00
LUTRAM_SETUP = 0.45
SRL_READ = 0.55
SRL_CLOCK_TO_OUT = 1.00
SRL_SETUP = 0.10
PORT_CLOCK_TO_OUT = FF_CLOCK_TO_OUT
PORT_SETUP = FF_SETUP["D"]

FLIP_FLOPS = {"FDRE", "FDSE", "FDCE", "FDPE"}
MUXES = {"MUXF7", "MUXF8", "MUXF9"}
CARRIES = {"CARRY8", "CARRY4"}  # CARRY4: older Yosys maps UltraScale+ carries so
BLOCK_RAMS = {"RAMB36E2", "RAMB18E2"}
LUTRAMS = {"RAM32M", "RAM64M", "RAM32M16", "RAM64M8", "RAM32X1D", "RAM64X1D", "RAM128X1D", "RAM256X1D",
           "RAM32X1S", "RAM64X1S", "RAM128X1S", "RAM256X1S", "RAM512X1S"}
SHIFT_REGISTERS = {"SRL16E", "SRLC32E"}
PASS_THROUGH = {"IBUF", "OBUF", "BUFG", "IBUFG", "BUFGCE"}
CLOCK_PINS = {"C", "CLK", "WCLK", "CLKARDCLK", "CLKBWRCLK"}
#: Driver pin -> load pin pairs on dedicated wires: no net delay.
DEDICATED = {("CO", "CI"), ("O", "I0"), ("O", "I1"), ("PCOUT", "PCIN"), ("ACOUT", "ACIN"), ("BCOUT", "BCIN"),
             ("CARRYCASCOUT", "CARRYCASCIN"), ("MULTSIGNOUT", "MULTSIGNIN")}


def net_delay(fanout: int) -> float:
    """A net's delay to each of its ``fanout`` loads, ns."""
    return NET_BASE + NET_PER_DOUBLING * math.log2(max(1, fanout))


def _param(cell: dict, name: str, default: int = 0) -> int:
    value = cell.get("parameters", {}).get(name)
    if value is None:
        return default
    if isinstance(value, int):
        return value
    text = str(value).strip()
    return int(text, 2) if set(text) <= {"0", "1"} and text else int(text)


def _file_line(src: str) -> str:
    """The first ``file:line`` of a ``src`` attribute (``a.v:12.5-12.9|b.v:3.1-3.4``)."""
    first = str(src).split("|")[0]
    file, _, where = first.rpartition(":")
    return f"{file}:{where.split('.')[0]}" if file else first


def _source(cell: dict) -> str:
    return _file_line(cell.get("attributes", {}).get("src", "?"))


#: Where the RTL lives: a ``src`` outside it points into Yosys's own techmap library.
RTL_FOLDER = "overlay/rtl/"


@dataclass(frozen=True)
class Step:
    """One cell on a path: its type, name, RTL source and the arrival time at its output (ns)."""

    cell_type: str
    name: str
    source: str
    arrival: float


@dataclass(frozen=True)
class TimingPath:
    """A register-to-register path: its delay (ns, setup included) and its cells, start first."""

    delay: float
    steps: Tuple[Step, ...]


@dataclass(frozen=True)
class DspCheck:
    """The DSP48E2 slices of a netlist: how many, and those without MREG or PREG (names)."""

    count: int
    unregistered: Tuple[str, ...]


class Netlist:
    """The flattened top module of a Yosys JSON netlist, with the timing arcs of the model above."""

    def __init__(self, path: Path) -> None:
        design = json.loads(Path(path).read_text())
        tops = [m for m in design["modules"].values() if _param({"parameters": m.get("attributes", {})}, "top")]
        if len(tops) != 1:
            raise ValueError(f"{path}: expected one top module, found {len(tops)}")
        module = tops[0]
        self.cells: Dict[str, dict] = module["cells"]
        self.ports: Dict[str, dict] = module["ports"]
        # the RTL signal each bit belongs to (name, file:line), for cells whose own src is Yosys's
        self.signal: Dict[int, Tuple[str, str]] = {}
        for name, net in module.get("netnames", {}).items():
            src = net.get("attributes", {}).get("src", "")
            if name.startswith("$") or RTL_FOLDER not in str(src):
                continue
            for bit in net["bits"]:
                if isinstance(bit, int) and (bit not in self.signal or len(name) < len(self.signal[bit][0])):
                    self.signal[bit] = (name, _file_line(src))
        self.driver: Dict[int, Tuple[str, str, int]] = {}   # bit -> (cell or "", pin or port, index)
        self.loads: Dict[int, List[Tuple[str, str, int]]] = {}
        for name, port in self.ports.items():
            for index, bit in enumerate(port["bits"]):
                if isinstance(bit, int):
                    if port["direction"] == "input":
                        self.driver[bit] = ("", name, index)
                    else:
                        self.loads.setdefault(bit, []).append(("", name, index))
        for name, cell in self.cells.items():
            directions = cell.get("port_directions", {})
            for pin, bits in cell["connections"].items():
                for index, bit in enumerate(bits):
                    if not isinstance(bit, int) or pin in CLOCK_PINS:
                        continue
                    if directions.get(pin) == "output":
                        self.driver[bit] = (name, pin, index)
                    else:
                        self.loads.setdefault(bit, []).append((name, pin, index))
        self._arrival: Dict[int, float] = {}
        self._from: Dict[int, Optional[int]] = {}

    # ------------------------------------------------------------------ the model's arcs
    def _net(self, bit: int, load_cell: str, load_pin: str) -> float:
        cell, pin, _ = self.driver.get(bit, ("", "", 0))
        if cell and (pin, load_pin) in DEDICATED:
            load_type = self.cells[load_cell]["type"]
            driver_type = self.cells[cell]["type"]
            if (driver_type == load_type) or (driver_type.startswith("LUT") and load_type in MUXES) or \
                    (driver_type in MUXES and load_type in MUXES):
                return 0.0
        return net_delay(len(self.loads.get(bit, ())))

    def _start(self, cell: str, pin: str) -> Optional[float]:
        """Clock-to-out if ``pin`` of ``cell`` starts paths, else None (a combinational output)."""
        if not cell:
            return PORT_CLOCK_TO_OUT
        kind = self.cells[cell]["type"]
        if kind in FLIP_FLOPS:
            return FF_CLOCK_TO_OUT
        if kind == "DSP48E2":
            if _param(self.cells[cell], "PREG", 1):
                return DSP_PCOUT_CLOCK_TO_OUT if pin == "PCOUT" else DSP_P_CLOCK_TO_OUT
            return None
        if kind in BLOCK_RAMS:
            port_a = pin.startswith(("DOUTADOUT", "DOUTPADOUTP"))
            registered = _param(self.cells[cell], "DOA_REG" if port_a else "DOB_REG")
            return BRAM_REGISTERED_CLOCK_TO_OUT if registered else BRAM_CLOCK_TO_OUT
        if kind in LUTRAMS:
            return LUTRAM_CLOCK_TO_OUT
        if kind in SHIFT_REGISTERS:
            return SRL_CLOCK_TO_OUT
        return None

    def _arcs(self, cell: str, pin: str, index: int) -> List[Tuple[int, str, float]]:
        """The combinational arcs into output ``pin[index]`` of ``cell``: (input bit, input pin, delay)."""
        data = self.cells[cell]
        kind = data["type"]
        arcs = []
        for in_pin, bits in data["connections"].items():
            if data.get("port_directions", {}).get(in_pin) == "output" or in_pin in CLOCK_PINS:
                continue
            for in_index, bit in enumerate(bits):
                if not isinstance(bit, int):
                    continue
                delay = self._arc_delay(kind, data, in_pin, in_index, pin, index)
                if delay is not None:
                    arcs.append((bit, in_pin, delay))
        return arcs

    @staticmethod
    def _arc_delay(kind: str, data: dict, in_pin: str, in_index: int, pin: str, index: int) -> Optional[float]:
        if kind.startswith("LUT") and kind[3:].isdigit():
            return LUT_DELAY
        if kind in MUXES:
            return MUXF_DELAY
        if kind in CARRIES:
            if in_pin in ("CI", "CYINIT"):
                return CARRY_FROM_CI
            if in_pin == "CI_TOP":
                return CARRY_FROM_CI if index >= 4 else None
            return CARRY_FROM_INPUT if index >= in_index else None
        if kind in PASS_THROUGH:
            return 0.0
        if kind in LUTRAMS or kind in SHIFT_REGISTERS:  # the read address
            read = LUTRAM_READ if kind in LUTRAMS else SRL_READ
            return read if in_pin.startswith(("A", "DPRA")) and not in_pin.startswith("ADDRH") else None
        if kind == "DSP48E2":  # only where the registers on the way are off
            if in_pin in ("A", "B", "ACIN", "BCIN"):
                if _param(data, "AREG" if in_pin.startswith("A") else "BREG", 1) or _param(data, "MREG", 1):
                    return None
                return DSP_MULTIPLY + DSP_ALU
            if in_pin == "PCIN" and not _param(data, "PREG", 1):
                return DSP_CASCADE_ALU
            return None
        if kind in FLIP_FLOPS or kind in BLOCK_RAMS:
            return None
        return LUT_DELAY  # an unknown combinational cell: one LUT

    def _setup(self, cell: str, pin: str) -> Optional[float]:
        """Setup time if ``pin`` of ``cell`` ends paths, else None."""
        if not cell:
            return PORT_SETUP
        data = self.cells[cell]
        kind = data["type"]
        if kind in FLIP_FLOPS:
            return FF_SETUP.get(pin, FF_SETUP["D"])
        if kind == "DSP48E2":
            if pin in ("A", "B", "ACIN", "BCIN"):
                if _param(data, "AREG" if pin.startswith("A") else "BREG", 1):
                    return DSP_INPUT_SETUP
                if _param(data, "MREG", 1):
                    return DSP_MULTIPLY
                return DSP_MULTIPLY + DSP_ALU if _param(data, "PREG", 1) else None
            if pin == "PCIN":
                return DSP_CASCADE_ALU if _param(data, "PREG", 1) else None
            return DSP_INPUT_SETUP
        if kind in BLOCK_RAMS:
            return BRAM_SETUP
        if kind in LUTRAMS:
            return LUTRAM_SETUP
        if kind in SHIFT_REGISTERS:
            return SRL_SETUP
        return None

    # ------------------------------------------------------------------ arrival times
    def arrival(self, bit: int) -> float:
        """When ``bit`` settles after the clock edge, ns (memoized; iterative, no recursion limit)."""
        stack = [(bit, False)]
        visiting = set()
        while stack:
            current, expanded = stack.pop()
            if current in self._arrival:
                continue
            cell, pin, index = self.driver.get(current, ("", "", -1))
            if index < 0:  # constant or undriven
                self._arrival[current], self._from[current] = 0.0, None
                continue
            start = self._start(cell, pin)
            kind = self.cells[cell]["type"] if cell else ""
            if start is not None and kind not in LUTRAMS and kind not in SHIFT_REGISTERS:
                self._arrival[current], self._from[current] = start, None
                continue
            arcs = self._arcs(cell, pin, index)  # a distributed RAM's read address, or a combinational cell
            if not expanded:
                visiting.add(current)
                stack.append((current, True))
                for in_bit, _, _ in arcs:
                    if in_bit in visiting and in_bit not in self._arrival:
                        raise ValueError(f"combinational loop through {cell} ({_source(self.cells[cell])})")
                    if in_bit not in self._arrival:
                        stack.append((in_bit, False))
                continue
            best, source = start or 0.0, None
            for in_bit, in_pin, delay in arcs:
                value = self._arrival[in_bit] + self._net(in_bit, cell, in_pin) + delay
                if value > best:
                    best, source = value, in_bit
            self._arrival[current], self._from[current] = best, source
            visiting.discard(current)
        return self._arrival[bit]

    def _describe(self, bit: int) -> Step:
        """The cell driving ``bit``: its own RTL line, else that of the RTL signal it drives."""
        cell, pin, _ = self.driver.get(bit, ("", "?", 0))
        if not cell:
            return Step("port", pin, f"input port {pin}", self._arrival.get(bit, 0.0))
        data = self.cells[cell]
        source = _source(data)
        if RTL_FOLDER not in source and bit in self.signal:
            name, where = self.signal[bit]
            source = f"{where} ({name.split('.')[-1]})"
        return Step(data["type"], cell, source, self._arrival[bit])

    def _cell_source(self, cell: str) -> str:
        """A cell's own RTL line, else that of an RTL signal it drives or reads (a distributed
        RAM's ``src`` is Yosys's techmap; its read data and write address are the RTL's)."""
        data = self.cells[cell]
        source = _source(data)
        if RTL_FOLDER in source:
            return source
        directions = data.get("port_directions", {})
        pins = sorted(data["connections"].items(), key=lambda item: directions.get(item[0]) != "output")
        for pin, bits in pins:  # outputs first, then inputs
            for bit in bits:
                if isinstance(bit, int) and bit in self.signal:
                    name, where = self.signal[bit]
                    return f"{where} ({name.split('.')[-1]})"
        return source

    def _trace(self, bit: int) -> List[Step]:
        steps = []
        current: Optional[int] = bit
        while current is not None:
            steps.append(self._describe(current))
            current = self._from.get(current)
        return steps[::-1]

    # ------------------------------------------------------------------ results
    def worst_paths(self, count: int = 5) -> List[TimingPath]:
        """The ``count`` longest paths, one per endpoint cell (or output port), longest first."""
        worst: Dict[str, Tuple[float, Optional[int], Step]] = {}  # endpoint -> (delay, bit, end step)
        for bit, loads in self.loads.items():
            for cell, pin, _ in loads:
                setup = self._setup(cell, pin)
                if setup is None:
                    continue
                delay = self.arrival(bit) + self._net(bit, cell, pin) + setup
                key = cell or f"port {pin}"
                if key not in worst or delay > worst[key][0]:
                    end = Step(self.cells[cell]["type"] if cell else "port", key,
                               self._cell_source(cell) if cell else "(output port)", delay)
                    worst[key] = (delay, bit, end)
        for name, data in self.cells.items():  # the DSP slices' own stages
            if data["type"] == "DSP48E2" and _param(data, "MREG", 1):
                inside = max(DSP_MULTIPLY if _param(data, "AREG", 1) or _param(data, "BREG", 1) else 0.0,
                             DSP_ALU if _param(data, "PREG", 1) else 0.0)
                worst[f"{name} (inside)"] = (inside, None, Step("DSP48E2", name, _source(data), inside))
        chosen = sorted(worst.values(), key=lambda item: -item[0])[:count]
        return [TimingPath(round(delay, 3), tuple((self._trace(bit) if bit is not None else []) + [end]))
                for delay, bit, end in chosen]

    def dsp_check(self) -> DspCheck:
        """Every DSP48E2, and those whose multiplier or output register is off."""
        dsps = {name: data for name, data in self.cells.items() if data["type"] == "DSP48E2"}
        bad = tuple(sorted(name for name, data in dsps.items()
                           if not (_param(data, "MREG", 1) and _param(data, "PREG", 1))))
        return DspCheck(len(dsps), bad)


def format_path(path: TimingPath) -> str:
    """A path as lines: delay, then each cell with its RTL file:line and arrival time."""
    lines = [f"{path.delay:.2f} ns ({1000 / path.delay:.0f} MHz)"]
    for step in path.steps:
        lines.append(f"    {step.arrival:6.2f}  {step.cell_type:<9} {step.source}")
    return "\n".join(lines)
