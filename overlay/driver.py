"""The SNN core IP's driver: the register and stream protocol of ``REGISTERS.md``.

One code path for every backend. The driver talks to a :class:`Port`, which
reads and writes the IP's registers and moves one DMA round trip of stream words:
on the board a PYNQ ``DefaultIP`` and ``pynq.lib.DMA`` (``overlay/pynq_port.py``),
anywhere else the register-level emulated core (``overlay/emulated_core.py``).
Numpy only.

A batch goes in RUNs of as many samples as the ``SAMPLES`` register, one DMA transfer
and half the working-set bound (``working_set.py``) allow, so that its memory beyond
the caller's spikes and the outputs it returns stays bounded whatever ``T`` and the
batch size.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Optional, Protocol

import numpy as np

from . import registers as reg
from . import stream
from .artifact import Artifact
from .capacity import check_fits
from .core_build import SPIKES_PER_WORD, CoreBuild, ceil_div, row_words
from .emulator import check_input
from .working_set import WORKING_SET_BYTES, samples_per_chunk

#: The register map this driver speaks: the IP's VERSION major must equal it.
VERSION_MAJOR = reg.VERSION_VALUE >> 16
#: The DMA's buffer length register is 26 bits: one transfer moves fewer bytes than this.
DMA_MAX_BYTES = 2 ** 26
#: Every section of the output stream: raster, counts and final states.
ALL_OUTPUTS = reg.OUT_RASTER | reg.OUT_COUNTS | reg.OUT_STATES
#: Bytes a stream word of a RUN takes while it is packed, moved and unpacked: the word on the
#: host and in the emulated core (8), and its 32 spikes one byte each (32).
BYTES_PER_STREAM_WORD = 40
#: The working set the stream words of one RUN may take: half the bound (the emulated core's
#: emulator takes a quarter).
STREAM_BYTES = WORKING_SET_BYTES // 2


class Port(Protocol):
    """What the driver needs of a backend: registers and one DMA round trip."""

    def read(self, offset: int) -> int:
        """The 32-bit register at byte ``offset``."""

    def write(self, offset: int, value: int) -> None:
        """Write the 32-bit register at byte ``offset``."""

    def stream(self, words: np.ndarray, n_receive: int, timeout_s: float) -> np.ndarray:
        """Send ``words`` (uint32, TLAST on the last) while receiving ``n_receive`` words;
        raise TimeoutError when the transfer has not finished within ``timeout_s``."""

    def reset_streams(self) -> None:
        """Reset the DMA after a transfer was cut short."""


class DeviceError(RuntimeError):
    """The IP refused a command or is not the IP this driver speaks to."""


class DeviceTimeout(DeviceError, TimeoutError):
    """A command did not finish in time; the core and its DMA were reset and are usable."""


@dataclass(frozen=True)
class CoreRun:
    """One batch through the IP.

    Attributes:
        outputs: the output stream, unpacked (raster, counts, states as ``out_mode`` chose).
        cycles: active cycles of the IP (the ``CYCLES`` register, summed over the RUN
            commands the batch took), as the cycle model of ``REGISTERS.md`` gives them.
        seconds: wall time of the batch on the host, register and DMA traffic included.
    """

    outputs: stream.Outputs
    cycles: int
    seconds: float


class SnnCore:
    """Driver of one SNN core IP behind ``port``.

    Args:
        port: the backend (board or emulated core).
        timeout_s: longest wait for one command, in seconds.
    """

    def __init__(self, port: Port, timeout_s: float = 10.0) -> None:
        if not timeout_s > 0:
            raise ValueError(f"timeout_s must be > 0 seconds, got {timeout_s!r}")
        self.port = port
        self.timeout_s = float(timeout_s)
        self.check_identity()
        #: The IP's build, as its capability registers report it.
        self.capacity = CoreBuild.from_registers(self.port.read)
        self.artifact: Optional[Artifact] = None

    def check_identity(self) -> None:
        """Raise DeviceError unless the port holds an SNN core of this driver's major version."""
        found = self.port.read(reg.ID)
        if found != reg.ID_VALUE:
            raise DeviceError(
                f"no SNN core IP at this address: ID register reads {found:#010x}, expected {reg.ID_VALUE:#010x}"
            )
        version = self.port.read(reg.VERSION)
        if version >> 16 != VERSION_MAJOR:
            raise DeviceError(
                f"wrong IP version {version >> 16}.{(version >> 8) & 0xFF}.{version & 0xFF}: this driver "
                f"speaks the register map {VERSION_MAJOR}.x; rebuild the bitstream or update pynq-snn"
            )

    def load(self, artifact: Artifact) -> int:
        """Check that ``artifact`` fits the IP's capability registers, load it; return LOAD's cycles.

        Raises CapacityError (listing every limit) before anything is sent, DeviceError if the
        IP refuses the image, DeviceTimeout if it does not answer.
        """
        check_fits(artifact.requirements(), self.capacity)
        image = stream.pack_network(artifact, self.capacity.lanes)
        self._command(reg.CTRL_LOAD, image, 0)
        self.artifact = artifact
        return self._cycles()

    def run(self, spikes: np.ndarray, out_mode: int = ALL_OUTPUTS) -> CoreRun:
        """Run the loaded network on spikes uint8/bool [T, N, n_inputs] (time-major).

        Batches larger than one RUN (65535 samples, one DMA transfer, or half the working set)
        are split; the outputs are filled in order and the cycles summed. Before the first RUN,
        the loaded-network registers must describe the artifact this driver loaded (DeviceError
        otherwise: another image was loaded behind its back, or a reset unloaded it).
        """
        if self.artifact is None:
            raise DeviceError("no network loaded: call load(artifact) first")
        artifact = self.artifact
        check_input(artifact, spikes)
        stream.check_out_mode(out_mode)
        steps, n_samples, _ = spikes.shape
        if n_samples == 0:
            raise ValueError("no samples to run: the input has 0 samples")
        size = self._chunk(artifact, steps, n_samples, out_mode)
        self.check_loaded()
        start = time.perf_counter()
        outputs, total_cycles = None, 0
        for begin in range(0, n_samples, size):
            chunk = spikes[:, begin : begin + size]
            n = chunk.shape[1]
            self.port.write(reg.STEPS, steps)
            self.port.write(reg.SAMPLES, n)
            self.port.write(reg.OUT_MODE, out_mode)
            words = self._command(reg.CTRL_RUN, stream.pack_inputs(chunk, artifact.n_inputs),
                                  stream.output_words(artifact, steps, n, out_mode))
            part = stream.unpack_outputs(words, artifact, steps, n, out_mode)
            del words
            if n == n_samples:
                outputs = part
            else:
                if outputs is None:
                    outputs = _allocate(part, n_samples)
                _fill(outputs, part, slice(begin, begin + n))
            total_cycles += self._cycles()
        return CoreRun(outputs, total_cycles, time.perf_counter() - start)

    def check_loaded(self) -> None:
        """Raise DeviceError unless the IP's ``STATUS.LOADED`` and ``NET_*`` registers describe the
        artifact this driver loaded. They tell its shape and memory use, not its weights: an image
        of the same shape loaded behind the driver's back goes unnoticed."""
        if not self.port.read(reg.STATUS) & reg.STATUS_LOADED:
            raise DeviceError("the SNN core holds no network (a reset or a failed load cleared it): "
                              "call load(artifact) again")
        rows = [row_words(layer.n_out, self.capacity.lanes) for layer in self.artifact.layers]
        expected = {
            "NET_LAYERS": (reg.NET_LAYERS, len(rows)),
            "NET_INPUTS": (reg.NET_INPUTS, self.artifact.n_inputs),
            "NET_OUTPUTS": (reg.NET_OUTPUTS, self.artifact.n_outputs),
            "NET_WEIGHT_WORDS": (reg.NET_WEIGHT_WORDS,
                                 sum(layer.n_in * r for layer, r in zip(self.artifact.layers, rows))),
            "NET_STATE_WORDS": (reg.NET_STATE_WORDS, sum(rows)),
        }
        for name, (offset, value) in expected.items():
            found = self.port.read(offset)
            if found != value:
                raise DeviceError(
                    f"the SNN core holds another network than the one this driver loaded: {name} reads "
                    f"{found}, the artifact needs {value} (was an image loaded behind the driver's back?); "
                    "call load(artifact) again"
                )

    def _chunk(self, artifact: Artifact, steps: int, n_samples: int, out_mode: int) -> int:
        """Samples per RUN: the SAMPLES register and both DMA transfers must hold them, and their
        stream words must take at most STREAM_BYTES (WorkingSetError if one sample's do not)."""
        words_in = steps * ceil_div(artifact.n_inputs, SPIKES_PER_WORD)
        words_out = stream.output_words(artifact, steps, 1, out_mode)
        held = samples_per_chunk(n_samples, BYTES_PER_STREAM_WORD * (words_in + words_out), STREAM_BYTES,
                                 "one sample's stream words")
        return max(1, min(reg.SAMPLES_MAX, (DMA_MAX_BYTES // 4 - 1) // max(words_in, words_out), held))

    def _command(self, command: int, words: np.ndarray, n_receive: int) -> np.ndarray:
        """Start ``command``, stream ``words`` in and ``n_receive`` words out, wait for DONE."""
        self.port.write(reg.ISR, reg.ISR_DONE)
        self.port.write(reg.CTRL, command)
        status = self.port.read(reg.STATUS)
        if status & reg.STATUS_DONE and not status & reg.STATUS_BUSY:  # refused at the start
            self._raise_errors(command)
        try:
            received = self.port.stream(words, n_receive, self.timeout_s)
            self._wait_done()
        except TimeoutError:
            self.soft_reset()
            raise DeviceTimeout(
                f"the SNN core did not finish within {self.timeout_s:g} s; the core and its DMA were "
                "reset and are usable (check the input, or raise timeout_s for large batches)"
            ) from None
        self._raise_errors(command)
        return received

    def _wait_done(self) -> None:
        deadline = time.monotonic() + self.timeout_s
        while not self.port.read(reg.STATUS) & reg.STATUS_DONE:
            if time.monotonic() > deadline:
                raise TimeoutError
            time.sleep(0)

    def _raise_errors(self, command: int) -> None:
        errors = self.port.read(reg.ERROR)
        if errors:
            name = "LOAD" if command == reg.CTRL_LOAD else "RUN"
            raise DeviceError(f"the SNN core refused {name}: " + "; ".join(reg.describe_errors(errors)))

    def _cycles(self) -> int:
        return self.port.read(reg.CYCLES_LO) | self.port.read(reg.CYCLES_HI) << 32

    def soft_reset(self) -> None:
        """Return the core to idle (the loaded network stays) and reset the DMA."""
        self.port.write(reg.CTRL, reg.CTRL_SOFT_RESET)
        self.port.reset_streams()


def _allocate(part: stream.Outputs, n_samples: int) -> stream.Outputs:
    """Arrays for the outputs of ``n_samples`` samples, shaped and typed as the RUN's ``part``."""
    def like(array: Optional[np.ndarray], axis: int) -> Optional[np.ndarray]:
        if array is None:
            return None
        shape = list(array.shape)
        shape[axis] = n_samples
        return np.empty(shape, dtype=array.dtype)

    return stream.Outputs(
        raster=like(part.raster, 1),
        counts=like(part.counts, 0),
        states=None if part.states is None else tuple({name: like(v, 0) for name, v in s.items()} for s in part.states),
    )


def _fill(outputs: stream.Outputs, part: stream.Outputs, samples: slice) -> None:
    """Copy one RUN's outputs into the batch's, at ``samples``."""
    if part.raster is not None:
        outputs.raster[:, samples] = part.raster
    if part.counts is not None:
        outputs.counts[samples] = part.counts
    for into, state in zip(outputs.states or (), part.states or ()):
        for name, value in state.items():
            into[name][samples] = value
