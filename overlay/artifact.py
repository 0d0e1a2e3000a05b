"""The deployment artifact: one versioned, checksummed binary file per network.

An artifact holds everything the IP (or its emulator) needs to run a network: the
integer weights and neuron parameters of every layer, the input encoding and free
metadata. It is read with numpy and the standard library alone; loading it parses
JSON and copies integer arrays, and never executes code from the file.

File format, version 2 (all integers little-endian)::

    offset      size  content
    0           8     magic b"PYNQSNN\\0"
    8           2     format version, u16 (2)
    10          4     header length H in bytes, u32
    14          H     header: a UTF-8 JSON object, see below
    14+H        W     weight blobs: each layer's weights, int8, C order [n_out, n_in],
                      packed in layer order with no gaps (W = sum of n_out * n_in)
    14+H+W      32    SHA-256 of bytes [0, 14+H+W)

The header has exactly these keys::

    {"n_inputs": int,
     "encoding": {"kind": "rate" | "raster" | "latency" | "delta", "steps": int, ...},  # Encoding.to_dict()
     "meta": {...},
     "layers": [{"neuron": str, "weight_shift": int, "frac_bits": int,
                 "params": {name: int, ...},
                 "offset": int,   # first byte of the blob, counted from byte 14+H
                 "shape": [n_out, n_in]}, ...]}

Version 2 added the LIF's initial membrane ``v_init`` to a LIF layer's params. Files
of version 1, whose LIF layers lack it, are still read: their LIF layers start at
``v_init = 0``, as every LIF did then (a version-1 file that names ``v_init`` is
refused). Writing always gives version 2.

:func:`load` checks, in order: the file exists, its length lies within
[46 bytes, MAX_FILE_BYTES], the magic, the version, the checksum, the header's
length (at most MAX_HEADER_BYTES), its JSON (no duplicate keys, nesting at most
MAX_HEADER_DEPTH deep) and keys, that every weight blob lies within the file, and
finally every range of the integer formats (``formats.py``), including the
accumulator bound of each layer. Whatever the file holds, the only exception it
raises is :class:`ArtifactError` (FileNotFoundError for a missing file), and its
memory stays within a small multiple of the file's size.
"""
from __future__ import annotations

import hashlib
import json
import os
import struct
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Mapping, Tuple, Union

import numpy as np

from . import formats
from .capacity import Requirements
from .encoding import Encoding
from .neurons import MODELS
from .quote import quote

#: A file system path, as ``open`` takes it.
PathLike = Union[str, "os.PathLike[str]"]

MAGIC = b"PYNQSNN\0"
FORMAT_VERSION = 2
#: The versions :func:`from_bytes` reads: 1 lacks the parameters of ``NeuronModel.defaults``.
READ_VERSIONS = (1, 2)
_PREFIX = struct.Struct("<8sHI")  # magic, version, header length
_DIGEST_BYTES = 32
#: The shortest possible file: prefix, empty header, no weights, checksum.
MIN_FILE_BYTES = _PREFIX.size + _DIGEST_BYTES
#: The longest header: 1 MiB of JSON, far beyond any network's (a few kB with its meta).
MAX_HEADER_BYTES = 2 ** 20
#: The deepest nesting of JSON arrays and objects in a header (the header itself is level 1).
MAX_HEADER_DEPTH = 32
#: The largest file: 64 MiB, 128 times the default build's weight memory (4 Mbit of 4-bit
#: weights, stored here one byte each): no build of the IP holds more.
MAX_FILE_BYTES = 2 ** 26

_HEADER_KEYS = ("n_inputs", "encoding", "meta", "layers")
_LAYER_KEYS = ("neuron", "weight_shift", "frac_bits", "params", "offset", "shape")


class ArtifactError(ValueError):
    """An artifact is malformed, corrupt, or outside the IP's integer formats."""


