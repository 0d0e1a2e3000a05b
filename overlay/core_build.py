"""One build of the SNN core IP: the six Verilog parameters it is synthesized with.

``snn_core`` (``rtl/snn_core.v``) fixes its memories and its datapath at synthesis time
with ``LANES``, ``NEURONS``, ``FAN_IN``, ``WEIGHT_WORDS``, ``LAYERS`` and ``BANKS``, and
reports them in its capability registers. :class:`CoreBuild` holds them in the IP's own units, checks them
by the Verilog's rules, and derives what the rest of the package needs: the capacity
a network is checked against (``capacity.py``), the emulated core's registers and
checks, the Verilog parameters of a simulation build, and the build a driver reads
back from a device.

How a network occupies the memories (``REGISTERS.md``, "Capacity parameters"): a
layer with ``n_in`` inputs and ``n_out`` neurons takes ``R = ceil(n_out / LANES)``
state words of ``LANES`` states, and ``n_in * R`` weight words of ``LANES`` 4-bit
weights, every row of fan-out weights padded to whole words.

Two widths are separate (``REGISTERS.md``, "Cycle model"): ``LANES`` neurons are updated
per cycle (the DSP-heavy part), and ``BANKS * LANES`` weights are accumulated per cycle
(block RAM ports and adders), so an input spike costs ``ceil(R / BANKS)`` cycles.

>>> DEFAULT_BUILD.synapses, DEFAULT_BUILD.state_words, row_words(10, DEFAULT_BUILD.lanes)
(524288, 64, 1)
>>> DEFAULT_BUILD.weights_per_cycle, DEFAULT_BUILD.chunks(32)
(256, 2)
>>> CoreBuild(lanes=8, neurons=64, fan_in=64, weight_words=384, layers=4, banks=4).verilog_parameters()
{'LANES': 8, 'NEURONS': 64, 'FAN_IN': 64, 'WEIGHT_WORDS': 384, 'LAYERS': 4, 'BANKS': 4}
"""
from __future__ import annotations

from dataclasses import astuple, dataclass, fields
from numbers import Integral
from typing import Callable, Dict

from . import formats
from . import registers as reg

#: 4-bit weights per 32-bit stream word: a weight word is sent as ``LANES / 8`` of them.
WEIGHTS_PER_WORD = reg.STREAM_BITS // formats.WEIGHT_BITS
#: Spikes per 32-bit word of the spike buffers (raster and input words).
SPIKES_PER_WORD = reg.STREAM_BITS
#: The capability registers are 32 bits wide.
REGISTER_MAX = 2 ** 32 - 1
#: ``n_in`` is a 16-bit descriptor field.
FAN_IN_MAX = 2 ** 16 - 1
#: The image header's layer count is 8 bits wide.
LAYERS_MAX = 2 ** 8 - 1


