"""The Vivado flow (bitstreams/build.tcl), checked without Vivado.

Vivado is not available where the tests run, so nothing here synthesizes anything.
The checks catch the mistakes that would otherwise surface only in a Vivado run:
a file the flow reads that is gone, a wrong part or Vivado version, a port of the
IP renamed or resized in the Verilog but not in the block design (or the other way
round), unbalanced Tcl. With `tclsh` installed, the whole flow also runs against
stand-ins for the Vivado commands (a dry run), which catches Tcl errors such as an
unset variable or a misspelled command, and records what the flow connects.
"""
from __future__ import annotations

import ast
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import NamedTuple

import pytest

from pynq_snn.overlay.core_build import DEFAULT_BUILD
from pynq_snn.overlay.cycles import CLOCK_MHZ

ROOT = Path(__file__).resolve().parents[1]
TCL = ROOT / "bitstreams" / "build.tcl"
RTL = ROOT / "overlay" / "rtl"

PART = "xczu3eg-sbva484-1-i"
BOARD_PART = "avnet.com:ultra96v2:part0:1.2"
VIVADO = "2022.1"
CORE_MODULE = "snn_core"
CORE_CELL = "snn_core_0"

def port_name(interface: str, suffix: str) -> str:
    return f"{interface}_{suffix}" if suffix else interface


def interfaces(ports: dict) -> dict[str, dict]:
    """Ports grouped by interface, `s_axi_awaddr` as suffix `awaddr` of `s_axi`; a name
    without `_` (`aclk`, `aresetn`, `irq`) is an interface of its own, suffix ``""``."""
    grouped: dict[str, dict] = {}
    for name, port in ports.items():
        interface, _, suffix = name.rpartition("_") if "_" in name else (name, "", "")
        grouped.setdefault(interface, {})[suffix] = port
    return grouped


# ------------------------------------------------------------------ Verilog port parser

class Port(NamedTuple):
    direction: str
    width: int


_COMMENTS = re.compile(r"//[^\n]*|/\*.*?\*/", re.DOTALL)
_ATTRIBUTES = re.compile(r"\(\*.*?\*\)", re.DOTALL)
_DECL = re.compile(
    r"^(?:(?P<dir>input|output|inout)\s+)?"
    r"(?:(?:wire|reg|logic)\s+)?(?:signed\s+)?"
    r"(?:\[(?P<msb>[^\]:]+):(?P<lsb>[^\]]+)\]\s*)?"
    r"(?P<name>[A-Za-z_]\w*)$")
_PARAM = re.compile(r"^(?:parameter|localparam)\s+(?:integer\s+|signed\s+)?(?:\[[^\]]*\]\s*)?"
                    r"(?P<name>[A-Za-z_]\w*)\s*=\s*(?P<value>.+)$", re.DOTALL)


def _group(text: str, start: int) -> int:
    """Index just past the bracket group that opens at text[start]."""
    pairs = {"(": ")", "[": "]", "{": "}"}
    stack = []
    for i in range(start, len(text)):
        c = text[i]
        if c in pairs:
            stack.append(pairs[c])
        elif c in pairs.values():
            if not stack or stack.pop() != c:
                raise ValueError(f"unbalanced {c!r} in the module header")
            if not stack:
                return i + 1
    raise ValueError("unterminated group in the module header")


def _split_top_level(text: str) -> list[str]:
    """Split at the commas outside (), [] and {}."""
    items, depth, current = [], 0, []
    for c in text:
        if c in "([{":
            depth += 1
        elif c in ")]}":
            depth -= 1
        if c == "," and depth == 0:
            items.append("".join(current))
            current = []
        else:
            current.append(c)
    items.append("".join(current))
    return [" ".join(item.split()) for item in items if item.strip()]