def _plain_int(value: Any) -> Any:
    """numpy integers become Python ints (JSON-able); anything else is left to the checks."""
    return int(value) if isinstance(value, np.integer) else value


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _check_int(value: Any, low: int, high: int, what: str, why_high: str = "") -> None:
    """Raise ArtifactError unless ``value`` is an int in [low, high]; ``what`` names it and
    ``why_high``, if given, says why a value above ``high`` cannot run."""
    if not _is_int(value):
        raise ArtifactError(f"{what} must be an integer in [{low}, {high}], got {quote(value)}")
    if not low <= value <= high:
        reason = f" ({why_high})" if why_high and value > high else ""
        raise ArtifactError(f"{what} {quote(value)} is outside [{low}, {high}]{reason}")


def _json_copy(value: Any, what: str) -> Any:
    """``value`` as it reads back from the file: its strict-JSON round trip."""
    try:
        return json.loads(json.dumps(value, allow_nan=False))
    except (TypeError, ValueError) as exc:
        raise ArtifactError(f"{what} must be JSON-able (no NaN or infinity): {exc}") from None


class WeightShape:
    """The shape of a layer, read off its ``weights``, int8 [n_out, n_in]."""

    @property
    def n_in(self) -> int:
        """Inputs to the layer (columns of ``weights``)."""
        return int(self.weights.shape[1])

    @property
    def n_out(self) -> int:
        """Neurons of the layer (rows of ``weights``)."""
        return int(self.weights.shape[0])


@dataclass(frozen=True, eq=False)
class Layer(WeightShape):
    """One fully connected layer of spiking neurons, in the IP's integers.

    Checked when it becomes part of an :class:`Artifact`, whose errors name the layer.

    Attributes:
        neuron: the neuron model's name, a key of :data:`~.neurons.MODELS`.
        weights: int8 [n_out, n_in] in [WEIGHT_MIN, WEIGHT_MAX]; the real weight is
            ``weights * 2**-weight_shift``. Stored as a read-only copy.
        weight_shift: ``e`` of the weight scale 2**-e, in [WEIGHT_SHIFT_MIN, WEIGHT_SHIFT_MAX].
        frac_bits: ``F``, fractional state bits beyond the weight LSB, in [0, FRAC_BITS_MAX];
            the state LSB is 2**-(e + F).
        params: the model's integer parameters, exactly its ``NeuronModel.params``; those
            with a default (``NeuronModel.defaults``) may be left out and take it. For
            "lif", ``beta`` (leak = beta / 256), ``threshold`` and ``v_init`` (the initial
            membrane, default 0), both in state LSBs; for "izhikevich" see
            ``overlay/neurons/izhikevich.py``.
    """

    neuron: str
    weights: np.ndarray
    weight_shift: int
    frac_bits: int
    params: Dict[str, int]

    def __post_init__(self) -> None:
        if isinstance(self.weights, np.ndarray):
            weights = self.weights.copy()
            weights.setflags(write=False)
            object.__setattr__(self, "weights", weights)
        object.__setattr__(self, "weight_shift", _plain_int(self.weight_shift))
        object.__setattr__(self, "frac_bits", _plain_int(self.frac_bits))
        if isinstance(self.params, Mapping):
            model = MODELS.get(self.neuron) if isinstance(self.neuron, str) else None
            params = {k: _plain_int(v) for k, v in self.params.items()}
            for name, value in (model.defaults if model else {}).items():
                params.setdefault(name, value)
            object.__setattr__(self, "params", params)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Layer):
            return NotImplemented
        return (
            self.neuron == other.neuron
            and self.weight_shift == other.weight_shift
            and self.frac_bits == other.frac_bits
            and self.params == other.params
            and self.weights.dtype == other.weights.dtype
            and self.weights.shape == other.weights.shape
            and bool(np.array_equal(self.weights, other.weights))
        )


