"""A register-level model of the SNN core IP: the real driver runs against it on any machine.

:class:`EmulatedCore` answers the IP's AXI4-Lite registers and its DMA round trips as
``REGISTERS.md`` and the RTL (``rtl/snn_core.v``) do. It is the control plane only:
registers, command state, stream parsing and checks, error flags and output packing
(the core's side of the streams, ``core_io.py``), and the ``CYCLES`` registers, which
come from the cycle model (``cycles.py``). The
arithmetic is the functional emulator's, :func:`~.emulator.emulate_layers`.

Where the model differs from the hardware, by design:

* :meth:`EmulatedCore.stream` delivers a transfer whole, and the command waiting for
  it runs to its end at once. Nothing ever waits on a stream, so ``STALLS`` reads 0,
  and a ``SOFT_RESET`` cannot cut a transfer in the middle: one written while a
  command waits for its stream ends the command before it takes any word.
* ``CYCLES`` equals the IP's, for refused and cut commands too. While a command waits
  for its stream it reads what the IP counts before the wait: 1 (the start), plus the
  first sample's state reset for a ``RUN``; a ``SOFT_RESET`` sent sooner than the IP
  gets there finds the IP's count lower.
* An image the IP would load but the emulator cannot run, because it leaves the
  artifact's formats (a weight of -8, an Izhikevich weight shift ``Q - F`` outside
  [-8, 15], a layer beyond the accumulator bound), makes
  :meth:`~EmulatedCore.stream` raise ArtifactError and leaves the core as it was.
"""
from __future__ import annotations

from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np

from . import core_io, cycles, stream
from . import registers as reg
from .artifact import Artifact
from .core_build import DEFAULT_BUILD, SPIKES_PER_WORD, CoreBuild, ceil_div, row_words
from .emulator import emulate_layers
from .neurons import ALL_MODELS_MASK
from .working_set import WORKING_SET_BYTES

#: Registers are 32 bits wide.
WORD_MASK = 0xFFFFFFFF
#: Byte offsets the IP decodes (its AXI4-Lite address is 12 bits wide: a 4 KiB window).
ADDRESS_SPACE = 0x1000
#: Bits of the ``STEPS`` and ``SAMPLES`` registers.
COUNT_MASK = 0xFFFF
#: The emulator's share of the working set (``working_set.py``): the rest holds the stream
#: words of a RUN, their spikes unpacked (a byte a spike) and the output raster.
EMULATOR_BYTES = WORKING_SET_BYTES // 4


def _check_offset(offset: int) -> int:
    if not isinstance(offset, (int, np.integer)) or isinstance(offset, bool) or not (
            0 <= offset < ADDRESS_SPACE and offset % 4 == 0):
        raise ValueError(f"a register offset must be a multiple of 4 in [0, {ADDRESS_SPACE:#x}), got {offset!r}")
    return int(offset)


def _check_value(value: int) -> int:
    if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or not 0 <= value <= WORD_MASK:
        raise ValueError(f"a register value must be an integer in [0, 2**32), got {value!r}")
    return int(value)