def _evaluate(expr: str, params: dict[str, str], _depth: int = 0) -> int:
    """An integer constant expression of a port width, with the parameters' defaults."""
    if _depth > 20:
        raise ValueError(f"parameters nest too deep in {expr!r}")
    tree = ast.parse(expr.replace("$clog2", "clog2").strip(), mode="eval")

    def ev(node):
        if isinstance(node, ast.Expression):
            return ev(node.body)
        if isinstance(node, ast.Constant) and isinstance(node.value, int):
            return node.value
        if isinstance(node, ast.Name) and node.id in params:
            return _evaluate(params[node.id], params, _depth + 1)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            return -ev(node.operand)
        if isinstance(node, ast.BinOp):
            a, b = ev(node.left), ev(node.right)
            ops = {ast.Add: a + b, ast.Sub: a - b, ast.Mult: a * b}
            if type(node.op) in ops:
                return ops[type(node.op)]
            if isinstance(node.op, (ast.Div, ast.FloorDiv)):
                return a // b
            if isinstance(node.op, ast.LShift):
                return a << b
            if isinstance(node.op, ast.RShift):
                return a >> b
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                and node.func.id == "clog2" and len(node.args) == 1):
            return max(0, (ev(node.args[0]) - 1).bit_length())
        raise ValueError(f"cannot evaluate {expr!r} (unsupported: {ast.dump(node)})")

    return ev(tree)


def _module_header(verilog: str, module: str) -> tuple[dict[str, str], str]:
    """``(parameters, ports)`` of `module`'s ANSI-style header: each parameter's default
    expression by name, and the text inside the port list's parentheses."""
    text = _COMMENTS.sub(" ", verilog)
    found = re.search(rf"\bmodule\s+{re.escape(module)}\b", text)
    if not found:
        raise ValueError(f"no module {module}")
    i = found.end()
    params: dict[str, str] = {}
    rest = text[i:].lstrip()
    i = len(text) - len(rest)
    if rest.startswith("#"):
        i = text.index("(", i)
        end = _group(text, i)
        for item in _split_top_level(_ATTRIBUTES.sub(" ", text[i + 1:end - 1])):
            m = _PARAM.match(item) or _PARAM.match("parameter " + item)
            if not m:
                raise ValueError(f"cannot read parameter {item!r}")
            params[m["name"]] = m["value"]
        i = end
    rest = text[i:].lstrip()
    i = len(text) - len(rest)
    if not rest.startswith("("):
        raise ValueError(f"module {module} has no port list")
    end = _group(text, i)
    if not text[end:].lstrip().startswith(";"):
        raise ValueError(f"module {module}'s header does not end with ';'")
    return params, text[i + 1:end - 1]


def parameter_defaults(verilog: str, module: str) -> dict[str, int]:
    """The default value of each parameter of `module`, evaluated."""
    params, _ = _module_header(verilog, module)
    return {name: _evaluate(value, params) for name, value in params.items()}


def parse_ports(verilog: str, module: str) -> dict[str, Port]:
    """Ports of `module` from its ANSI-style header: name -> Port(direction, width).

    Handles `#(...)` parameter lists, `(* ... *)` attributes, comments, `wire`/`reg`/
    `logic`, `signed`, ranges over parameters, and ANSI continuations
    (`input wire [7:0] a, b`). Raises ValueError for anything else (non-ANSI headers,
    unpacked arrays), so a header it cannot read fails the test instead of passing it.
    """
    params, port_text = _module_header(verilog, module)
    ports: dict[str, Port] = {}
    last = None  # (direction, width) of the declaration a bare name continues
    for item in _split_top_level(_ATTRIBUTES.sub(" ", port_text)):
        m = _DECL.match(item)
        if not m:
            raise ValueError(f"cannot read port declaration {item!r}")
        if m["dir"]:
            width = 1
            if m["msb"] is not None:
                width = abs(_evaluate(m["msb"], params) - _evaluate(m["lsb"], params)) + 1
            last = (m["dir"], width)
        elif last is None or m["msb"] is not None:
            raise ValueError(f"{item!r}: not an ANSI-style port declaration")
        if m["name"] in ports:
            raise ValueError(f"port {m['name']} declared twice")
        ports[m["name"]] = Port(*last)
    return ports


def interface_mismatches(ports: dict[str, Port], names=None) -> list[str]:
    """Every way `ports` differ from snn_core's interfaces `names` (default: all of them):
    missing ports, wrong direction or width."""
    expected = interfaces(core_ports())
    problems = []
    for interface in names if names is not None else expected:
        for suffix, (direction, width) in expected[interface].items():
            name = port_name(interface, suffix)
            port = ports.get(name)
            if port is None:
                problems.append(f"{name}: missing")
            elif port != (direction, width):
                problems.append(f"{name}: {port.direction} [{port.width}], expected {direction} [{width}]")
    return problems


