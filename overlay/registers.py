"""Register map of the SNN core IP: offsets and bit fields of ``REGISTERS.md``.

Every register is 32 bits wide; offsets are byte offsets on the IP's AXI4-Lite
slave. The constants below are the numbers of that page and nothing else, so the
driver, the tests and the RTL bench read one source. ``describe_errors`` turns the
``ERROR`` register into sentences.
"""
from __future__ import annotations

from typing import Dict, List, Tuple

from . import formats

# --- identity -------------------------------------------------------------------
#: ``ID`` (RO): ASCII "SNNC".
ID = 0x00
ID_VALUE = 0x534E4E43
#: ``VERSION`` (RO): [23:16] major, [15:8] minor, [7:0] patch.
VERSION = 0x04
VERSION_VALUE = 0x00010100

# --- control and status -----------------------------------------------------------
#: ``CTRL`` (WO, reads 0): write 1 to a bit to act.
CTRL = 0x08
CTRL_RUN = 1 << 0
CTRL_LOAD = 1 << 1
CTRL_SOFT_RESET = 1 << 2

#: ``STATUS`` (RO).
STATUS = 0x0C
STATUS_BUSY = 1 << 0
STATUS_DONE = 1 << 1
STATUS_LOADED = 1 << 2
#: The ``ERROR`` register is non-zero.
STATUS_ERROR = 1 << 3

#: ``ERROR`` (R/W1C): error flags, see :data:`ERROR_BITS`.
ERROR = 0x10
#: ``IER`` (RW): bit 0 enables the interrupt on done.
IER = 0x14
IER_DONE = 1 << 0
#: ``ISR`` (R/W1C): bit 0, a command ended (done or error). ``irq = IER[0] & ISR[0]``.
ISR = 0x18
ISR_DONE = 1 << 0

#: ``OUT_MODE`` (RW, reset ``OUT_RASTER``): the output stream's sections.
OUT_MODE = 0x1C
OUT_RASTER = 1 << 0
OUT_COUNTS = 1 << 1
OUT_STATES = 1 << 2
#: Every valid OUT_MODE value lies in [0, OUT_MODE_MAX].
OUT_MODE_MAX = OUT_RASTER | OUT_COUNTS | OUT_STATES

#: ``STEPS`` (RW, reset 1): [15:0] timesteps per sample, at most the contract's ``formats.STEPS_MAX``.
STEPS = 0x20
STEPS_MAX = formats.STEPS_MAX
#: ``SAMPLES`` (RW, reset 1): [15:0] samples per ``RUN``.
SAMPLES = 0x24
SAMPLES_MAX = 0xFFFF

#: Active cycles of the last command (64 bits over two registers), stream waits excluded.
CYCLES_LO = 0x28
CYCLES_HI = 0x2C
#: Cycles the last command waited on a stream (64 bits over two registers).
STALLS_LO = 0x30
STALLS_HI = 0x34
#: Samples finished by the last ``RUN``.
SAMPLES_DONE = 0x38

# --- capability (RO, fixed at synthesis) -------------------------------------------
#: ``CAP_BANKS``: weight-memory words read per cycle (``BANKS * LANES`` weights accumulated per cycle).
CAP_BANKS = 0x3C
CAP_LANES = 0x40
CAP_NEURONS = 0x44
CAP_FAN_IN = 0x48
CAP_WEIGHT_WORDS = 0x4C
CAP_LAYERS = 0x50
CAP_STEPS = 0x54
#: ``CAP_MODELS``: bit ``code`` is set when the build runs the neuron model of that hardware
#: code (``overlay/neurons``: ``NeuronModel.capability_bit``).
CAP_MODELS = 0x58
#: Width of both streams' TDATA, in bits (32).
CAP_STREAM_BITS = 0x5C

# --- the loaded network (RO) -----------------------------------------------------
NET_LAYERS = 0x60
NET_INPUTS = 0x64
NET_OUTPUTS = 0x68
NET_WEIGHT_WORDS = 0x6C
NET_STATE_WORDS = 0x70

# --- error flags -------------------------------------------------------------------
#: ``ERROR`` bits in bit order: bit index -> (name, when it is raised and its effect).
ERROR_BITS: Dict[int, Tuple[str, str]] = {
    0: ("BUSY_START", "RUN or LOAD written while BUSY; ignored, the running command goes on"),
    1: ("HEADER", "the image's first word lacks the magic 0x534E4E, or declares 0 layers; load refused"),
    2: ("CAPACITY", "the image exceeds LAYERS, NEURONS (per layer or in all), FAN_IN or WEIGHT_WORDS; "
                    "load refused"),
    3: ("PARAM", "a descriptor field out of range, a layer's n_in differs from the n_out before it, "
                 "STEPS or SAMPLES is 0, or RUN and LOAD were written together; load or run refused"),
    4: ("SHORT", "TLAST came before the last word the command expects; the command ended"),
    5: ("LONG", "no TLAST on the last word the command expects; the rest was consumed up to TLAST "
                "and dropped"),
    6: ("NOT_LOADED", "RUN while no network is loaded completely; run refused"),
}
ERR_BUSY_START = 1 << 0
ERR_HEADER = 1 << 1
ERR_CAPACITY = 1 << 2
ERR_PARAM = 1 << 3
ERR_SHORT = 1 << 4
ERR_LONG = 1 << 5
ERR_NOT_LOADED = 1 << 6

# --- stream formats ------------------------------------------------------------------
#: First word of a network image: ``IMAGE_MAGIC | n_layers`` (bits [31:8] are "SNN").
IMAGE_MAGIC = 0x534E4E00
#: Largest layer count the header's bits [7:0] can declare.
IMAGE_LAYERS_MAX = 0xFF
#: Descriptor words per layer in a network image.
DESCRIPTOR_WORDS = 8
#: Bits per stream word (TDATA width).
STREAM_BITS = 32


def describe_errors(value: int) -> List[str]:
    """The ``ERROR`` register as sentences, lowest bit first.

    Args:
        value: the register, an integer in [0, 2**32).

    Returns:
        One ``"NAME: meaning"`` string per set bit, e.g.
        ``["CAPACITY: the image exceeds LAYERS, ..."]``; an empty list for 0. A set bit
        the map does not define reads ``"bit N: undefined ..."``.
    """
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value < 1 << 32:
        raise ValueError(f"an ERROR register value must be an integer in [0, 2**32), got {value!r}")
    found = []
    for bit in range(32):
        if value >> bit & 1:
            if bit in ERROR_BITS:
                name, meaning = ERROR_BITS[bit]
                found.append(f"{name}: {meaning}")
            else:
                found.append(f"bit {bit}: undefined in the register map (reserved bits read 0)")
    return found
