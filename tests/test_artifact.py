"""The deployment artifact: round trips exactly, and refuses anything else with a clear error."""
from __future__ import annotations

import hashlib
import json
import re
import struct
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pynq_snn.overlay import artifact as artifact_module
from pynq_snn.overlay import formats
from pynq_snn.overlay.artifact import (
    FORMAT_VERSION,
    MAGIC,
    Artifact,
    ArtifactError,
    Layer,
    from_bytes,
    load,
    save,
    to_bytes,
)

PREFIX = struct.Struct("<8sHI")


def random_artifact(seed: int) -> Artifact:
    """1 to 4 layers of 1 to 40 neurons, every field drawn over its whole range."""
    rng = np.random.default_rng(seed)
    sizes = rng.integers(1, 41, size=rng.integers(2, 6)).tolist()
    layers = tuple(
        Layer(
            neuron="lif",
            weights=rng.integers(formats.WEIGHT_MIN, formats.WEIGHT_MAX + 1, size=(n_out, n_in)).astype(np.int8),
            weight_shift=int(rng.integers(formats.WEIGHT_SHIFT_MIN, formats.WEIGHT_SHIFT_MAX + 1)),
            frac_bits=int(rng.integers(0, formats.FRAC_BITS_MAX + 1)),
            params={
                "beta": int(rng.integers(0, formats.BETA_ONE + 1)),
                "threshold": int(rng.integers(formats.THRESHOLD_MIN, formats.THRESHOLD_MAX + 1)),
                "v_init": int(rng.integers(formats.STATE_MIN, formats.STATE_MAX + 1)),
            },
        )
        for n_in, n_out in zip(sizes[:-1], sizes[1:])
    )
    encoding = (
        {"kind": "rate", "steps": int(rng.integers(1, 65536)), "gain": float(rng.random())}
        if rng.random() < 0.5
        else {"kind": "raster", "steps": int(rng.integers(1, 65536))}
    )
    meta = {"name": f"net-{seed}", "data": "digits", "accuracy": {"float": 0.97, "quant": 0.95}, "sizes": sizes}
    return Artifact(n_inputs=sizes[0], layers=layers, encoding=encoding, meta=meta)


def small_artifact(**layer_fields) -> Artifact:
    fields = dict(
        neuron="lif",
        weights=np.array([[1, -7, 7], [0, 3, -2]], dtype=np.int8),
        weight_shift=3,
        frac_bits=4,
        params={"beta": 230, "threshold": 100},
    )
    fields.update(layer_fields)
    return Artifact(n_inputs=3, layers=(Layer(**fields),), encoding={"kind": "rate", "steps": 25}, meta={})


def split(data: bytes):
    """(header dict, weight bytes) of a file image."""
    _, _, header_len = PREFIX.unpack_from(data)
    header = json.loads(data[PREFIX.size:PREFIX.size + header_len])
    return header, data[PREFIX.size + header_len:-32]


def assemble(header: dict, blobs: bytes, version: int = FORMAT_VERSION, magic: bytes = MAGIC) -> bytes:
    """A file image with a valid checksum: what a careful tamperer would write."""
    header_bytes = json.dumps(header).encode("utf-8")
    body = PREFIX.pack(magic, version, len(header_bytes)) + header_bytes + blobs
    return body + hashlib.sha256(body).digest()


def assert_same(a: Artifact, b: Artifact) -> None:
    assert a.n_inputs == b.n_inputs and a.sizes == b.sizes
    assert a.encoding == b.encoding and a.meta == b.meta
    for x, y in zip(a.layers, b.layers):
        assert (x.neuron, x.weight_shift, x.frac_bits, x.params) == (y.neuron, y.weight_shift, y.frac_bits, y.params)
        assert y.weights.dtype == np.int8
        np.testing.assert_array_equal(x.weights, y.weights)
    assert a == b


# -- round trip ---------------------------------------------------------------------------

@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2 ** 32 - 1))
def test_random_artifacts_round_trip_through_bytes_exactly(seed):
    original = random_artifact(seed)
    assert_same(original, from_bytes(to_bytes(original)))


def test_round_trip_through_a_file(tmp_path):
    original = random_artifact(1)
    path = tmp_path / "model.snn"
    save(original, path)
    assert_same(original, load(path))
    assert_same(original, load(str(path)))
    assert [p.name for p in tmp_path.iterdir()] == ["model.snn"], "save leaves no temporary file"


