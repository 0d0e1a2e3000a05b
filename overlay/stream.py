"""The host's side of the SNN core IP's two 32-bit AXI4-Streams (``REGISTERS.md``).

Every stream word is a ``numpy.uint32``; a transfer is a 1-D uint32 array, sent
little-endian (byte 0 = bits [7:0]) with ``TLAST`` on its last word. The host packs
what it sends and unpacks what comes back; the core's own side, which reads images
and inputs with the IP's checks and packs the results, is ``core_io.py``.

* **Network image** (input stream, ``LOAD``): :func:`pack_network`.
  ``IMAGE_MAGIC | n_layers``, 8 descriptor words per layer, then the 4-bit weights,
  each input's row of fan-out weights padded to whole memory words of ``lanes``
  weights and sent as ``lanes / 8`` stream words of 8 nibbles.
* **Input spikes** (input stream, ``RUN``): :func:`pack_inputs`.
  Per sample, per timestep, ``ceil(n_inputs / 32)`` words; bit ``k`` of word ``b`` is
  channel ``32b + k``.
* **Results** (output stream, ``RUN``): :func:`output_words` and :func:`unpack_outputs`.
  Per sample, the sections ``OUT_MODE`` selects: the last layer's raster, its spike
  counts (two 16-bit counts a word), every layer's final states (one word per neuron).

Numpy only; everything is vectorized, so a 784-512-10 network packs in milliseconds, and
each function's memory is what it returns plus a bounded piece (or a small multiple of
its output, for the weights).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, Optional, Sequence, Tuple

import numpy as np

from . import registers
from .artifact import Artifact, Layer
from .core_build import SPIKES_PER_WORD, WEIGHTS_PER_WORD, ceil_div, check_lanes, padded, row_words
from .neurons import MODELS

#: Spike counts (16-bit halves) per stream word.
COUNTS_PER_WORD = 2
#: Bits (one byte each) that spike packing and unpacking hold at once: 4 MiB.
PIECE_BYTES = 2 ** 22
#: Largest n_in or n_out a descriptor can state: D0's 16-bit fields are two's complement.
SIZE_FIELD_MAX = 2 ** 15 - 1
#: The 16-bit fields of descriptor words D2..D7 in order: field ``k`` is bits [15:0] (``k``
#: even) or [31:16] (``k`` odd) of word ``D(2 + k // 2)``. LIF layers use ``threshold`` and ``v_init``.
DESCRIPTOR_FIELDS = ("threshold", "v_init", "u_init", "a0", "a1", "a2", "a3", "b1", "b2", "b3", "c", "d")
#: The model-specific fields of descriptor word D1: ``square_shift`` Q [12:8] and ``beta`` [24:16].
D1_FIELDS = ("square_shift", "beta")


def _is_int(value: object) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_))


def check_out_mode(out_mode: int) -> int:
    """Return ``out_mode`` as an int, or raise ValueError unless it is in [0, 7] (OUT_MODE bits 2..0)."""
    if not _is_int(out_mode) or not 0 <= out_mode <= registers.OUT_MODE_MAX:
        raise ValueError(
            f"out_mode must be an integer in [0, {registers.OUT_MODE_MAX}] (bit 0 RASTER, bit 1 COUNTS, "
            f"bit 2 STATES), got {out_mode!r}"
        )
    return int(out_mode)


def check_run(steps: int, n_samples: int) -> Tuple[int, int]:
    """Return ``(steps, n_samples)`` as ints, or raise ValueError unless each fits its 16-bit register
    (``STEPS``, ``SAMPLES``: 1 to 65535; 0 is refused by the IP)."""
    for name, register, value, high in (
        ("steps", "STEPS", steps, registers.STEPS_MAX),
        ("n_samples", "SAMPLES", n_samples, registers.SAMPLES_MAX),
    ):
        if not _is_int(value) or not 1 <= value <= high:
            raise ValueError(
                f"{name} must be an integer in [1, {high}], got {value!r}: the IP's {register} register "
                f"has 16 bits and refuses 0"
            )
    return int(steps), int(n_samples)


def check_inputs(n_inputs: int) -> int:
    """Return ``n_inputs`` (a network's input channels) as an int, or raise ValueError unless it is >= 1."""
    if not _is_int(n_inputs) or n_inputs < 1:
        raise ValueError(f"n_inputs must be an integer >= 1, got {n_inputs!r}")
    return int(n_inputs)


def image_words(artifact: Artifact, lanes: int) -> int:
    """Length in 32-bit words of :func:`pack_network`'s image:
    ``1 + 8 L + (lanes / 8) * sum_l n_in_l * ceil(n_out_l / lanes)``."""
    lanes = check_lanes(lanes)
    weights = sum(layer.n_in * row_words(layer.n_out, lanes) for layer in artifact.layers)
    return 1 + registers.DESCRIPTOR_WORDS * len(artifact.layers) + lanes // WEIGHTS_PER_WORD * weights


def _half(value: int) -> int:
    """A 16-bit two's complement field: the low 16 bits of ``value``."""
    return int(value) & 0xFFFF


def _descriptor(index: int, layer: Layer) -> list:
    """The 8 descriptor words D0..D7 of one layer (``REGISTERS.md``, "Network image")."""
    for name, size in (("n_in", layer.n_in), ("n_out", layer.n_out)):
        if size > SIZE_FIELD_MAX:
            raise ValueError(
                f"layer {index}: {name} = {size} does not fit its 16-bit signed descriptor field "
                f"(at most {SIZE_FIELD_MAX})"
            )
    model = MODELS[layer.neuron]
    fields = {**dict.fromkeys(DESCRIPTOR_FIELDS + D1_FIELDS, 0), **model.to_descriptor(layer)}

    def pair(low: int, high: int) -> int:
        return _half(low) | _half(high) << 16

    d1 = model.code | layer.frac_bits << 4 | fields["square_shift"] << 8 | fields["beta"] << 16
    halves = [fields[name] for name in DESCRIPTOR_FIELDS]
    return [layer.n_in | layer.n_out << 16, d1] + [pair(lo, hi) for lo, hi in zip(halves[::2], halves[1::2])]


def _weight_words(layer: Layer, lanes: int) -> np.ndarray:
    """The layer's weights as stream words: input by input, each row padded to ``R * lanes`` neurons,
    8 neurons a word, nibble ``k`` = neuron ``8 s + k`` of word ``s`` (4-bit two's complement).
    Builds the bytes of the words (two nibbles each) and reads them as little-endian words."""
    width = padded(layer.n_out, lanes)
    nibbles = np.zeros((layer.n_in, width), dtype=np.uint8)
    nibbles[:, : layer.n_out] = layer.weights.T.view(np.uint8) & 0xF
    nibbles[:, 1::2] <<= 4
    return (nibbles[:, 0::2] | nibbles[:, 1::2]).view("<u4").astype(np.uint32).ravel()


def pack_network(artifact: Artifact, lanes: int) -> np.ndarray:
    """The network image of ``artifact`` for an IP with ``lanes`` lanes, uint32 words.

    Layout (``REGISTERS.md``, "Network image"):

    1. header ``0x534E4E00 | n_layers``;
    2. per layer, 8 descriptor words, 16-bit fields two's complement:
       D0 = ``n_in | n_out << 16``;
       D1 = model [1:0] (0 LIF, 1 Izhikevich), ``frac_bits`` [7:4], square shift
       ``Q = weight_shift + frac_bits`` [12:8] (Izhikevich; 0 for LIF), ``beta`` [24:16]
       (LIF; 0 for Izhikevich);
       D2 = ``threshold | v_init << 16``; D3 = ``u_init | a0 << 16``; D4 = ``a1 | a2 << 16``;
       D5 = ``a3 | b1 << 16``; D6 = ``b2 | b3 << 16``; D7 = ``c | d << 16``
       (the fields after ``v_init`` are Izhikevich's, 0 for LIF layers);
    3. the weights, layer by layer, input ``j`` by input: ``ceil(n_out / lanes)`` memory words
       of ``lanes`` weights, each sent as ``lanes / 8`` stream words, lowest neurons first;
       nibble ``k`` (bits ``4k+3..4k``) is a 4-bit two's complement weight; padding neurons 0.

    Length: :func:`image_words`. ``lanes`` is a power of two, at least 8. Capacity is
    not checked here (see ``capacity.check_fits``); the IP refuses an image too large.
    """
    lanes = check_lanes(lanes)
    n_layers = len(artifact.layers)
    if n_layers > registers.IMAGE_LAYERS_MAX:
        raise ValueError(
            f"{n_layers} layers do not fit the image header's 8-bit layer count (at most {registers.IMAGE_LAYERS_MAX})"
        )
    head = [registers.IMAGE_MAGIC | n_layers]
    for index, layer in enumerate(artifact.layers):
        head.extend(_descriptor(index, layer))
    parts = [np.array(head, dtype=np.uint32)]
    parts.extend(_weight_words(layer, lanes) for layer in artifact.layers)
    return np.concatenate(parts)


def pack_inputs(spikes: np.ndarray, n_inputs: int) -> np.ndarray:
    """Input spikes as the stream words of one ``RUN``, uint32.

    Args:
        spikes: uint8 (0 or 1) or bool [T, N, n_inputs], time-major (the emulator's layout);
            T and N at most 65535 each (the ``STEPS`` and ``SAMPLES`` registers).
        n_inputs: the network's input channels; must equal ``spikes.shape[2]``.

    Returns:
        ``N * T * ceil(n_inputs / 32)`` words ordered sample, then timestep, then word ``b``;
        bit ``k`` of word ``b`` is channel ``32 b + k``, bits of channels >= n_inputs are 0.
    """
    n_inputs = check_inputs(n_inputs)
    if not isinstance(spikes, np.ndarray):
        raise ValueError(f"input spikes must be a numpy array, got {type(spikes).__name__}")
    if spikes.ndim != 3 or spikes.shape[2] != n_inputs:
        raise ValueError(f"input spikes must be [steps, samples, {n_inputs}], got shape {spikes.shape}")
    if spikes.dtype != np.uint8 and spikes.dtype != np.bool_:
        raise ValueError(f"input spikes must be uint8 or bool, got {spikes.dtype}")
    steps, n_samples, _ = spikes.shape
    check_run(steps, n_samples)
    if spikes.dtype == np.uint8 and spikes.max() > 1:
        raise ValueError(f"input spikes must be 0 or 1, found {int(spikes.max())}")
    return spikes_to_words(spikes).ravel()


def _pieces(steps: int, n_samples: int, bytes_per_step: int):
    """``(samples, times)`` slices that cover [N, T] in pieces of at most PIECE_BYTES of unpacked
    bits (``bytes_per_step`` a sample and step): whole samples when one fits, else runs of steps."""
    per_sample = steps * bytes_per_step
    if per_sample <= PIECE_BYTES:
        chunk = PIECE_BYTES // per_sample
        for first in range(0, n_samples, chunk):
            yield slice(first, min(first + chunk, n_samples)), slice(0, steps)
        return
    run = max(1, PIECE_BYTES // bytes_per_step)
    for sample in range(n_samples):
        for begin in range(0, steps, run):
            yield slice(sample, sample + 1), slice(begin, min(begin + run, steps))


def spikes_to_words(spikes: np.ndarray) -> np.ndarray:
    """0/1 spikes [T, N, C] as uint32 words [N, T, ceil(C / 32)]: bit ``k`` of word ``b`` is channel ``32 b + k``.

    Packs PIECE_BYTES of bits at a time, so that its memory is the words it returns and a bounded piece."""
    steps, n_samples, channels = spikes.shape
    per_step = ceil_div(channels, SPIKES_PER_WORD)
    words = np.empty((n_samples, steps, per_step), dtype=np.uint32)
    for samples, times in _pieces(steps, n_samples, per_step * SPIKES_PER_WORD):
        piece = spikes[times, samples]
        bits = np.zeros((piece.shape[1], piece.shape[0], per_step * SPIKES_PER_WORD), dtype=np.uint8)
        bits[:, :, :channels] = piece.transpose(1, 0, 2)
        words[samples, times] = np.packbits(bits, axis=-1, bitorder="little").view("<u4")
    return words


def words_to_spikes(words: np.ndarray, channels: int) -> np.ndarray:
    """The inverse of :func:`spikes_to_words`: words [N, T, n] as uint8 spikes [T, N, channels], later bits
    dropped; unpacks PIECE_BYTES of bits at a time."""
    n_samples, steps, per_step = words.shape
    spikes = np.empty((steps, n_samples, channels), dtype=np.uint8)
    for samples, times in _pieces(steps, n_samples, per_step * SPIKES_PER_WORD):
        piece = np.ascontiguousarray(words[samples, times], dtype="<u4").view(np.uint8)
        bits = np.unpackbits(piece, axis=-1, bitorder="little")
        spikes[times, samples] = bits[:, :, :channels].transpose(1, 0, 2)
    return spikes


def as_words(words: Sequence[int], what: str = "stream") -> np.ndarray:
    """``words`` as a uint32 array; ValueError (naming them ``what`` words) unless they are
    1-D integers in [0, 2**32)."""
    array = np.asarray(words)
    if array.ndim != 1 or not (np.issubdtype(array.dtype, np.integer) or array.size == 0):
        raise ValueError(f"{what} words must be a 1-D integer array, got {array.dtype} of shape {array.shape}")
    if array.size and (int(array.min()) < 0 or int(array.max()) > 0xFFFFFFFF):
        raise ValueError(f"{what} words must lie in [0, 2**32)")
    return array.astype(np.uint32)


def section_words(artifact: Artifact, steps: int, out_mode: int) -> Tuple[int, int, int]:
    """Words per sample of the raster, counts and states sections (0 when not selected):
    ``steps * ceil(n_out / 32)``, ``ceil(n_out / 2)`` and ``sum_l n_out_l``, with ``n_out`` the
    last layer's neurons. ``steps`` and ``out_mode`` are taken as checked."""
    n_out = artifact.n_outputs
    raster = steps * ceil_div(n_out, SPIKES_PER_WORD) if out_mode & registers.OUT_RASTER else 0
    counts = ceil_div(n_out, COUNTS_PER_WORD) if out_mode & registers.OUT_COUNTS else 0
    states = sum(layer.n_out for layer in artifact.layers) if out_mode & registers.OUT_STATES else 0
    return raster, counts, states


def output_words(artifact: Artifact, steps: int, n_samples: int, out_mode: int) -> int:
    """Length in 32-bit words of the output stream of one ``RUN``:
    ``n_samples * (steps * ceil(n_out / 32) [RASTER] + ceil(n_out / 2) [COUNTS]
    + sum_l n_out_l [STATES])``, with ``n_out`` the last layer's neurons."""
    steps, n_samples = check_run(steps, n_samples)
    return n_samples * sum(section_words(artifact, steps, check_out_mode(out_mode)))


@dataclass(frozen=True)
class Outputs:
    """The output stream of one ``RUN``, decoded; a section ``OUT_MODE`` did not select is None.

    Attributes:
        raster: uint8 (0/1) [T, N, n_out], the last layer's spikes, time-major like the
            emulator's ``output_spikes``.
        counts: int64 [N, n_out], the last layer's spikes per sample and neuron.
        states: per layer, the state after each sample's last step, in state LSBs:
            ``{"v": int32 [N, n_out]}`` for LIF layers, ``{"v": ..., "u": ...}`` for Izhikevich
            layers (the emulator's ``final_states`` keys).
    """

    raster: Optional[np.ndarray]
    counts: Optional[np.ndarray]
    states: Optional[Tuple[Dict[str, np.ndarray], ...]]


def _signed16(halves: np.ndarray) -> np.ndarray:
    """uint32 values in [0, 2**16) read as 16-bit two's complement, as int32."""
    return halves.astype(np.uint16).view(np.int16).astype(np.int32)


def unpack_outputs(
    words: Sequence[int], artifact: Artifact, steps: int, n_samples: int, out_mode: int
) -> Outputs:
    """Decode the output words of one ``RUN`` (``REGISTERS.md``, "Output stream").

    Args:
        words: 1-D integers in [0, 2**32), exactly :func:`output_words` of them.
        artifact: the network that ran.
        steps, n_samples: the ``STEPS`` and ``SAMPLES`` of the run.
        out_mode: the ``OUT_MODE`` of the run, 0..7.

    Per sample, in this order: RASTER, ``steps * ceil(n_out / 32)`` words, bit ``k`` of word
    ``b`` = neuron ``32 b + k``; COUNTS, ``ceil(n_out / 2)`` words, bits [15:0] neuron ``2i``,
    bits [31:16] neuron ``2i + 1`` (unsigned); STATES, per layer, per neuron one word,
    bits [15:0] ``v``, bits [31:16] ``u`` (16-bit two's complement; ``u`` is dropped for LIF
    layers). Padding bits past ``n_out`` are ignored.
    """
    out_mode = check_out_mode(out_mode)
    steps, n_samples = check_run(steps, n_samples)
    array = as_words(words, "output")
    expected = output_words(artifact, steps, n_samples, out_mode)
    if array.size != expected:
        raise ValueError(
            f"output stream has {array.size} words, expected {expected} for {n_samples} samples of "
            f"{steps} steps with OUT_MODE {out_mode}"
        )
    n_out = artifact.n_outputs
    raster_words, count_words, state_words = section_words(artifact, steps, out_mode)
    per_sample = array.reshape(n_samples, raster_words + count_words + state_words)
    raster = counts = states = None
    at = 0
    if raster_words:
        raster = words_to_spikes(per_sample[:, at: at + raster_words].reshape(n_samples, steps, -1), n_out)
        at += raster_words
    if count_words:
        block = per_sample[:, at: at + count_words]
        halves = np.stack([block & 0xFFFF, block >> 16], axis=-1).reshape(n_samples, -1)
        counts = halves[:, :n_out].astype(np.int64)
        at += count_words
    if state_words:
        found = []
        for layer in artifact.layers:
            block = per_sample[:, at: at + layer.n_out]
            entry = {name: _signed16(block >> 16 * half & 0xFFFF)
                     for half, name in enumerate(MODELS[layer.neuron].state_names)}
            found.append(entry)
            at += layer.n_out
        states = tuple(found)
    return Outputs(raster=raster, counts=counts, states=states)