# ------------------------------------------------------------------ the flow's text

def tcl_text() -> str:
    return TCL.read_text()


def tcl_code() -> str:
    """The Tcl without its comment lines (comments mention names the code does not use)."""
    return "\n".join(line for line in tcl_text().splitlines() if not line.lstrip().startswith("#"))


def tcl_setting(name: str) -> str:
    m = re.search(rf'^set\s+{name}\s+"?([^"\s]+)"?\s*$', tcl_code(), re.MULTILINE)
    assert m, f"build.tcl sets no {name}"
    return m.group(1)


def tcl_config() -> dict[str, list[str]]:
    """CONFIG.<name> {<value>} pairs of the flow's set_property calls."""
    config: dict[str, list[str]] = {}
    for name, value in re.findall(r"CONFIG\.(\w+)\s+\{([^}]*)\}", tcl_code()):
        config.setdefault(name, []).append(value)
    return config


def core_pins_in_tcl() -> set:
    """Names after `snn_core_0/` in the flow: the pins and interfaces it connects."""
    return set(re.findall(rf"\b{CORE_CELL}/(\w+)", tcl_code()))


def core_source() -> str:
    """The Verilog of whichever overlay/rtl/*.v defines snn_core."""
    pattern = re.compile(rf"^\s*module\s+{CORE_MODULE}\b", re.MULTILINE)
    sources = [p for p in sorted(RTL.glob("*.v")) if pattern.search(_COMMENTS.sub(" ", p.read_text()))]
    assert len(sources) == 1, (f"module {CORE_MODULE}, which the block design references, must be "
                               f"defined in exactly one overlay/rtl/*.v; found {sources}")
    return sources[0].read_text()


def core_ports() -> dict[str, Port]:
    """snn_core's ports."""
    return parse_ports(core_source(), CORE_MODULE)


# ------------------------------------------------------------------ paths, part, version

def test_every_repository_path_the_flow_reads_exists():
    calls = re.findall(r"\[repo_path\s+([^\]]+)\]", tcl_code())
    assert calls, "build.tcl names the files it reads with [repo_path ...]; found none"
    for call in calls:
        relative = Path(*call.split())
        if any(c in str(relative) for c in "*?["):
            assert sorted(ROOT.glob(str(relative))), f"[repo_path {call}] matches no file"
        else:
            assert (ROOT / relative).exists(), f"[repo_path {call}]: {relative} does not exist"
    assert "overlay rtl *.v" in calls, "the flow must add every overlay/rtl/*.v"


def test_the_flow_resolves_paths_from_its_own_folder():
    code = tcl_code()
    assert "[file dirname [info script]]" in code
    # no machine-specific absolute paths
    assert not re.search(r"[\"{\s](/home/|/tmp/|/opt/|/tools/|[A-Za-z]:[/\\])", code)


def test_part_board_and_vivado_version():
    assert tcl_setting("part") == PART
    assert tcl_setting("board_part") == BOARD_PART
    assert tcl_setting("vivado_version") == VIVADO
    assert tcl_setting("bd_name") == "snn"  # the basename of snn.bit / snn.hwh
    code = tcl_code()
    assert "version -short" in code
    assert "get_board_parts" in code


def test_the_flow_configures_the_ps_and_dma_as_specified():
    config = tcl_config()
    expected = {
        "PSU__USE__M_AXI_GP0": "1",        # M_AXI_HPM0_FPD: control
        "PSU__USE__S_AXI_GP2": "1",        # S_AXI_HP0_FPD: the DMA's DDR traffic
        "PSU__FPGA_PL0_ENABLE": "1",
        "PSU__OVERRIDE__BASIC_CLOCK": "0",  # else the board preset may ignore the PL clock asked for
        "PSU__USE__IRQ0": "1",             # pl_ps_irq0
        "c_include_sg": "0",
        "c_sg_length_width": "26",
        "c_include_mm2s": "1",
        "c_include_s2mm": "1",
        "c_addr_width": "40",              # HP0's whole address map
    }
    for name, value in expected.items():
        assert config.get(name) == [value], f"CONFIG.{name}: {config.get(name)}, expected {value}"
    # the clock the cycle figures assume, and the timing estimate checks with a margin
    assert float(tcl_setting("pl_clock_mhz")) == CLOCK_MHZ == 200.0


