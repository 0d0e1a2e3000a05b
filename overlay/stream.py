"""Word formats of the SNN core IP's two 32-bit AXI4-Streams (``REGISTERS.md``).

Every stream word is a ``numpy.uint32``; a transfer is a 1-D uint32 array, sent
little-endian (byte 0 = bits [7:0]) with ``TLAST`` on its last word.

* **Network image** (input stream, ``LOAD``): :func:`pack_network`, and back with
  :func:`unpack_network`, which also checks the image as the IP does.
  ``IMAGE_MAGIC | n_layers``, 8 descriptor words per layer, then the 4-bit weights,
  each input's row of fan-out weights padded to whole memory words of ``lanes``
  weights and sent as ``lanes / 8`` stream words of 8 nibbles.
* **Input spikes** (input stream, ``RUN``): :func:`pack_inputs` and :func:`unpack_inputs`.
  Per sample, per timestep, ``ceil(n_inputs / 32)`` words; bit ``k`` of word ``b`` is
  channel ``32b + k``.
* **Results** (output stream, ``RUN``): :func:`output_words`, :func:`pack_outputs` and
  :func:`unpack_outputs`. Per sample, the sections ``OUT_MODE`` selects: the last layer's
  raster, its spike counts (two 16-bit counts a word), every layer's final states (one
  word per neuron).

Numpy only; everything is vectorized, so a 784-512-10 network packs in milliseconds.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, Optional, Sequence, Tuple

import numpy as np

from . import formats, registers
from .artifact import Artifact, ArtifactError, Layer
from .core_build import (
    DEFAULT_BUILD,
    SPIKES_PER_WORD,
    WEIGHTS_PER_WORD,
    CoreBuild,
    ceil_div,
    check_lanes,
    padded,
    row_words,
)

#: Spike counts (16-bit halves) per stream word.
COUNTS_PER_WORD = 2
#: Largest n_in or n_out a descriptor can state: D0's 16-bit fields are two's complement.
SIZE_FIELD_MAX = 2 ** 15 - 1
#: The 16-bit fields of descriptor words D2..D7 in order: field ``k`` is bits [15:0] (``k``
#: even) or [31:16] (``k`` odd) of word ``D(2 + k // 2)``. LIF layers use ``threshold`` alone.
DESCRIPTOR_FIELDS = ("threshold", "v_init", "u_init", "a0", "a1", "a2", "a3", "b1", "b2", "b3", "c", "d")


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
    p = layer.params
    model = registers.MODEL_CODES[layer.neuron]
    izhikevich = layer.neuron == "izhikevich"
    square_shift = layer.weight_shift + layer.frac_bits if izhikevich else 0
    beta = 0 if izhikevich else p["beta"]

    def get(name: str) -> int:
        return p[name] if izhikevich else 0

    def pair(low: int, high: int) -> int:
        return _half(low) | _half(high) << 16

    d1 = model | layer.frac_bits << 4 | square_shift << 8 | beta << 16
    halves = [p["threshold"]] + [get(name) for name in DESCRIPTOR_FIELDS[1:]]
    return [layer.n_in | layer.n_out << 16, d1] + [pair(lo, hi) for lo, hi in zip(halves[::2], halves[1::2])]


def _weight_words(layer: Layer, lanes: int) -> np.ndarray:
    """The layer's weights as stream words: input by input, each row padded to ``R * lanes`` neurons,
    8 neurons a word, nibble ``k`` = neuron ``8 s + k`` of word ``s`` (4-bit two's complement)."""
    width = padded(layer.n_out, lanes)
    nibbles = np.zeros((layer.n_in, width), dtype=np.uint32)
    nibbles[:, : layer.n_out] = layer.weights.T.astype(np.uint8) & 0xF
    nibbles = nibbles.reshape(layer.n_in, width // WEIGHTS_PER_WORD, WEIGHTS_PER_WORD)
    shifts = np.arange(WEIGHTS_PER_WORD, dtype=np.uint32) * 4
    return np.bitwise_or.reduce(nibbles << shifts, axis=-1).ravel()


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
       (the Izhikevich fields are 0 for LIF layers);
    3. the weights, layer by layer, input ``j`` by input: ``ceil(n_out / lanes)`` memory words
       of ``lanes`` weights, each sent as ``lanes / 8`` stream words, lowest neurons first;
       nibble ``k`` (bits ``4k+3..4k``) is a 4-bit two's complement weight; padding neurons 0.

    Length: :func:`image_words`. ``lanes`` must be a positive multiple of 8. Capacity is
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


# --- network image, read back as the IP reads it ----------------------------------------


class ImageError(ValueError):
    """The IP refuses a network image: the ``ERROR`` flags it raises, where and why.

    Attributes:
        flags: the ``ERROR`` bits of the refusal: ``HEADER``, or ``CAPACITY`` and/or ``PARAM``
            (one descriptor word can raise both), or ``SHORT``, or ``LONG``.
        word: index of the stream word that decided it: the first failing word, the word
            carrying ``TLAST`` (``SHORT``), or the last word the image should have had (``LONG``).
        in_weights: the image failed while its weights arrived (``SHORT`` or ``LONG`` after the
            last descriptor). The IP has then taken the new layer table, so the network loaded
            before is gone. Otherwise it stays loaded and runs unchanged.
    """

    def __init__(self, flags: int, word: int, reason: str, in_weights: bool = False) -> None:
        names = "+".join(name for bit, (name, _) in registers.ERROR_BITS.items() if flags >> bit & 1)
        super().__init__(f"the IP refuses the network image ({names}) at word {word}: {reason}")
        self.flags = flags
        self.word = word
        self.in_weights = in_weights


@dataclass(frozen=True, eq=False)
class ImageLayer:
    """One layer of a network image, as the IP reads it.

    Attributes:
        neuron: ``"lif"`` or ``"izhikevich"`` (D1[1:0] = 0 or 1).
        frac_bits: ``F``, D1[7:4].
        square_shift: ``Q``, D1[12:8]; only Izhikevich layers use it.
        beta: D1[24:16]; only LIF layers use it.
        fields: the 16-bit fields of D2..D7 by name (:data:`DESCRIPTOR_FIELDS`), sign-extended.
        weights: int8 [n_out, n_in] in [-8, 7]; the padding neurons' weights are dropped.
    """

    neuron: str
    frac_bits: int
    square_shift: int
    beta: int
    fields: Dict[str, int]
    weights: np.ndarray

    @property
    def n_in(self) -> int:
        """Inputs to the layer (D0[15:0])."""
        return int(self.weights.shape[1])

    @property
    def n_out(self) -> int:
        """Neurons of the layer (D0[31:16])."""
        return int(self.weights.shape[0])

    def to_layer(self) -> Layer:
        """The layer as an artifact :class:`~.artifact.Layer` (checked when an Artifact holds it).

        An Izhikevich layer gets ``weight_shift = Q - F`` and the twelve fields as its params. A
        LIF layer gets ``beta`` and ``threshold``, and ``weight_shift = 0``: the image does not
        carry a LIF layer's weight shift, and LIF arithmetic in state LSBs does not depend on it.
        Fields a model does not use are dropped (the IP ignores them), except a LIF ``v_init``,
        where the IP starts a LIF layer: an artifact's LIF layer starts at 0, so a non-zero
        ``v_init`` raises ArtifactError.
        """
        if self.neuron == "izhikevich":
            return Layer("izhikevich", self.weights, self.square_shift - self.frac_bits, self.frac_bits,
                         dict(self.fields))
        if self.fields["v_init"]:
            raise ArtifactError(
                f"a LIF layer with v_init {self.fields['v_init']}: the IP starts it there, an artifact at 0"
            )
        return Layer("lif", self.weights, 0, self.frac_bits,
                     {"beta": self.beta, "threshold": self.fields["threshold"]})


@dataclass(frozen=True)
class NetworkImage:
    """A network image the IP accepts, decoded by :func:`unpack_network`; ``layers`` input side first."""

    layers: Tuple[ImageLayer, ...]

    def to_artifact(self, steps: int = 1) -> Artifact:
        """The network as an :class:`~.artifact.Artifact` with encoding ``{"kind": "raster", "steps": steps}``.

        Raises ArtifactError where the image leaves the artifact's formats although the IP
        would run it: a weight of -8, a LIF layer with ``v_init`` != 0, an Izhikevich weight
        shift ``Q - F`` outside [-8, 15], or a layer beyond the accumulator bound.
        """
        layers = tuple(layer.to_layer() for layer in self.layers)
        return Artifact(self.layers[0].n_in, layers, {"kind": "raster", "steps": steps}, {})


def _sign16(half: int) -> int:
    """A 16-bit two's complement field as a Python int."""
    return half - 0x10000 if half & 0x8000 else half


def _settle(problems: list, word: int, last: int) -> None:
    """Raise for word ``word`` of the header or descriptors as the IP does: its errors first,
    then ``SHORT`` if it carries ``TLAST`` (``word == last``)."""
    if problems:
        flags = 0
        for flag, _ in problems:
            flags |= flag
        raise ImageError(flags, word, "; ".join(reason for _, reason in problems))
    if word == last:
        raise ImageError(registers.ERR_SHORT, word, "TLAST within the header and descriptors")


def _check_header(head: int, layers: int, last: int) -> int:
    """The image's layer count, from its first word; raise as the IP does."""
    n_layers = head & registers.IMAGE_LAYERS_MAX
    problems = []
    if head >> 8 != registers.IMAGE_MAGIC >> 8:
        problems.append((registers.ERR_HEADER, f"the first word {head:#010x} lacks the magic 0x534E4E in [31:8]"))
    elif n_layers == 0:
        problems.append((registers.ERR_HEADER, "the header declares 0 layers"))
    elif n_layers > layers:
        problems.append((registers.ERR_CAPACITY, f"{n_layers} layers, the IP holds {layers}"))
    _settle(problems, 0, last)
    return n_layers


def unpack_network(words: Sequence[int], build: CoreBuild = DEFAULT_BUILD) -> NetworkImage:
    """Decode a network image, checking it word by word as the IP does (``REGISTERS.md``).

    Args:
        words: the image, 1-D integers in [0, 2**32), ``TLAST`` on the last one.
        build: the IP's build, whose limits the image is checked against.

    Raises:
        ImageError: the ``ERROR`` flags the IP raises; the first failing word decides. Header:
            bits [31:8] the magic and 1..LAYERS layers (0 is HEADER, more CAPACITY). Per layer,
            D0: ``n_in``, ``n_out`` >= 1 and ``n_in`` = the previous ``n_out`` (else PARAM),
            ``n_in`` <= FAN_IN and ``n_out`` <= NEURONS (else CAPACITY; the IP compares these two
            fields unsigned, so a negative size is CAPACITY); D1: model <= 1, F <= 8, beta <= 256
            and, for Izhikevich, Q <= 24 (else PARAM); D2: a LIF threshold >= 1 (signed, else
            PARAM); D7 of the last layer: weight words <= WEIGHT_WORDS and state words <=
            NEURONS / LANES over all layers (else CAPACITY). A word that passes but carries
            ``TLAST`` is SHORT, and these refusals keep the loaded network. Then the length,
            ``1 + 8 L + (lanes / 8) * sum_l n_in_l * ceil(n_out_l / lanes)``: fewer words are
            SHORT, more are LONG, both with ``in_weights`` set.
        ValueError: ``words`` is not a non-empty 1-D array of 32-bit words.
    """
    lanes = build.lanes
    array = as_words(words, "image")
    if not array.size:
        raise ValueError("an image has at least one word (a stream transfer is never empty)")
    last = array.size - 1
    n_layers = _check_header(int(array[0]), build.layers, last)
    heads, sizes, weight_total, state_total = [], [], 0, 0
    for index in range(n_layers):
        at = 1 + registers.DESCRIPTOR_WORDS * index
        # words past TLAST are never settled, so zeros may stand in for them
        d = [int(w) for w in array[at: at + registers.DESCRIPTOR_WORDS]] + [0] * registers.DESCRIPTOR_WORDS
        n_in, n_out = d[0] & 0xFFFF, d[0] >> 16
        model, frac_bits, square_shift, beta = d[1] & 0x3, d[1] >> 4 & 0xF, d[1] >> 8 & 0x1F, d[1] >> 16 & 0x1FF
        halves = [half for w in d[2:8] for half in (w & 0xFFFF, w >> 16)]
        fields = {name: _sign16(half) for name, half in zip(DESCRIPTOR_FIELDS, halves)}
        weight_total += n_in * row_words(n_out, lanes)
        state_total += row_words(n_out, lanes)
        problems: list = [[] for _ in range(registers.DESCRIPTOR_WORDS)]
        if not n_in or not n_out:
            problems[0].append((registers.ERR_PARAM, f"layer {index}: n_in {n_in}, n_out {n_out}: both must be >= 1"))
        if index and n_in != sizes[-1][1]:
            problems[0].append((registers.ERR_PARAM, f"layer {index}: n_in {n_in} differs from the n_out "
                                                     f"{sizes[-1][1]} of layer {index - 1}"))
        if n_in > build.fan_in or n_out > build.neurons_per_layer:
            problems[0].append((registers.ERR_CAPACITY, f"layer {index}: n_in {n_in}, n_out {n_out}: the IP takes "
                                                        f"{build.fan_in} inputs and {build.neurons_per_layer} neurons"))
        if model > 1 or frac_bits > formats.FRAC_BITS_MAX or beta > formats.BETA_ONE or (
                model == 1 and square_shift > formats.SQUARE_SHIFT_MAX):
            problems[1].append((registers.ERR_PARAM, f"layer {index}: model {model}, F {frac_bits}, beta {beta}, "
                                                     f"Q {square_shift}: out of range"))
        if model == 0 and fields["threshold"] < 1:
            problems[2].append((registers.ERR_PARAM, f"layer {index}: LIF threshold {fields['threshold']} < 1"))
        if index == n_layers - 1 and (weight_total > build.weight_words or state_total > build.state_words):
            problems[7].append((registers.ERR_CAPACITY, f"{weight_total} weight words and {state_total} state words, "
                                                        f"the IP holds {build.weight_words} and {build.state_words}"))
        for offset, found in enumerate(problems):
            _settle(found, at + offset, last)
        sizes.append((n_in, n_out))
        heads.append(dict(neuron="izhikevich" if model else "lif", frac_bits=frac_bits,
                          square_shift=square_shift, beta=beta, fields=fields))
    start = 1 + registers.DESCRIPTOR_WORDS * n_layers
    expected = start + lanes // WEIGHTS_PER_WORD * weight_total
    if array.size < expected:
        raise ImageError(registers.ERR_SHORT, last, f"TLAST within the weights, the image has {expected} words",
                         in_weights=True)
    if array.size > expected:
        raise ImageError(registers.ERR_LONG, expected - 1, f"{array.size} words, the image has {expected}",
                         in_weights=True)
    weights = _image_weights(array[start:], sizes, lanes)
    return NetworkImage(tuple(ImageLayer(**head, weights=w) for head, w in zip(heads, weights)))


def _image_weights(words: np.ndarray, sizes: list, lanes: int) -> list:
    """The weight section of an image as int8 [n_out, n_in] per layer of ``sizes`` ``(n_in, n_out)``."""
    shifts = np.arange(WEIGHTS_PER_WORD, dtype=np.uint32) * 4
    nibbles = ((words[:, None] >> shifts) & 0xF).astype(np.int8).ravel()
    nibbles[nibbles > formats.WEIGHT_MAX] -= 16  # 4-bit two's complement
    found, at = [], 0
    for n_in, n_out in sizes:
        width = padded(n_out, lanes)
        found.append(np.ascontiguousarray(nibbles[at: at + n_in * width].reshape(n_in, width)[:, :n_out].T))
        at += n_in * width
    return found


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
    if not _is_int(n_inputs) or n_inputs < 1:
        raise ValueError(f"n_inputs must be an integer >= 1, got {n_inputs!r}")
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
    return _words_of(spikes).ravel()


def unpack_inputs(words: Sequence[int], n_inputs: int, steps: int, n_samples: int) -> np.ndarray:
    """The input spikes of one ``RUN``'s stream words, uint8 [steps, n_samples, n_inputs]:
    the inverse of :func:`pack_inputs`. Bits of channels >= ``n_inputs`` are ignored, as the
    IP ignores them. Raises ValueError unless there are ``n_samples * steps * ceil(n_inputs / 32)``
    words in [0, 2**32)."""
    if not _is_int(n_inputs) or n_inputs < 1:
        raise ValueError(f"n_inputs must be an integer >= 1, got {n_inputs!r}")
    steps, n_samples = check_run(steps, n_samples)
    array = as_words(words, "input")
    per_step = ceil_div(n_inputs, SPIKES_PER_WORD)
    if array.size != n_samples * steps * per_step:
        raise ValueError(
            f"input stream has {array.size} words, expected {n_samples * steps * per_step} for {n_samples} "
            f"samples of {steps} steps of {n_inputs} channels"
        )
    return _spikes_of(array.reshape(n_samples, steps, per_step), n_inputs)


def _words_of(spikes: np.ndarray) -> np.ndarray:
    """0/1 spikes [T, N, C] as uint32 words [N, T, ceil(C / 32)]: bit ``k`` of word ``b`` is channel ``32 b + k``."""
    steps, n_samples, channels = spikes.shape
    bits = np.zeros((n_samples, steps, ceil_div(channels, SPIKES_PER_WORD) * SPIKES_PER_WORD), dtype=np.uint8)
    bits[:, :, :channels] = spikes.transpose(1, 0, 2)
    return np.packbits(bits, axis=-1, bitorder="little").view("<u4").astype(np.uint32)


def _spikes_of(words: np.ndarray, channels: int) -> np.ndarray:
    """The inverse of :func:`_words_of`: words [N, T, n] as uint8 spikes [T, N, channels], later bits dropped."""
    bits = np.unpackbits(np.ascontiguousarray(words, dtype="<u4").view(np.uint8), axis=-1, bitorder="little")
    return np.ascontiguousarray(bits[:, :, :channels].transpose(1, 0, 2))


def as_words(words: Sequence[int], what: str = "stream") -> np.ndarray:
    """``words`` as a uint32 array; ValueError (naming them ``what`` words) unless they are
    1-D integers in [0, 2**32)."""
    array = np.asarray(words)
    if array.ndim != 1 or not (np.issubdtype(array.dtype, np.integer) or array.size == 0):
        raise ValueError(f"{what} words must be a 1-D integer array, got {array.dtype} of shape {array.shape}")
    if array.size and (int(array.min()) < 0 or int(array.max()) > 0xFFFFFFFF):
        raise ValueError(f"{what} words must lie in [0, 2**32)")
    return array.astype(np.uint32)


def _section_words(artifact: Artifact, steps: int, out_mode: int) -> Tuple[int, int, int]:
    """Words per sample of the raster, counts and states sections (0 when not selected)."""
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
    return n_samples * sum(_section_words(artifact, steps, check_out_mode(out_mode)))


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


def _section(values: Optional[np.ndarray], name: str, ndim: int, width: int, low: int, high: int) -> np.ndarray:
    """One section of :class:`Outputs` as int64, or ValueError naming what is wrong with it."""
    if values is None:
        raise ValueError(f"OUT_MODE selects the {name}, which the outputs lack")
    array = np.asarray(values)
    if (array.ndim != ndim or array.shape[-1] != width
            or not (array.dtype == np.bool_ or np.issubdtype(array.dtype, np.integer))):
        raise ValueError(f"{name} must be a {ndim}-D integer array of {width} neurons in its last axis, "
                         f"got {array.dtype} of shape {array.shape}")
    if array.size and (int(array.min()) < low or int(array.max()) > high):
        raise ValueError(f"{name} must lie in [{low}, {high}]")
    return array.astype(np.int64)


def pack_outputs(outputs: Outputs, artifact: Artifact, out_mode: int) -> np.ndarray:
    """The output stream of one ``RUN``, uint32, as the IP sends it: the inverse of :func:`unpack_outputs`.

    Args:
        outputs: the sections ``out_mode`` selects (the others are not read): ``raster`` 0/1
            [T, N, n_out]; ``counts`` [N, n_out] in [0, 65535]; ``states`` per layer ``{"v": [N, n]}``
            plus ``"u"`` for Izhikevich layers, in [-32768, 32767] (the emulator's layouts).
        artifact: the network that ran.
        out_mode: ``OUT_MODE``, 0..7.

    Returns:
        ``output_words(artifact, T, N, out_mode)`` words (none for ``out_mode`` 0): per sample,
        the raster, the counts and the states as ``REGISTERS.md`` lays them out; the bits
        and halves past ``n_out`` are 0, and so is ``u`` of LIF layers.
    """
    out_mode = check_out_mode(out_mode)
    n_out = artifact.n_outputs
    blocks = []
    if out_mode & registers.OUT_RASTER:
        raster = _section(outputs.raster, "raster", 3, n_out, 0, 1)
        blocks.append(_words_of(raster).reshape(raster.shape[1], -1))
    if out_mode & registers.OUT_COUNTS:
        counts = _section(outputs.counts, "counts", 2, n_out, 0, 0xFFFF)
        halves = np.zeros((counts.shape[0], ceil_div(n_out, COUNTS_PER_WORD) * COUNTS_PER_WORD), dtype=np.int64)
        halves[:, :n_out] = counts
        blocks.append(halves[:, 0::2] | halves[:, 1::2] << 16)
    if out_mode & registers.OUT_STATES:
        states = outputs.states
        if states is None or len(states) != len(artifact.layers):
            raise ValueError(f"OUT_MODE selects the states, which must hold the {len(artifact.layers)} layers")
        for index, (layer, state) in enumerate(zip(artifact.layers, states)):
            v = _section(state.get("v"), f"layer {index} v", 2, layer.n_out, formats.STATE_MIN, formats.STATE_MAX)
            u = 0
            if layer.neuron == "izhikevich":
                u = _section(state.get("u"), f"layer {index} u", 2, layer.n_out, formats.STATE_MIN, formats.STATE_MAX)
            blocks.append(v & 0xFFFF | (u & 0xFFFF) << 16)
    if not blocks:
        return np.zeros(0, dtype=np.uint32)
    if len({block.shape[0] for block in blocks}) != 1:
        raise ValueError("the sections of the outputs hold different numbers of samples")
    return np.concatenate(blocks, axis=1).astype(np.uint32).ravel()


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
    raster_words, count_words, state_words = _section_words(artifact, steps, out_mode)
    per_sample = array.reshape(n_samples, raster_words + count_words + state_words)
    raster = counts = states = None
    at = 0
    if raster_words:
        raster = _spikes_of(per_sample[:, at: at + raster_words].reshape(n_samples, steps, -1), n_out)
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
            entry = {"v": _signed16(block & 0xFFFF)}
            if layer.neuron == "izhikevich":
                entry["u"] = _signed16(block >> 16)
            found.append(entry)
            at += layer.n_out
        states = tuple(found)
    return Outputs(raster=raster, counts=counts, states=states)