class EmulatedCore:
    """The SNN core IP behind its registers and its two streams, computing with the emulator.

    Control plane only: registers with their access rules and reset values, the
    ``RUN``/``LOAD``/``SOFT_RESET`` commands, the checks of network images and input
    streams with their error flags, the output stream and ``CYCLES``. The arithmetic
    is :func:`~.emulator.emulate_layers`'s. It is a driver ``Port``: ``read``, ``write``,
    ``stream``, ``reset_streams``.

    Args:
        build: the IP's Verilog parameters, which the ``CAP_*`` registers report and the
            checks of network images follow (default: the default build).
    """

    def __init__(self, build: CoreBuild = DEFAULT_BUILD) -> None:
        if not isinstance(build, CoreBuild):
            raise TypeError(f"build must be a CoreBuild, got {type(build).__name__}")
        self.build = build
        self._fixed = {
            reg.ID: reg.ID_VALUE, reg.VERSION: reg.VERSION_VALUE, **build.capability_registers(),
            reg.CAP_MODELS: ALL_MODELS_MASK, reg.CAP_STREAM_BITS: reg.STREAM_BITS,
        }
        self.reset()

    def reset(self) -> None:
        """A hardware reset (``aresetn`` low): every register to its reset value, idle and
        nothing loaded. The memories keep their contents, but with ``LOADED`` clear a ``RUN``
        is refused (``NOT_LOADED``) until the next ``LOAD``."""
        self._waiting: Optional[int] = None  # CTRL_RUN or CTRL_LOAD: BUSY, waiting for its stream
        self._errors = 0
        self._done = self._isr = self._ier = False
        self._out_mode, self._steps, self._samples = reg.OUT_RASTER, 1, 1
        self._cycles = self._samples_done = 0
        self._network: Optional[Artifact] = None

    @property
    def irq(self) -> bool:
        """The level interrupt: ``IER[0] & ISR[0]``."""
        return self._ier and self._isr

    # --- registers ------------------------------------------------------------------

    def read(self, offset: int) -> int:
        """The 32-bit register at byte ``offset`` (a multiple of 4 below 0x100, else
        ValueError). ``CTRL`` and unlisted offsets read 0; ``NET_*`` read 0 when nothing
        is loaded."""
        return self._registers().get(_check_offset(offset), 0)

    def _registers(self) -> Dict[int, int]:
        status = ((reg.STATUS_BUSY if self._waiting else 0) | (reg.STATUS_DONE if self._done else 0)
                  | (reg.STATUS_LOADED if self._network is not None else 0) | (reg.STATUS_ERROR if self._errors else 0))
        values = dict(self._fixed)
        values.update({
            reg.STATUS: status, reg.ERROR: self._errors, reg.IER: int(self._ier), reg.ISR: int(self._isr),
            reg.OUT_MODE: self._out_mode, reg.STEPS: self._steps, reg.SAMPLES: self._samples,
            reg.CYCLES_LO: self._cycles & WORD_MASK, reg.CYCLES_HI: self._cycles >> 32,
            reg.STALLS_LO: 0, reg.STALLS_HI: 0, reg.SAMPLES_DONE: self._samples_done,
        })
        if self._network is not None:
            rows = self._rows()
            values.update({
                reg.NET_LAYERS: len(rows), reg.NET_INPUTS: self._network.n_inputs,
                reg.NET_OUTPUTS: self._network.n_outputs,
                reg.NET_WEIGHT_WORDS: sum(layer.n_in * r for layer, r in zip(self._network.layers, rows)),
                reg.NET_STATE_WORDS: sum(rows),
            })
        return values

    def _rows(self) -> List[int]:
        """``R_l``, the state words of each layer of the loaded network."""
        return [row_words(layer.n_out, self.build.lanes) for layer in self._network.layers]

    def write(self, offset: int, value: int) -> None:
        """Write the 32-bit register at byte ``offset`` (a multiple of 4 below 0x100) with
        ``value`` in [0, 2**32), else ValueError. ``ERROR`` and ``ISR`` are write-1-to-clear;
        ``OUT_MODE``, ``STEPS`` and ``SAMPLES`` ignore writes while ``BUSY``; read-only and
        unlisted offsets ignore writes."""
        offset, value = _check_offset(offset), _check_value(value)
        if offset == reg.CTRL:
            self._control(value)
        elif offset == reg.ERROR:
            self._errors &= ~value
        elif offset == reg.IER:
            self._ier = bool(value & reg.IER_DONE)
        elif offset == reg.ISR:
            if value & reg.ISR_DONE:
                self._isr = False
        elif self._waiting is None:  # a running command never changes shape
            if offset == reg.OUT_MODE:
                self._out_mode = value & reg.OUT_MODE_MAX
            elif offset == reg.STEPS:
                self._steps = value & COUNT_MASK
            elif offset == reg.SAMPLES:
                self._samples = value & COUNT_MASK

    def _control(self, value: int) -> None:
        """A ``CTRL`` write, as the RTL decodes it: ``SOFT_RESET`` first, then ``RUN`` with ``LOAD``."""
        run, load = value & reg.CTRL_RUN, value & reg.CTRL_LOAD
        if value & reg.CTRL_SOFT_RESET:  # idle; the network and the RW registers stay
            self._waiting = None
            self._errors = 0
            self._done = self._isr = False
        elif run and load:
            self._errors |= reg.ERR_PARAM
        elif not (run or load):
            return
        elif self._waiting is not None:
            self._errors |= reg.ERR_BUSY_START
        else:
            self._errors = 0
            self._done = False
            self._samples_done = 0
            # CYCLES while the command waits for its stream: the cycles the IP counts before it,
            # its start and, for a RUN, the setup of the first layer
            self._cycles = 1
            if load:
                self._waiting = reg.CTRL_LOAD
            elif self._network is None:
                self._finish(reg.ERR_NOT_LOADED, cycles.COMMAND_OVERHEAD)
            elif not self._steps or not self._samples:
                self._finish(reg.ERR_PARAM, cycles.COMMAND_OVERHEAD)
            else:
                self._waiting = reg.CTRL_RUN
                self._cycles = cycles.RUN_BEFORE_INPUT

    def _finish(self, flags: int, spent: int) -> None:
        """End the command: not BUSY, DONE and ISR up, ``flags`` added to ERROR, CYCLES = ``spent``."""
        self._waiting = None
        self._errors |= flags
        self._cycles = spent
        self._done = self._isr = True

    # --- streams ----------------------------------------------------------------------

    def stream(self, words: Sequence[int], n_receive: int, timeout_s: Optional[float] = None) -> np.ndarray:
        """One DMA round trip: offer the input-stream transfer ``words`` (``TLAST`` on its last
        word) to the core and return what the output stream sends, at most ``n_receive`` words.

        * A waiting ``LOAD`` takes the whole transfer and ends: the image is checked as the IP
          checks it (:func:`~.core_io.unpack_network`); ``CYCLES`` = 2 + the words taken, which is
          ``cycles.load_cycles`` for a good image. Nothing is returned.
        * A waiting ``RUN`` takes ``SAMPLES * STEPS * ceil(n_in / 32)`` words of input spikes
          (bits of channels >= n_in ignored) and ends with its outputs: the sections ``OUT_MODE``
          selects, ``stream.output_words`` of them, and ``CYCLES`` from ``cycles.run_cycles``. More
          words: ``LONG``, the outputs are complete, the surplus is taken and dropped (a cycle a
          word). Fewer: ``SHORT``; as the IP, the run stops at the word carrying ``TLAST``, having
          sent the outputs of the samples and the raster of the steps it finished.
        * No command waiting: the core takes nothing (its ``TREADY`` stays low), so the words
          are not consumed, nothing is kept, and the result is empty.

        If the run sends more than ``n_receive`` words, the first ``n_receive`` are returned and
        the rest is dropped (a real core would stall on the full S2MM buffer; the driver asks
        for the exact count). Memory follows the words the transfer holds and the outputs they
        complete, never ``STEPS * SAMPLES`` alone: a RUN cut short after three words takes no more
        than those three words need. ``timeout_s`` is there for the driver's ``Port`` and unused: the
        model answers at once. ValueError for words that are not 1-D integers in [0, 2**32) or
        empty (a transfer has a word at least), or ``n_receive`` not an integer >= 0.
        """
        array = stream.as_words(words)
        if not array.size:
            raise ValueError("a stream transfer has at least one word (TLAST on its last)")
        if not isinstance(n_receive, (int, np.integer)) or isinstance(n_receive, bool) or n_receive < 0:
            raise ValueError(f"n_receive must be an integer >= 0, got {n_receive!r}")
        if self._waiting == reg.CTRL_LOAD:
            self._load(array)
        elif self._waiting == reg.CTRL_RUN:
            return self._run(array)[:n_receive]
        return np.zeros(0, dtype=np.uint32)

    def reset_streams(self) -> None:
        """Reset the DMA after a transfer was cut short: nothing to do, the model keeps no
        stream state (:meth:`stream` never leaves a transfer half done)."""

    def _load(self, words: np.ndarray) -> None:
        spent = cycles.COMMAND_OVERHEAD + words.size  # a cycle a word, up to TLAST, whatever the outcome
        try:
            image = core_io.unpack_network(words, self.build)
        except core_io.ImageError as refused:
            if refused.in_weights:  # the new layer table was taken, the weights are incomplete
                self._network = None
            self._finish(refused.flags, spent)
            return
        self._network = image.to_artifact()  # an ArtifactError leaves everything as it was
        self._finish(0, spent)

    def _run(self, words: np.ndarray) -> np.ndarray:
        network = self._network
        per_step = ceil_div(network.n_inputs, SPIKES_PER_WORD)
        needed = self._samples * self._steps * per_step
        if words.size < needed:
            return self._cut_run(words, per_step)
        spikes = core_io.unpack_inputs(words[:needed], network.n_inputs, self._steps, self._samples)
        out, spent = self._compute(spikes, self._out_mode)
        self._samples_done = self._samples
        # LONG: the surplus is drained after the last sample, a cycle a word
        self._finish(reg.ERR_LONG if words.size > needed else 0, spent + words.size - needed)
        return out

    def _cut_run(self, words: np.ndarray, per_step: int) -> np.ndarray:
        """A RUN whose ``TLAST`` came on its last word ``words[-1]``, too early (``SHORT``): as the
        IP, it stops at that word, having sent what the samples and the steps it finished send."""
        n_words = words.size
        steps_done, b_last = divmod(n_words - 1, per_step)  # the TLAST word is word b_last of its step
        full, rest = divmod(steps_done, self._steps)  # finished samples, finished steps of the next one
        done, cut = self._cut_inputs(words, per_step, full, rest)
        parts, spent = [], cycles.COMMAND_OVERHEAD
        if full:
            out, run = self._compute(done, self._out_mode)
            parts.append(out)
            spent += run - cycles.COMMAND_OVERHEAD
        if rest:  # the cut sample sent its raster step by step, its counts and states never
            out, run = self._compute(cut[:rest], self._out_mode & reg.OUT_RASTER)
            parts.append(out)
            spent += run - cycles.COMMAND_OVERHEAD
        # the cut step: layer 0's setup, its words before TLAST, a cycle each plus C_0 per spike,
        # then the TLAST word
        spikes_before = int(cut[rest, 0, : b_last * SPIKES_PER_WORD].sum())
        chunks = self.build.chunks(self._rows()[0])
        spent += cycles.LAYER_SETUP + b_last + spikes_before * chunks + 1
        self._samples_done = full
        self._finish(reg.ERR_SHORT, spent)
        return np.concatenate(parts) if parts else np.zeros(0, dtype=np.uint32)

    def _cut_inputs(self, words: np.ndarray, per_step: int, full: int, rest: int) -> Tuple[np.ndarray, np.ndarray]:
        """The inputs of a cut RUN, from the words it received alone: uint8 [STEPS, full, n_in] of the
        finished samples (None if none), and [rest + 1, 1, n_in] of the cut sample's steps up to the
        cut one, zero from the TLAST word on."""
        n_inputs, per_sample = self._network.n_inputs, self._steps * per_step
        done = core_io.unpack_inputs(words[: full * per_sample], n_inputs, self._steps, full) if full else None
        tail = np.zeros((rest + 1) * per_step, dtype=np.uint32)
        received = words[full * per_sample: -1]
        tail[: received.size] = received
        return done, core_io.unpack_inputs(tail, n_inputs, rest + 1, 1)

    def _compute(self, spikes: np.ndarray, out_mode: int) -> Tuple[np.ndarray, int]:
        """Output words and active cycles of a run of the loaded network on spikes [T, N, n_in]."""
        steps, n_samples, _ = spikes.shape
        network = self._network
        result = emulate_layers(network.layers, spikes, record_output=bool(out_mode & reg.OUT_RASTER),
                                budget=EMULATOR_BYTES)
        outputs = stream.Outputs(result.output_spikes, result.spike_counts, result.final_states)
        spent = cycles.run_cycles(network, result.counts.input_spikes, steps, n_samples, out_mode, self.build.lanes,
                                  self.build.banks)
        return core_io.pack_outputs(outputs, network, out_mode), spent