def test_save_replaces_an_existing_file(tmp_path):
    path = tmp_path / "model.snn"
    save(random_artifact(1), path)
    save(random_artifact(2), path)
    assert_same(random_artifact(2), load(path))


def test_the_file_layout_is_as_documented():
    original = small_artifact()
    data = to_bytes(original)
    magic, version, header_len = PREFIX.unpack_from(data)
    assert (magic, version) == (b"PYNQSNN\0", 2)
    header, blobs = split(data)
    assert set(header) == {"n_inputs", "encoding", "meta", "layers"}
    assert header["layers"][0]["shape"] == [2, 3] and header["layers"][0]["offset"] == 0
    assert blobs == original.layers[0].weights.tobytes(order="C")
    assert data[-32:] == hashlib.sha256(data[:-32]).digest()
    assert len(data) == 8 + 2 + 4 + header_len + 6 + 32


def test_layer_weights_are_a_read_only_copy():
    weights = np.array([[1, 2]], dtype=np.int8)
    layer = Layer("lif", weights, 0, 0, {"beta": 1, "threshold": 1})
    weights[0, 0] = 5
    assert layer.weights[0, 0] == 1
    with pytest.raises(ValueError):
        layer.weights[0, 0] = 3


def test_properties_describe_the_network():
    a = random_artifact(3)
    assert a.sizes[0] == a.n_inputs and a.sizes[-1] == a.n_outputs
    assert a.n_steps == a.encoding["steps"]
    req = a.requirements()
    assert req.synapses == sum(layer.weights.size for layer in a.layers)
    assert req.layers == len(a.layers) and req.steps == a.n_steps


def test_meta_is_kept_as_it_reads_back():
    a = Artifact(3, small_artifact().layers, {"kind": "rate", "steps": 2}, {"sizes": (3, 2), 7: "x"})
    assert a.meta == {"sizes": [3, 2], "7": "x"}
    assert from_bytes(to_bytes(a)).meta == a.meta


# -- damaged files ------------------------------------------------------------------------

@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2 ** 32 - 1), data=st.data())
def test_any_corrupted_byte_after_the_version_fails_the_checksum(seed, data):
    image = bytearray(to_bytes(random_artifact(seed % 1000)))
    position = data.draw(st.integers(PREFIX.size - 4, len(image) - 1))
    image[position] ^= data.draw(st.integers(1, 255))
    with pytest.raises(ArtifactError, match="corrupt or tampered: checksum mismatch"):
        from_bytes(bytes(image))


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 999), data=st.data())
def test_a_truncated_file_is_refused(seed, data):
    image = to_bytes(random_artifact(seed))
    length = data.draw(st.integers(0, len(image) - 1))
    with pytest.raises(ArtifactError, match="too short|checksum mismatch|truncated"):
        from_bytes(image[:length])


def test_a_file_that_is_not_an_artifact_is_named_so():
    image = bytearray(to_bytes(small_artifact()))
    image[:8] = b"\x89PNG\r\n\x1a\n"
    with pytest.raises(ArtifactError, match="not a pynq-snn artifact"):
        from_bytes(bytes(image))
    with pytest.raises(ArtifactError, match="too short.*5 bytes.*minimum is 46"):
        from_bytes(b"hello")


def test_a_newer_format_version_is_refused_before_anything_else():
    header, blobs = split(to_bytes(small_artifact()))
    with pytest.raises(ArtifactError, match="artifact format version 3, this reader knows versions 1 to 2"):
        from_bytes(assemble(header, blobs, version=3))


def version_1(artifact: Artifact) -> bytes:
    """The file a version-1 writer made of ``artifact``: no LIF ``v_init`` in the header."""
    header, blobs = split(to_bytes(artifact))
    for layer in header["layers"]:
        if layer["neuron"] == "lif":
            del layer["params"]["v_init"]
    return assemble(header, blobs, version=1)


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 2 ** 32 - 1))
def test_a_version_1_file_still_loads_with_its_lif_layers_starting_at_zero(seed):
    drawn = random_artifact(seed)
    at_zero = Artifact(drawn.n_inputs, tuple(Layer("lif", layer.weights, layer.weight_shift, layer.frac_bits,
                                                   {"beta": layer.params["beta"],
                                                    "threshold": layer.params["threshold"]})
                                             for layer in drawn.layers), drawn.encoding, drawn.meta)
    loaded = from_bytes(version_1(drawn))
    assert_same(at_zero, loaded)
    assert all(layer.params["v_init"] == 0 for layer in loaded.layers)
    assert PREFIX.unpack_from(to_bytes(loaded))[1] == 2, "writing gives the current version"