def _check_layer(index: int, layer: Layer) -> None:
    """Every per-layer rule; errors start with ``layer <index>``."""
    where = f"layer {index}"
    if not isinstance(layer, Layer):
        raise ArtifactError(f"{where} must be a Layer, got {type(layer).__name__}")
    if not isinstance(layer.neuron, str) or layer.neuron not in MODELS:
        raise ArtifactError(
            f"{where}: unknown neuron model {quote(layer.neuron)}, the IP knows {', '.join(map(repr, MODELS))}"
        )
    w = layer.weights
    if not isinstance(w, np.ndarray) or w.dtype != np.int8:
        kind = w.dtype if isinstance(w, np.ndarray) else type(w).__name__
        raise ArtifactError(f"{where}: weights must be a numpy int8 array, got {kind}")
    if w.ndim != 2 or min(w.shape) < 1:
        raise ArtifactError(f"{where}: weights must be [n_out, n_in] with both >= 1, got shape {w.shape}")
    outside = np.flatnonzero((w < formats.WEIGHT_MIN) | (w > formats.WEIGHT_MAX))
    if outside.size:
        row, col = np.unravel_index(outside[0], w.shape)
        raise ArtifactError(
            f"{where}: weight {int(w[row, col])} at [{row}, {col}] is outside "
            f"[{formats.WEIGHT_MIN}, {formats.WEIGHT_MAX}], the {formats.WEIGHT_BITS}-bit range "
            f"({outside.size} weights out of range)"
        )
    _check_int(layer.weight_shift, formats.WEIGHT_SHIFT_MIN, formats.WEIGHT_SHIFT_MAX, f"{where}: weight_shift")
    _check_int(layer.frac_bits, 0, formats.FRAC_BITS_MAX, f"{where}: frac_bits")
    model = MODELS[layer.neuron]
    schema = model.params
    if not isinstance(layer.params, dict):
        raise ArtifactError(f"{where}: params must be a dict, got {type(layer.params).__name__}")
    missing = sorted(set(schema) - set(layer.params))
    unknown = sorted(set(layer.params) - set(schema), key=str)
    if missing or unknown:
        found = ([f"missing {missing}"] if missing else []) + ([f"unknown {quote(unknown)}"] if unknown else [])
        raise ArtifactError(
            f"{where}: {layer.neuron} params must be exactly {sorted(schema)}; {', '.join(found)}"
        )
    for name, (low, high) in schema.items():
        _check_int(layer.params[name], low, high, f"{where}: {name}", model.why_high.get(name, ""))
    bound = formats.accumulator_bound(layer.n_in, layer.frac_bits, layer.params["threshold"])
    if bound > formats.ACC_MAX:
        raise ArtifactError(
            f"{where}: accumulator bound {bound} (fan-in {layer.n_in}, frac_bits {layer.frac_bits}, "
            f"threshold {layer.params['threshold']}) exceeds the {formats.ACC_BITS}-bit limit "
            f"{formats.ACC_MAX}: lower frac_bits or the fan-in"
        )
    problems = model.layer_problems(layer)
    if problems:
        raise ArtifactError(f"{where}: {'; '.join(problems)}")


def _check_encoding(encoding: Any) -> None:
    """The encoding's own rules (kind, steps up to the IP's timestep counter, gain)."""
    if not isinstance(encoding, dict):
        raise ArtifactError(f"encoding must be a dict, got {type(encoding).__name__}")
    try:
        Encoding.from_dict(encoding)
    except ValueError as exc:
        raise ArtifactError(str(exc)) from exc


