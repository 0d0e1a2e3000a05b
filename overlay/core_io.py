"""The SNN core IP's own side of its streams: what the core reads, and what it sends.

The host packs what it sends and unpacks what comes back (``stream.py``); the core
does the inverse, and checks what it reads as ``REGISTERS.md`` and the RTL
(``rtl/snn_core.v``) do. The register-level emulated core (``emulated_core.py``) is
built on this module, and the tests read the host's words back with it.

* **Network image** (``LOAD``): :func:`unpack_network` checks an image word by word
  against a build (:class:`~.core_build.CoreBuild`) and raises :class:`ImageError`
  with the ``ERROR`` flags the IP raises; an accepted image decodes to a
  :class:`NetworkImage`.
* **Input spikes** (``RUN``): :func:`unpack_inputs`, the inverse of
  :func:`~.stream.pack_inputs`; bits of channels >= ``n_inputs`` are ignored.
* **Results** (``RUN``): :func:`pack_outputs`, the inverse of
  :func:`~.stream.unpack_outputs`.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, Optional, Sequence, Tuple

import numpy as np

from . import formats, registers
from .artifact import Artifact, Layer, WeightShape
from .core_build import DEFAULT_BUILD, SPIKES_PER_WORD, WEIGHTS_PER_WORD, CoreBuild, ceil_div, padded, row_words
from .neurons import MODELS, MODELS_BY_CODE
from .stream import (
    COUNTS_PER_WORD,
    DESCRIPTOR_FIELDS,
    Outputs,
    as_words,
    check_inputs,
    check_out_mode,
    check_run,
    spikes_to_words,
    words_to_spikes,
)


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
class ImageLayer(WeightShape):
    """One layer of a network image, as the IP reads it.

    Attributes:
        neuron: the name of the model whose hardware code D1[1:0] holds (:data:`~.neurons.MODELS`).
        frac_bits: ``F``, D1[7:4].
        square_shift: ``Q``, D1[12:8]; only Izhikevich layers use it.
        beta: D1[24:16]; only LIF layers use it.
        fields: the 16-bit fields of D2..D7 by name (:data:`DESCRIPTOR_FIELDS`), sign-extended.
        weights: int8 [n_out, n_in] in [-8, 7]; the padding neurons' weights are dropped.
            ``n_in`` (D0[15:0]) and ``n_out`` (D0[31:16]) are its shape.
    """

    neuron: str
    frac_bits: int
    square_shift: int
    beta: int
    fields: Dict[str, int]
    weights: np.ndarray

    def to_layer(self) -> Layer:
        """The layer as an artifact :class:`~.artifact.Layer` (checked when an Artifact holds it).

        Its model reads its weight shift and parameters from the descriptor fields
        (``NeuronModel.from_descriptor``); fields a model does not use are dropped, as the IP
        ignores them. The artifact's checks raise ArtifactError where the fields leave its
        formats although the IP would run them (when an Artifact holds the layer).
        """
        fields = {**self.fields, "square_shift": self.square_shift, "beta": self.beta}
        weight_shift, params = MODELS[self.neuron].from_descriptor(fields, self.frac_bits)
        return Layer(self.neuron, self.weights, weight_shift, self.frac_bits, params)


@dataclass(frozen=True)
class NetworkImage:
    """A network image the IP accepts, decoded by :func:`unpack_network`; ``layers`` input side first."""

    layers: Tuple[ImageLayer, ...]

    def to_artifact(self, steps: int = 1) -> Artifact:
        """The network as an :class:`~.artifact.Artifact` with encoding ``{"kind": "raster", "steps": steps}``.

        Raises ArtifactError where the image leaves the artifact's formats although the IP
        would run it: a weight of -8, an Izhikevich weight
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
        if model not in MODELS_BY_CODE or frac_bits > formats.FRAC_BITS_MAX or beta > formats.BETA_ONE:
            problems[1].append((registers.ERR_PARAM, f"layer {index}: model {model}, F {frac_bits}, beta {beta}: "
                                                     f"out of range"))
        if model in MODELS_BY_CODE:
            found = MODELS_BY_CODE[model].descriptor_problems({**fields, "square_shift": square_shift, "beta": beta})
            for word, reason in found:
                problems[word].append((registers.ERR_PARAM, f"layer {index}: {reason}"))
        if index == n_layers - 1 and (weight_total > build.weight_words or state_total > build.state_words):
            problems[7].append((registers.ERR_CAPACITY, f"{weight_total} weight words and {state_total} state words, "
                                                        f"the IP holds {build.weight_words} and {build.state_words}"))
        for offset, found in enumerate(problems):
            _settle(found, at + offset, last)
        sizes.append((n_in, n_out))
        heads.append(dict(neuron=MODELS_BY_CODE[model].name, frac_bits=frac_bits,
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


def unpack_inputs(words: Sequence[int], n_inputs: int, steps: int, n_samples: int) -> np.ndarray:
    """The input spikes of one ``RUN``'s stream words, uint8 [steps, n_samples, n_inputs]:
    the inverse of :func:`~.stream.pack_inputs`. Bits of channels >= ``n_inputs`` are ignored, as the
    IP ignores them. Raises ValueError unless there are ``n_samples * steps * ceil(n_inputs / 32)``
    words in [0, 2**32)."""
    n_inputs = check_inputs(n_inputs)
    steps, n_samples = check_run(steps, n_samples)
    array = as_words(words, "input")
    per_step = ceil_div(n_inputs, SPIKES_PER_WORD)
    if array.size != n_samples * steps * per_step:
        raise ValueError(
            f"input stream has {array.size} words, expected {n_samples * steps * per_step} for {n_samples} "
            f"samples of {steps} steps of {n_inputs} channels"
        )
    return words_to_spikes(array.reshape(n_samples, steps, per_step), n_inputs)


def _section(values: Optional[np.ndarray], name: str, ndim: int, width: int, low: int, high: int,
             dtype: type = np.int64) -> np.ndarray:
    """One section of :class:`~.stream.Outputs` as ``dtype``, or ValueError naming what is wrong with it."""
    if values is None:
        raise ValueError(f"OUT_MODE selects the {name}, which the outputs lack")
    array = np.asarray(values)
    if (array.ndim != ndim or array.shape[-1] != width
            or not (array.dtype == np.bool_ or np.issubdtype(array.dtype, np.integer))):
        raise ValueError(f"{name} must be a {ndim}-D integer array of {width} neurons in its last axis, "
                         f"got {array.dtype} of shape {array.shape}")
    if array.size and (int(array.min()) < low or int(array.max()) > high):
        raise ValueError(f"{name} must lie in [{low}, {high}]")
    return array.astype(dtype, copy=False)


def pack_outputs(outputs: Outputs, artifact: Artifact, out_mode: int) -> np.ndarray:
    """The output stream of one ``RUN``, uint32, as the IP sends it: the inverse of :func:`~.stream.unpack_outputs`.

    Args:
        outputs: the sections ``out_mode`` selects (the others are not read): ``raster`` 0/1
            [T, N, n_out]; ``counts`` [N, n_out] in [0, 65535]; ``states`` per layer ``{"v": [N, n]}``
            plus ``"u"`` for Izhikevich layers, in [-32768, 32767] (the emulator's layouts).
        artifact: the network that ran.
        out_mode: ``OUT_MODE``, 0..7.

    Returns:
        ``stream.output_words(artifact, T, N, out_mode)`` words (none for ``out_mode`` 0): per sample,
        the raster, the counts and the states as ``REGISTERS.md`` lays them out; the bits
        and halves past ``n_out`` are 0, and so is ``u`` of LIF layers.
    """
    out_mode = check_out_mode(out_mode)
    n_out = artifact.n_outputs
    blocks = []
    if out_mode & registers.OUT_RASTER:
        raster = _section(outputs.raster, "raster", 3, n_out, 0, 1, np.uint8)
        blocks.append(spikes_to_words(raster).reshape(raster.shape[1], -1))
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
            word = 0
            for half, name in enumerate(MODELS[layer.neuron].state_names):
                value = _section(state.get(name), f"layer {index} {name}", 2, layer.n_out,
                                 formats.STATE_MIN, formats.STATE_MAX)
                word = word | (value & 0xFFFF) << 16 * half
            blocks.append(word)
    if not blocks:
        return np.zeros(0, dtype=np.uint32)
    if len({block.shape[0] for block in blocks}) != 1:
        raise ValueError("the sections of the outputs hold different numbers of samples")
    return np.concatenate(blocks, axis=1).astype(np.uint32).ravel()