def test_the_initial_membrane_is_a_parameter_of_version_2_alone():
    header, blobs = split(to_bytes(small_artifact(params={"beta": 230, "threshold": 100, "v_init": -5})))
    with pytest.raises(ArtifactError, match=r"layer 0: format version 1 has no lif parameter \['v_init'\]"):
        from_bytes(assemble(header, blobs, version=1))
    del header["layers"][0]["params"]["v_init"]
    with pytest.raises(ArtifactError, match=r"layer 0: lif params must be exactly .*; missing \['v_init'\]"):
        from_bytes(assemble(header, blobs))


def test_a_layer_built_without_an_initial_membrane_starts_at_zero():
    layer = small_artifact().layers[0]
    assert layer.params == {"beta": 230, "threshold": 100, "v_init": 0}
    assert layer == small_artifact(params={"beta": 230, "threshold": 100, "v_init": 0}).layers[0]


def test_a_missing_file_raises_file_not_found_with_its_path(tmp_path):
    path = tmp_path / "absent.snn"
    with pytest.raises(FileNotFoundError, match=re.escape(str(path))):
        load(path)


def test_load_names_the_file_in_its_errors(tmp_path):
    path = tmp_path / "junk.snn"
    path.write_bytes(b"x" * 100)
    with pytest.raises(ArtifactError, match=re.escape(str(path)) + ".*not a pynq-snn artifact"):
        load(path)


# -- tampered files with a recomputed checksum: the ranges still hold ------------------------

def test_a_weight_outside_the_4_bit_range_is_refused():
    header, blobs = split(to_bytes(small_artifact()))
    blobs = bytes([8]) + blobs[1:]
    with pytest.raises(ArtifactError, match=r"layer 0: weight 8 at \[0, 0\] is outside \[-7, 7\]"):
        from_bytes(assemble(header, blobs))


def test_a_zero_threshold_is_refused_with_its_limit():
    header, blobs = split(to_bytes(small_artifact()))
    header["layers"][0]["params"]["threshold"] = 0
    with pytest.raises(ArtifactError, match=r"layer 0: threshold 0 is outside \[1, 32766\]"):
        from_bytes(assemble(header, blobs))


@pytest.mark.parametrize("where", ["header", "layer"])
def test_an_unknown_header_key_is_refused(where):
    header, blobs = split(to_bytes(small_artifact()))
    (header if where == "header" else header["layers"][0])["surprise"] = 1
    with pytest.raises(ArtifactError, match=r"unknown key\(s\) \['surprise'\]"):
        from_bytes(assemble(header, blobs))


def test_a_missing_header_key_is_refused():
    header, blobs = split(to_bytes(small_artifact()))
    del header["encoding"]
    with pytest.raises(ArtifactError, match=r"missing key\(s\) \['encoding'\]"):
        from_bytes(assemble(header, blobs))


def test_a_header_that_is_not_json_is_refused():
    body = PREFIX.pack(MAGIC, FORMAT_VERSION, 3) + b"{x]"
    with pytest.raises(ArtifactError, match="not valid UTF-8 JSON"):
        from_bytes(body + hashlib.sha256(body).digest())


@pytest.mark.parametrize("change, message", [
    (lambda h: h["layers"][0].update(shape=[2, 30]), "truncated: layer 0 weights need bytes"),
    (lambda h: h["layers"][0].update(offset=1), "offset must be 0"),
    (lambda h: h["layers"][0].update(shape=[2]), r"shape must be \[n_out, n_in\]"),
    (lambda h: h["layers"][0].update(shape=[1, 3]), "3 unexplained bytes"),
    (lambda h: h.update(layers={}), "layers must be a list"),
    (lambda h: h["layers"][0].update(weight_shift="3"), "weight_shift must be an integer"),
    (lambda h: h["layers"][0].update(neuron="hodgkin-huxley"), "unknown neuron model 'hodgkin-huxley'"),
    (lambda h: h["layers"][0].update(neuron=["lif"]), r"unknown neuron model \['lif'\]"),
    (lambda h: h["layers"][0]["params"].pop("beta"), r"missing \['beta'\]"),
    (lambda h: h.update(n_inputs=4), "layer 0: n_in is 3, but the artifact's n_inputs is 4"),
    (lambda h: h["encoding"].update(steps=0), r"encoding steps must be an integer in \[1, 65535\], got 0"),
    (lambda h: h["encoding"].update(kind="morse"),
     "encoding kind must be one of rate, raster, latency, delta, got 'morse'"),
])
def test_a_wrong_header_is_refused_with_a_clear_message(change, message):
    header, blobs = split(to_bytes(small_artifact()))
    change(header)
    with pytest.raises(ArtifactError, match=message):
        from_bytes(assemble(header, blobs))