@dataclass(frozen=True, eq=False)
class Artifact:
    """A network ready for the IP: validated on construction.

    Attributes:
        n_inputs: input channels (spike trains) of the first layer.
        layers: the layers, input side first.
        encoding: how inputs become spikes, e.g. ``{"kind": "rate", "steps": 25, "gain": 1.0}``
            or ``{"kind": "raster", "steps": 100}``; ``steps`` in [1, 65535].
        meta: free metadata (name, data set, neuron, accuracies, ...).

    ``encoding`` and ``meta`` must be JSON-able and are stored as their JSON round
    trip (tuples become lists, keys become strings), i.e. as :func:`load` returns them.
    """

    n_inputs: int
    layers: Tuple[Layer, ...]
    encoding: Dict[str, Any]
    meta: Dict[str, Any]

    def __post_init__(self) -> None:
        object.__setattr__(self, "n_inputs", _plain_int(self.n_inputs))
        if isinstance(self.layers, (list, tuple)):
            object.__setattr__(self, "layers", tuple(self.layers))
        object.__setattr__(self, "encoding", _json_copy(self.encoding, "encoding"))
        object.__setattr__(self, "meta", _json_copy(self.meta, "meta"))
        self.validate()

    def validate(self) -> None:
        """Raise :class:`ArtifactError` naming the layer and the limit unless every rule holds."""
        if not _is_int(self.n_inputs) or self.n_inputs < 1:
            raise ArtifactError(f"n_inputs must be an integer >= 1, got {quote(self.n_inputs)}")
        if not isinstance(self.layers, tuple) or not self.layers:
            raise ArtifactError("an artifact needs at least one layer")
        previous = self.n_inputs
        for index, layer in enumerate(self.layers):
            _check_layer(index, layer)
            if layer.n_in != previous:
                source = "the artifact's n_inputs" if index == 0 else f"layer {index - 1}'s n_out"
                raise ArtifactError(
                    f"layer {index}: n_in is {layer.n_in}, but {source} is {quote(previous)} (layers must chain)"
                )
            previous = layer.n_out
        _check_encoding(self.encoding)
        if not isinstance(self.meta, dict):
            raise ArtifactError(f"meta must be a dict, got {type(self.meta).__name__}")

    @property
    def n_outputs(self) -> int:
        """Neurons of the last layer (the classes, for a classifier)."""
        return self.layers[-1].n_out

    @property
    def sizes(self) -> Tuple[int, ...]:
        """``(n_inputs, n_out of each layer...)``."""
        return (self.n_inputs,) + tuple(layer.n_out for layer in self.layers)

    @property
    def n_steps(self) -> int:
        """Timesteps per sample, from the encoding."""
        return int(self.encoding["steps"])

    def requirements(self) -> Requirements:
        """What this network needs of the IP, for :func:`~.capacity.check_fits`."""
        return Requirements.from_sizes(self.sizes, self.n_steps)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Artifact):
            return NotImplemented
        return (
            self.n_inputs == other.n_inputs
            and self.layers == other.layers
            and self.encoding == other.encoding
            and self.meta == other.meta
        )


def to_bytes(artifact: Artifact) -> bytes:
    """The file image of ``artifact`` (format version 2)."""
    layers, blobs, offset = [], [], 0
    for layer in artifact.layers:
        blob = np.ascontiguousarray(layer.weights).tobytes()
        layers.append({
            "neuron": layer.neuron,
            "weight_shift": layer.weight_shift,
            "frac_bits": layer.frac_bits,
            "params": dict(layer.params),
            "offset": offset,
            "shape": [layer.n_out, layer.n_in],
        })
        blobs.append(blob)
        offset += len(blob)
    header = {"n_inputs": artifact.n_inputs, "encoding": artifact.encoding, "meta": artifact.meta, "layers": layers}
    header_bytes = json.dumps(header, sort_keys=True, separators=(",", ":"), allow_nan=False).encode("utf-8")
    body = _PREFIX.pack(MAGIC, FORMAT_VERSION, len(header_bytes)) + header_bytes + b"".join(blobs)
    return body + hashlib.sha256(body).digest()


def _check_keys(obj: Any, expected: Tuple[str, ...], where: str) -> None:
    if not isinstance(obj, dict):
        raise ArtifactError(f"header: {where} must be a JSON object, got {type(obj).__name__}")
    unknown = sorted(set(obj) - set(expected))
    missing = [key for key in expected if key not in obj]
    if unknown:
        raise ArtifactError(f"header: unknown key(s) {quote(unknown)} in {where}; expected {list(expected)}")
    if missing:
        raise ArtifactError(f"header: missing key(s) {missing} in {where}")


def _reject_constant(name: str) -> None:
    raise ArtifactError(f"header: {name} is not valid JSON")


def _unique_keys(pairs: List[Tuple[str, Any]]) -> Dict[str, Any]:
    """A JSON object's members as a dict; ArtifactError if a key appears twice (which one counts is
    a guess no reader should make)."""
    found: Dict[str, Any] = {}
    for key, value in pairs:
        if key in found:
            raise ArtifactError(f"header: duplicate key {quote(key)}")
        found[key] = value
    return found