def ceil_div(a: int, b: int) -> int:
    """``ceil(a / b)`` for integers ``a >= 0`` and ``b >= 1``: words needed for ``a`` items, ``b`` a word."""
    return -(-a // b)


def row_words(n_out: int, lanes: int) -> int:
    """``R = ceil(n_out / lanes)``: a layer's state words, and the weight words of each of its input rows."""
    return ceil_div(n_out, lanes)


def padded(n_out: int, lanes: int) -> int:
    """``R * lanes``: a layer's neurons as the memories store them, padded to whole words of ``lanes``."""
    return row_words(n_out, lanes) * lanes


def _is_int(value: object) -> bool:
    return isinstance(value, Integral) and not isinstance(value, bool)


def check_lanes(lanes: int) -> int:
    """Return ``lanes`` as an int, or raise ValueError unless it is a power of two, at least 8.

    ``LANES`` is the weights of one weight-memory word and the neurons updated per cycle.
    A weight word is sent as whole 32-bit stream words of 8 weights, and the core divides
    by ``LANES`` with a shift (``rtl/snn_core.v``, ``LSH``).
    """
    if not _is_int(lanes) or lanes < WEIGHTS_PER_WORD or lanes & (lanes - 1):
        raise ValueError(
            f"capacity lanes must be a positive multiple of {WEIGHTS_PER_WORD} and a power of two (a "
            f"weight word is sent as whole {reg.STREAM_BITS}-bit stream words of {WEIGHTS_PER_WORD} "
            f"weights, and the IP divides by LANES with a shift), got {lanes!r}"
        )
    return int(lanes)


def check_banks(banks: int) -> int:
    """Return ``banks`` as an int, or raise ValueError unless it is a power of two, at least 1.

    ``BANKS`` is the weight-memory words read per cycle: the weight memory is split into
    ``BANKS`` block-RAM banks, word ``a`` in bank ``a mod BANKS``, so the core finds a word's
    bank with a mask (``rtl/snn_synapse_fetch.v``).
    """
    if not _is_int(banks) or banks < 1 or banks & (banks - 1):
        raise ValueError(
            "capacity banks must be a power of two, at least 1 (the weight memory's words are "
            f"spread over the banks by the low bits of their address), got {banks!r}"
        )
    return int(banks)


@dataclass(frozen=True)
class CoreBuild:
    """The Verilog parameters of one build of ``snn_core``; the defaults are the default build.

    The default build is sized for the ZU3EG of the Ultra96-V2: its weight memory of
    512 Ki 4-bit weights takes 2 Mbit of the 7.6 Mbit of block RAM, and it holds the
    784-512-10 MNIST topology with 4-bit weights.

    Attributes:
        lanes: ``LANES``, neurons updated per cycle and 4-bit weights per weight-memory word:
            a power of two, at least 8.
        neurons: ``NEURONS``, state entries over all layers (each layer padded to whole words
            of ``lanes``), and the most neurons of one layer (the spike buffers' width): a
            multiple of 32 and of ``lanes``.
        fan_in: ``FAN_IN``, inputs of one layer, the first layer's input channels included.
        weight_words: ``WEIGHT_WORDS``, words of ``lanes`` 4-bit weights in the weight memory.
        layers: ``LAYERS``, layers with weights (the input is not a layer), at most 255.
        banks: ``BANKS``, weight-memory words read per cycle (the accumulation width is
            ``banks * lanes`` weights per cycle): a power of two, at least 1.

    Every parameter is an integer in [1, 2**32) (the capability registers are 32 bits),
    ``fan_in`` at most 65535; ValueError otherwise, or where a rule above is broken.
    """

    lanes: int = 16
    neurons: int = 1024
    fan_in: int = 1024
    weight_words: int = 32768
    layers: int = 8
    banks: int = 16

    def __post_init__(self) -> None:
        for field in fields(self):
            value = getattr(self, field.name)
            if not _is_int(value) or value < 1:
                raise ValueError(f"capacity {field.name} must be an integer >= 1, got {value!r}")
            if value > REGISTER_MAX:
                raise ValueError(f"capacity {field.name} must fit its 32-bit capability register, got {value}")
            object.__setattr__(self, field.name, int(value))
        check_lanes(self.lanes)
        check_banks(self.banks)
        if self.fan_in > FAN_IN_MAX:
            raise ValueError(f"capacity fan_in must be at most {FAN_IN_MAX} (n_in is a 16-bit field), got {self.fan_in}")
        if self.layers > LAYERS_MAX:
            raise ValueError(f"capacity layers must be at most {LAYERS_MAX} (the image header's count is 8 bits), "
                             f"got {self.layers}")
        if self.neurons % SPIKES_PER_WORD or self.neurons % self.lanes:
            raise ValueError(
                f"capacity neurons must be a multiple of {SPIKES_PER_WORD} and of lanes ({self.lanes}): the spike "
                f"buffers are read in {SPIKES_PER_WORD}-bit words and the states in words of lanes, got {self.neurons}"
            )

    @property
    def synapses(self) -> int:
        """4-bit weights the weight memory holds: ``weight_words * lanes``."""
        return self.weight_words * self.lanes

    @property
    def weights_per_cycle(self) -> int:
        """The accumulation width: 4-bit weights read and added per cycle, ``banks * lanes``."""
        return self.banks * self.lanes

    def chunks(self, rows: int) -> int:
        """Cycles one input spike costs a layer of ``rows`` state words: ``ceil(rows / banks)``."""
        return ceil_div(rows, self.banks)

    @property
    def state_words(self) -> int:
        """Words of ``lanes`` states the state memory holds: ``neurons / lanes``."""
        return self.neurons // self.lanes

    @property
    def neurons_per_layer(self) -> int:
        """The most neurons of one layer: the spike buffers hold ``neurons`` bits."""
        return self.neurons

    @property
    def steps(self) -> int:
        """The most timesteps per sample (``CAP_STEPS``): the ``STEPS`` register's 16 bits, 65535."""
        return formats.STEPS_MAX

    def verilog_parameters(self) -> Dict[str, int]:
        """The build as ``snn_core``'s parameters: ``{"LANES": lanes, "NEURONS": neurons, ...}``."""
        return {field.name.upper(): value for field, value in zip(fields(self), astuple(self))}

    def capability_registers(self) -> Dict[int, int]:
        """What the build's capability registers read: byte offset -> value (``CAP_STEPS`` included)."""
        values = {offset: getattr(self, name) for name, offset in CAPABILITY_REGISTERS.items()}
        values[reg.CAP_STEPS] = self.steps
        return values

    @classmethod
    def from_registers(cls, read: Callable[[int], int]) -> "CoreBuild":
        """The build a device reports: ``read(offset)`` of each capability register.

        Raises ValueError if the registers describe no valid build.
        """
        return cls(**{name: read(offset) for name, offset in CAPABILITY_REGISTERS.items()})


#: The capability register of each build parameter.
CAPABILITY_REGISTERS: Dict[str, int] = {
    "lanes": reg.CAP_LANES,
    "neurons": reg.CAP_NEURONS,
    "fan_in": reg.CAP_FAN_IN,
    "weight_words": reg.CAP_WEIGHT_WORDS,
    "layers": reg.CAP_LAYERS,
    "banks": reg.CAP_BANKS,
}

#: The default build, for the Ultra96-V2 (the Verilog parameters' defaults).
DEFAULT_BUILD = CoreBuild()