# -- the artifact checks its own ranges --------------------------------------------------------

@pytest.mark.parametrize("fields, message", [
    (dict(weights=np.zeros((2, 3), dtype=np.int16)), "weights must be a numpy int8 array, got int16"),
    (dict(weights=np.full((2, 3), -8, dtype=np.int8)), r"weight -8 .* outside \[-7, 7\]"),
    (dict(weight_shift=16), r"weight_shift 16 is outside \[-8, 15\]"),
    (dict(frac_bits=9), r"frac_bits 9 is outside \[0, 8\]"),
    (dict(params={"beta": 257, "threshold": 1}), r"beta 257 is outside \[0, 256\]"),
    (dict(params={"beta": 1, "threshold": 1.5}), "threshold must be an integer"),
    (dict(params={"beta": 1, "threshold": 1, "a": 2}),
     r"lif params must be exactly \['beta', 'threshold', 'v_init'\]; unknown \['a'\]"),
    (dict(params={"beta": 1, "threshold": 1, "v_init": 32768}), r"v_init 32768 is outside \[-32768, 32767\]"),
    (dict(params={"beta": 1, "threshold": 1, "v_init": True}), "v_init must be an integer"),
])
def test_out_of_range_layers_are_refused_naming_the_limit(fields, message):
    with pytest.raises(ArtifactError, match="layer 0: " + message):
        small_artifact(**fields)


def test_layers_must_chain():
    first = small_artifact().layers[0]
    with pytest.raises(ArtifactError, match="layer 1: n_in is 3, but layer 0's n_out is 2"):
        Artifact(3, (first, first), {"kind": "rate", "steps": 1}, {})


def test_the_accumulator_bound_is_enforced_per_layer():
    fan_in, frac_bits, threshold = 4700, formats.FRAC_BITS_MAX, 1000
    bound = formats.accumulator_bound(fan_in, frac_bits, threshold)
    assert bound > formats.ACC_MAX
    wide = Layer("lif", np.ones((1, fan_in), dtype=np.int8), 0, frac_bits, {"beta": 0, "threshold": threshold})
    with pytest.raises(ArtifactError, match=f"layer 0: accumulator bound {bound} .* limit {formats.ACC_MAX}"):
        Artifact(fan_in, (wide,), {"kind": "raster", "steps": 1}, {})
    ok = Layer("lif", np.ones((1, fan_in), dtype=np.int8), 0, 0, {"beta": 0, "threshold": threshold})
    assert Artifact(fan_in, (ok,), {"kind": "raster", "steps": 1}, {}).sizes == (fan_in, 1)


def test_meta_must_be_json():
    with pytest.raises(ArtifactError, match="meta must be JSON-able"):
        Artifact(3, small_artifact().layers, {"kind": "rate", "steps": 1}, {"accuracy": float("nan")})


def test_errors_are_value_errors():
    assert issubclass(ArtifactError, ValueError)


def test_the_module_never_unpickles():
    source = Path(artifact_module.__file__).read_text(encoding="utf-8")
    assert "pickle" not in source
    assert "np.load" not in source


# -- hostile headers with a recomputed checksum: only ArtifactError, with a short message -----

def assemble_text(header_text: str, blobs: bytes) -> bytes:
    """A file image whose header is ``header_text`` verbatim, with a valid checksum."""
    header_bytes = header_text.encode("utf-8")
    body = PREFIX.pack(MAGIC, FORMAT_VERSION, len(header_bytes)) + header_bytes + blobs
    return body + hashlib.sha256(body).digest()


def with_value(path, literal: str) -> bytes:
    """The small artifact with the header value at ``path`` (keys) replaced by the JSON text ``literal``."""
    header, blobs = split(to_bytes(small_artifact()))
    marker = "\u0000marker\u0000"
    target = header
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = marker
    return assemble_text(json.dumps(header).replace(json.dumps(marker), literal), blobs)