def _check_depth(header: Any) -> None:
    """ArtifactError if arrays and objects nest deeper than MAX_HEADER_DEPTH (walked level by level,
    without recursion)."""
    level = [header]
    for _ in range(MAX_HEADER_DEPTH):
        level = [child for node in level if isinstance(node, (dict, list))
                 for child in (node.values() if isinstance(node, dict) else node)]
        if not any(isinstance(node, (dict, list)) for node in level):
            return
    raise ArtifactError(f"header: nested deeper than {MAX_HEADER_DEPTH} levels of arrays and objects")


def _parse_header(text: bytes) -> Any:
    """The header's JSON: strict (no NaN or Infinity, no duplicate keys), nested at most MAX_HEADER_DEPTH."""
    try:
        header = json.loads(text.decode("utf-8"), parse_constant=_reject_constant, object_pairs_hook=_unique_keys)
    except ArtifactError:
        raise
    except RecursionError:
        raise ArtifactError(f"header: nested deeper than {MAX_HEADER_DEPTH} levels of arrays and objects") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ArtifactError(f"header: not valid UTF-8 JSON: {quote(str(exc))}") from None
    except ValueError as exc:  # an integer literal past Python's limit on digits
        raise ArtifactError(f"header: an integer with too many digits ({quote(str(exc))})") from None
    _check_depth(header)
    return header


def _check_length(size: int) -> None:
    """ArtifactError unless a file of ``size`` bytes lies within [MIN_FILE_BYTES, MAX_FILE_BYTES]."""
    if size < MIN_FILE_BYTES:
        raise ArtifactError(
            f"too short to be a pynq-snn artifact: {size} bytes, the minimum is {MIN_FILE_BYTES} (truncated?)"
        )
    if size > MAX_FILE_BYTES:
        raise ArtifactError(f"too large: {size} bytes, an artifact is at most {MAX_FILE_BYTES}")


def _check_shape(shape: Any, where: str) -> Tuple[int, int]:
    """``(n_out, n_in)`` from a header's shape; ArtifactError unless both are integers >= 1."""
    if not (isinstance(shape, list) and len(shape) == 2 and all(_is_int(n) and n >= 1 for n in shape)):
        raise ArtifactError(f"header: {where} shape must be [n_out, n_in] with both >= 1, got {quote(shape)}")
    return shape[0], shape[1]


def _file_params(entry: Dict[str, Any], version: int, where: str) -> Any:
    """A layer's params as its file's version states them: version 1 predates the parameters
    with defaults (``NeuronModel.defaults``), so it must not name them and the layer takes
    the defaults; a later version names every parameter. Anything else is left to the
    layer's checks."""
    params, neuron = entry["params"], entry["neuron"]
    if not isinstance(params, dict) or not isinstance(neuron, str) or neuron not in MODELS:
        return params
    later = sorted(MODELS[neuron].defaults)
    if version == 1:
        named = [name for name in later if name in params]
        if named:
            raise ArtifactError(f"{where}: format version 1 has no {neuron} parameter {named} (version 2 added it)")
        return params
    if any(name not in params for name in later):
        schema = sorted(MODELS[neuron].params)
        missing = [name for name in schema if name not in params]
        raise ArtifactError(f"{where}: {neuron} params must be exactly {schema}; missing {missing}")
    return params