# ------------------------------------------------------------------ Verilog ports vs block design

def test_the_block_design_references_the_ip_by_module():
    assert re.search(rf"create_bd_cell\s+-type\s+module\s+-reference\s+{CORE_MODULE}\s+{CORE_CELL}\b",
                     tcl_code())


def test_the_block_design_connects_every_interface_of_the_ip():
    assert core_pins_in_tcl() == set(interfaces(core_ports()))


def test_the_ip_has_every_port_the_block_design_connects():
    ports = core_ports()
    assert interface_mismatches(ports, core_pins_in_tcl()) == []


def test_every_port_of_the_ip_belongs_to_a_connected_interface():
    # a port outside these interfaces would be left unconnected by the block design
    expected = {port_name(i, s) for i, suffixes in interfaces(core_ports()).items() for s in suffixes}
    assert set(core_ports()) - expected == set()


def test_the_verilog_defaults_are_the_default_build():
    # the block design instantiates snn_core with its defaults: they are the build the
    # driver, the emulated core and the capacity checks default to
    assert parameter_defaults(core_source(), CORE_MODULE) == DEFAULT_BUILD.verilog_parameters()


def test_the_dma_streams_match_the_ip_streams():
    ports, config = core_ports(), tcl_config()
    assert config["c_m_axis_mm2s_tdata_width"] == [str(ports["s_axis_tdata"].width)]
    assert config["c_s_axis_s2mm_tdata_width"] == [str(ports["m_axis_tdata"].width)]
    assert ports["m_axis_tkeep"].width * 8 == ports["m_axis_tdata"].width


def test_the_parser_reads_the_ip_header():
    ports = parse_ports(core_source(), CORE_MODULE)
    assert interface_mismatches(ports) == []
    assert ports["s_axi_araddr"] == Port("input", 12)  # the 4 KiB window the block design assigns
    assert ports["s_axi_wstrb"] == Port("input", 4)
    assert len(ports) == 2 + 19 + 4 + 5 + 1
    assert interfaces(ports)["s_axis"] == {"tdata": Port("input", 32), "tvalid": Port("input", 1),
                                           "tready": Port("output", 1), "tlast": Port("input", 1)}


PARSER_FEATURES = """
`default_nettype none
module demo #(
    parameter integer DATA_W = 32,  // a comment, with a comma
    parameter integer ADDR_W = $clog2(256)
) (
    (* X_INTERFACE_INFO = "xilinx.com:signal:clock:1.0 clk CLK" *)
    input  wire              clk,
    input  wire [ADDR_W-1:0] wr_addr, rd_addr,
    input  wire [DATA_W/8-1:0] strobe,
    /* level */ output reg   done
);
endmodule
"""


def test_the_parser_reads_attributes_continuations_and_parameter_widths():
    ports = parse_ports(PARSER_FEATURES, "demo")
    assert ports["rd_addr"] == Port("input", 8)      # continuation of an ANSI declaration
    assert ports["strobe"] == Port("input", 4)       # width over parameters
    assert ports["done"] == Port("output", 1)
    assert parameter_defaults(PARSER_FEATURES, "demo") == {"DATA_W": 32, "ADDR_W": 8}


@pytest.mark.parametrize("change, problem", [
    (("output wire [31:0] m_axis_tdata", "output wire [63:0] m_axis_tdata"),
     "m_axis_tdata: output [64], expected output [32]"),
    (("input  wire [31:0] s_axis_tdata", "input  wire [63:0] s_axis_tdata"),
     "s_axis_tdata: input [64], expected input [32]"),
    (("output wire [3:0]  m_axis_tkeep,\n", ""), "m_axis_tkeep: missing"),
    (("output wire        s_axis_tready", "input  wire        s_axis_tready"),
     "s_axis_tready: input [1], expected output [1]"),
    (("input  wire [11:0] s_axi_awaddr", "input  wire [7:0]  s_axi_awaddr"),
     "s_axi_awaddr: input [8], expected input [12]"),
])
def test_the_check_fails_on_a_mismatched_port(change, problem):
    old, new = change
    header = core_source()
    assert old in header
    ports = parse_ports(header.replace(old, new, 1), CORE_MODULE)
    assert problem in interface_mismatches(ports)