@pytest.mark.parametrize("path, literal, message", [
    (("meta", "deep"), "[" * 1000 + "]" * 1000, "nested deeper than"),
    (("meta", "deep"), "[" * 100000 + "]" * 100000, "nested deeper than"),
    (("meta", "deep"), "[" * 40 + "]" * 40, "nested deeper than 32"),
    (("n_inputs",), "9" * 5000, "an integer with too many digits"),
    (("layers", 0, "shape"), f"[{'9' * 4299}, 64]", r"truncated: layer 0 weights need bytes \[0, <an integer"),
    (("layers", 0, "shape"), f"[2, {'9' * 4000}]", "truncated: layer 0 weights need bytes"),
    (("layers", 0, "shape"), "[2, 3.0]", r"shape must be \[n_out, n_in\]"),
    (("encoding", "gain"), "1" + "0" * 400, r"encoding gain must be a number in \(0, 1000\]"),
    (("encoding", "gain"), "1" + "0" * 400 + ".0", "encoding must be JSON-able"),
    (("encoding", "steps"), "9" * 4000, r"encoding steps must be an integer in \[1, 65535\]"),
    (("layers", 0, "weight_shift"), "-" + "9" * 4000, r"weight_shift must be an integer in \[-8, 15\]|outside"),
    (("layers", 0, "params", "threshold"), "1e400", "threshold must be an integer"),
    (("layers", 0, "neuron"), json.dumps("x" * 100000), "unknown neuron model"),
])
def test_hostile_header_values_raise_artifact_error_with_a_short_message(path, literal, message):
    with pytest.raises(ArtifactError, match=message) as refused:
        from_bytes(with_value(path, literal))
    assert len(str(refused.value)) < 400


def test_duplicate_keys_are_refused():
    header, blobs = split(to_bytes(small_artifact()))
    text = json.dumps(header)
    text = text.replace('"n_inputs": 3', '"n_inputs": 3, "n_inputs": 4')
    with pytest.raises(ArtifactError, match="duplicate key 'n_inputs'"):
        from_bytes(assemble_text(text, blobs))


def test_a_header_longer_than_the_limit_is_refused_before_parsing():
    header, blobs = split(to_bytes(small_artifact()))
    header["meta"]["padding"] = " " * artifact_module.MAX_HEADER_BYTES
    with pytest.raises(ArtifactError, match=f"header: .* bytes, an artifact's header holds at most "
                                            f"{artifact_module.MAX_HEADER_BYTES}"):
        from_bytes(assemble(header, blobs))


def test_a_file_larger_than_the_limit_is_refused_before_reading(tmp_path, monkeypatch):
    monkeypatch.setattr(artifact_module, "MAX_FILE_BYTES", 1000)
    path = tmp_path / "big.snn"
    path.write_bytes(b"\0" * 1001)
    with pytest.raises(ArtifactError, match="1001 bytes, an artifact is at most 1000"):
        load(path)
    with pytest.raises(ArtifactError, match="1001 bytes, an artifact is at most 1000"):
        from_bytes(path.read_bytes())


def test_a_lif_threshold_that_can_never_fire_is_refused_with_the_reason():
    header, blobs = split(to_bytes(small_artifact()))
    header["layers"][0]["params"]["threshold"] = formats.STATE_MAX
    with pytest.raises(ArtifactError, match=r"layer 0: threshold 32767 is outside \[1, 32766\] \(v saturates at "
                                            r"32767 and fires only above the threshold, so a threshold of 32767 "
                                            r"never fires\)"):
        from_bytes(assemble(header, blobs))
    assert small_artifact(params={"beta": 0, "threshold": formats.STATE_MAX - 1}).layers[0].params["threshold"] == 32766


def test_an_izhikevich_threshold_takes_the_whole_16_bit_field():
    from pynq_snn.overlay.neurons import MODELS

    assert MODELS["izhikevich"].params["threshold"] == (formats.STATE_MIN, formats.STATE_MAX)


def test_quote_keeps_any_value_short_and_never_fails():
    from pynq_snn.overlay.quote import quote

    assert quote(10 ** 5000) == "<an integer of 16610 bits>"
    assert len(quote("x" * 10 ** 6)) < 100 and len(quote([[[[[[[[1]]]]]]]] * 1000)) < 100
    assert quote({"a": 1}) == "{'a': 1}" and quote(-3) == "-3"