def from_bytes(data: bytes) -> Artifact:
    """Parse and check a file image made by :func:`to_bytes`; raise ArtifactError if it is not one."""
    data = memoryview(data).cast("B")
    _check_length(len(data))
    magic, version, header_len = _PREFIX.unpack_from(data)
    if magic != MAGIC:
        raise ArtifactError(f"not a pynq-snn artifact: the file starts with {magic!r}, expected {MAGIC!r}")
    if version not in READ_VERSIONS:
        raise ArtifactError(
            f"artifact format version {version}, this reader knows versions {READ_VERSIONS[0]} to {READ_VERSIONS[-1]}"
        )
    body, digest = data[:-_DIGEST_BYTES], data[-_DIGEST_BYTES:]
    if hashlib.sha256(body).digest() != digest:
        raise ArtifactError("corrupt or tampered: checksum mismatch (the file was modified or truncated)")
    blobs_start = _PREFIX.size + header_len
    if blobs_start > len(body):
        raise ArtifactError(
            f"truncated: the header claims {header_len} bytes, only {len(body) - _PREFIX.size} follow the prefix"
        )
    if header_len > MAX_HEADER_BYTES:
        raise ArtifactError(f"header: {header_len} bytes, an artifact's header holds at most {MAX_HEADER_BYTES}")
    header = _parse_header(bytes(data[_PREFIX.size:blobs_start]))
    _check_keys(header, _HEADER_KEYS, "the header")
    if not isinstance(header["layers"], list):
        raise ArtifactError(f"header: layers must be a list, got {type(header['layers']).__name__}")
    blob_bytes = len(body) - blobs_start
    expected_offset = 0
    layers = []
    for index, entry in enumerate(header["layers"]):
        where = f"layer {index}"
        _check_keys(entry, _LAYER_KEYS, where)
        n_out, n_in = _check_shape(entry["shape"], where)
        offset = entry["offset"]
        if not _is_int(offset) or offset != expected_offset:
            raise ArtifactError(
                f"header: {where} offset must be {expected_offset} (blobs packed in layer order), got {quote(offset)}"
            )
        size = n_out * n_in
        if offset + size > blob_bytes:
            raise ArtifactError(
                f"truncated: {where} weights need bytes [{offset}, {quote(offset + size)}) of the weight data, "
                f"which has {blob_bytes} bytes"
            )
        weights = np.frombuffer(body, dtype=np.int8, count=size, offset=blobs_start + offset).reshape(n_out, n_in)
        params = _file_params(entry, version, where)
        layers.append(Layer(entry["neuron"], weights, entry["weight_shift"], entry["frac_bits"], params))
        expected_offset = offset + size
    if expected_offset != blob_bytes:
        raise ArtifactError(
            f"weight data has {blob_bytes} bytes, the layers use {expected_offset}: "
            f"{blob_bytes - expected_offset} unexplained bytes"
        )
    return Artifact(
        n_inputs=header["n_inputs"], layers=tuple(layers), encoding=header["encoding"], meta=header["meta"]
    )


def save(artifact: Artifact, path: PathLike) -> None:
    """Write ``artifact`` to ``path`` atomically: a reader sees the old file or the whole new one."""
    path = Path(path)
    data = to_bytes(artifact)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def load(path: PathLike) -> Artifact:
    """Read and check the artifact at ``path``.

    Raises:
        FileNotFoundError: no file at ``path``.
        ArtifactError: the file is not a valid artifact; the message starts with the path.

    Example:
        >>> import os, tempfile
        >>> import numpy as np
        >>> from pynq_snn.overlay.artifact import Artifact, Layer, load, save
        >>> layer = Layer("lif", np.array([[7, -3, 5], [2, 6, -7]], dtype=np.int8), weight_shift=2,
        ...               frac_bits=4, params={"beta": 230, "threshold": 64})  # 3 inputs, 2 LIF neurons
        >>> artifact = Artifact(n_inputs=3, layers=(layer,), encoding={"kind": "raster", "steps": 4}, meta={})
        >>> with tempfile.TemporaryDirectory() as folder:
        ...     save(artifact, os.path.join(folder, "tiny.snn"))
        ...     loaded = load(os.path.join(folder, "tiny.snn"))
        >>> loaded == artifact, loaded.sizes, loaded.n_steps
        (True, (3, 2), 4)
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no artifact at {path}: file not found")
    try:
        with path.open("rb") as f:
            data = f.read(MAX_FILE_BYTES + 1)  # a longer file is refused, not read whole
        return from_bytes(data)
    except ArtifactError as exc:
        raise ArtifactError(f"{path}: {exc}") from None