def test_the_parser_refuses_what_it_cannot_read():
    with pytest.raises(ValueError):
        parse_ports("module snn_core(aclk, irq); input aclk; output irq; endmodule", "snn_core")
    with pytest.raises(ValueError):
        parse_ports("module other(input wire a); endmodule", "snn_core")


# ------------------------------------------------------------------ Tcl syntax

def bracket_problems(text: str) -> list[str]:
    """Unbalanced {} / [] (outside backslash escapes), with line numbers."""
    pairs = {"{": "}", "[": "]"}
    stack, problems = [], []
    line, i = 1, 0
    while i < len(text):
        c = text[i]
        if c == "\\":
            i += 2
            continue
        if c == "\n":
            line += 1
        elif c in pairs:
            stack.append((c, line))
        elif c in pairs.values():
            if not stack:
                problems.append(f"line {line}: {c!r} closes nothing")
            else:
                opened, at = stack.pop()
                if pairs[opened] != c:
                    problems.append(f"line {line}: {c!r} closes {opened!r} of line {at}")
        i += 1
    problems += [f"line {at}: {c!r} never closed" for c, at in stack]
    return problems


def test_tcl_braces_and_brackets_balance():
    assert bracket_problems(tcl_text()) == []
    assert bracket_problems("proc a {} {\n  set x [list 1 2\n}\n")  # the check can fail


needs_tclsh = pytest.mark.skipif(shutil.which("tclsh") is None, reason="tclsh is not installed")


@needs_tclsh
def test_tclsh_reads_the_flow_as_complete_commands():
    script = 'set f [open [lindex $argv 0]]; set t [read $f]; close $f; puts [info complete $t]'
    out = subprocess.run(["tclsh"], check=False, input=script.replace("[lindex $argv 0]", "{" + str(TCL) + "}"),
                         capture_output=True, text=True, timeout=30)
    assert out.stdout.strip() == "1", out.stderr


# The dry run: every Vivado command the flow may call is a stand-in that records its
# arguments and returns what the flow needs; any other unknown command is an error.
VIVADO_COMMANDS = [
    "version", "create_project", "current_project", "get_board_parts", "set_property", "set_param",
    "get_property", "add_files", "update_compile_order", "get_files", "current_fileset",
    "create_bd_design", "create_bd_cell", "apply_bd_automation", "get_ipdefs", "get_bd_cells",
    "get_bd_pins", "get_bd_intf_pins", "get_bd_addr_spaces", "get_bd_addr_segs", "connect_bd_net",
    "connect_bd_intf_net", "assign_bd_address", "validate_bd_design", "save_bd_design",
    "generate_target", "make_wrapper", "launch_runs", "wait_on_run", "get_runs", "open_run",
    "report_utilization", "report_timing_summary",
]

HARNESS = r"""
set mock(commands) {@COMMANDS@}
set mock(calls) [open [file join $mock(dir) calls.txt] w]
proc unknown {cmd args} {
    global mock
    if {[lsearch -exact $mock(commands) $cmd] < 0} {
        error "invalid command name \"$cmd\""
    }
    puts $mock(calls) [join [concat [list $cmd] $args] "\x1f"]
    set source [lsearch -exact $args CONFIG.PSU__CRL_APB__PL0_REF_CTRL__SRCSEL]
    if {$cmd eq "set_property" && $source >= 0} { set mock(pll_source) [lindex $args [expr {$source + 1}]] }
    set dict [lsearch -exact $args -dict]
    if {$cmd eq "set_property" && $dict >= 0} {
        set pairs [lindex $args [expr {$dict + 1}]]
        if {[dict exists $pairs CONFIG.PSU__CRL_APB__PL0_REF_CTRL__SRCSEL]} {
            set mock(pll_source) [dict get $pairs CONFIG.PSU__CRL_APB__PL0_REF_CTRL__SRCSEL]
        }
    }
    switch -- $cmd {
        version { return $mock(version) }
        get_board_parts { return $mock(board_parts) }
        get_ipdefs { return [string map {* 9.9} [lindex $args end]] }
        get_property {
            set name [lindex $args end-1]
            switch -- $name {
                VLNV { return [lindex $args end] }
                PROGRESS { return 100% }
                STATUS { return "Complete!" }
                STATS.WNS { return $mock(wns) }
                STATS.WHS { return 0.010 }
                DIRECTORY { return $mock(run_dir) }
                CONFIG.PSU__CRL_APB__PL0_REF_CTRL__ACT_FREQMHZ {
                    # the PS's answer: only the last PLL asked for makes 200 MHz
                    return [expr {$mock(pll_source) eq $mock(good_pll) ? "199.998" : "187.5"}]
                }
                default { return "" }
            }
        }
        create_bd_cell - get_bd_cells - get_bd_pins - get_bd_intf_pins - get_bd_addr_spaces -
        get_bd_addr_segs - get_files - get_runs { return [lindex $args end] }
        make_wrapper { return [file join $mock(dir) snn_wrapper.v] }
        report_utilization - report_timing_summary {
            set f [open [lindex $args [expr {[lsearch -exact $args -file] + 1}]] w]
            puts $f "mock report"
            close $f
            return ""
        }
        default { return "" }
    }
}
set argv $mock(argv)
set argc [llength $argv]
set failed [catch {source $mock(script)} message]
close $mock(calls)
if {$failed} { puts "FLOW-ERROR: $message"; exit 3 }
exit 0
"""


def dry_run(tmp_path, board=True, version=VIVADO, wns="0.250", good_pll="RPLL", board_repo=None):
    out_dir, proj_dir, run_dir = tmp_path / "out", tmp_path / "proj", tmp_path / "proj" / "impl_1"
    hwh = proj_dir / "snn_overlay.gen" / "sources_1" / "bd" / "snn" / "hw_handoff" / "snn.hwh"
    hwh.parent.mkdir(parents=True)
    hwh.write_text("<hwh/>")
    run_dir.mkdir()
    (run_dir / "snn_wrapper.bit").write_bytes(b"bit")
    settings = {
        "dir": tmp_path, "script": TCL, "version": version, "wns": wns, "run_dir": run_dir,
        "good_pll": good_pll, "pll_source": "",
        "board_parts": f"xilinx.com:zcu104:part0:1.1 {BOARD_PART}" if board else "xilinx.com:zcu104:part0:1.1",
    }
    lines = [f"set mock({k}) {{{v}}}" for k, v in settings.items()]
    lines.append(f"set mock(argv) [list {{{out_dir}}} 2 {{{proj_dir}}}]")
    script = "\n".join(lines) + HARNESS.replace("@COMMANDS@", " ".join(VIVADO_COMMANDS))
    env = {key: value for key, value in os.environ.items() if key != "SNN_BOARD_REPO"}
    if board_repo is not None:
        env["SNN_BOARD_REPO"] = str(board_repo)
    result = subprocess.run(["tclsh"], check=False, input=script, capture_output=True, text=True, timeout=60,
                            env=env)
    calls = [line.split("\x1f") for line in (tmp_path / "calls.txt").read_text().splitlines()]
    return result, calls, out_dir


@needs_tclsh
def test_dry_run_builds_the_block_design_and_exports_the_pair(tmp_path):
    result, calls, out_dir = dry_run(tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    names = [c[0] for c in calls]
    for command in ["create_project", "add_files", "create_bd_design", "validate_bd_design",
                    "make_wrapper", "launch_runs", "open_run"]:
        assert command in names
    assert ["create_project", "-force", "snn_overlay", str(tmp_path / "proj"), "-part", PART] in calls
    assert ["set_property", "board_part", BOARD_PART, ""] in calls
    assert "apply_bd_automation" in names  # the board's PS preset
    added = next(c for c in calls if c[0] == "add_files" and "sources_1" in c)
    assert sorted(Path(p).name for p in added[-1].split()) == sorted(p.name for p in RTL.glob("*.v"))
    # what the flow connects to snn_core_0, as executed
    connected = {arg.split("/")[1] for c in calls if c[0].startswith("connect_bd")
                 for arg in c[1:] if arg.startswith(CORE_CELL + "/")}
    assert connected == set(interfaces(core_ports()))
    assert ["connect_bd_intf_net", "axi_dma_0/M_AXIS_MM2S", "snn_core_0/s_axis"] in calls
    assert ["connect_bd_intf_net", "snn_core_0/m_axis", "axi_dma_0/S_AXIS_S2MM"] in calls
    # one interrupt line, the one PYNQ delivers without an interrupt controller
    assert ["connect_bd_net", "snn_core_0/irq", "zynq_ultra_ps_e_0/pl_ps_irq0"] in calls
    assert not any("introut" in arg for c in calls for arg in c)
    # the PL clock: the preset's override cleared, then 200 MHz asked of each PLL until one makes it
    override = calls.index(["set_property", "CONFIG.PSU__OVERRIDE__BASIC_CLOCK", "0", "zynq_ultra_ps_e_0"])
    asked = [i for i, c in enumerate(calls) if c[0] == "set_property" and "PL0_REF_CTRL__FREQMHZ" in c[2]]
    assert asked and min(asked) > override and len(asked) == 2  # IOPLL gives 187.5, RPLL 200
    assert "CONFIG.PSU__CRL_APB__PL0_REF_CTRL__FREQMHZ 200" in calls[asked[-1]][2]
    assert "pl_clk0 at 199.998 MHz from RPLL" in result.stdout
    # the register windows: the DMA's 64 KiB, the 4 KiB snn_core decodes
    windows = {c[-1]: c[c.index("-range") + 1] for c in calls if c[0] == "assign_bd_address" and "-range" in c}
    assert windows == {"axi_dma_0/S_AXI_LITE/*": "64K", "snn_core_0/s_axi/*": "4K"}
    assert ["launch_runs", "impl_1", "-jobs", "2", "-to_step", "write_bitstream"] in calls
    assert (out_dir / "snn.bit").read_bytes() == b"bit"
    assert (out_dir / "snn.hwh").read_text() == "<hwh/>"
    assert (out_dir / "snn_utilization.rpt").exists() and (out_dir / "snn_timing.rpt").exists()
    assert "WARNING" not in result.stdout


@needs_tclsh
def test_dry_run_without_board_files_uses_the_bare_part(tmp_path):
    result, calls, out_dir = dry_run(tmp_path, board=False, version="2023.2")
    assert result.returncode == 0, result.stdout + result.stderr
    names = [c[0] for c in calls]
    assert "apply_bd_automation" not in names
    assert not any(c[:2] == ["set_property", "board_part"] for c in calls)
    assert "bare part" in result.stdout
    assert "WARNING: this is Vivado 2023.2" in result.stdout
    assert (out_dir / "snn.bit").exists()


@needs_tclsh
def test_dry_run_stops_when_no_pll_makes_the_pl_clock(tmp_path):
    result, _, out_dir = dry_run(tmp_path, good_pll="none")
    assert result.returncode == 3
    assert "no PS PLL gives pl_clk0 200 MHz" in result.stdout
    assert not (out_dir / "snn.bit").exists()


@needs_tclsh
def test_dry_run_adds_the_board_repository_named_in_the_environment(tmp_path):
    result, calls, _ = dry_run(tmp_path, board_repo=tmp_path / "bdf")
    assert result.returncode == 0, result.stdout + result.stderr
    assert ["set_param", "board.repoPaths", str(tmp_path / "bdf")] in calls


@needs_tclsh
def test_dry_run_refuses_a_bitstream_that_misses_timing(tmp_path):
    result, _, out_dir = dry_run(tmp_path, wns="-0.125")
    assert result.returncode == 3
    assert "timing not met" in result.stdout
    assert not (out_dir / "snn.bit").exists() and not (out_dir / "snn.hwh").exists()
    assert (out_dir / "snn_timing.rpt").exists()
