"""Stream word formats of the SNN core IP, checked against expectations built by hand.

Every expectation here is built per weight, per spike or per field in plain Python
loops from ``REGISTERS.md``, never by calling the packer's own vectorized code.
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
import pytest

from pynq_snn.overlay import formats, registers
from pynq_snn.overlay.artifact import Artifact, Layer
from pynq_snn.overlay.neurons import MODELS
from pynq_snn.overlay.stream import (
    Outputs,
    image_words,
    output_words,
    pack_inputs,
    pack_network,
    unpack_outputs,
)

sys.path.insert(0, str(Path(__file__).parent / "rtl"))
from random_networks import random_outputs  # noqa: E402

IZH_FIELDS = ("a1", "a2", "a3", "b1", "b2", "a0", "b3", "c", "d", "threshold", "v_init", "u_init")


def random_layer(rng: np.random.Generator, n_in: int, n_out: int, neuron: str) -> Layer:
    """Weights over the whole 4-bit range, every parameter drawn over its whole field."""
    weights = rng.integers(formats.WEIGHT_MIN, formats.WEIGHT_MAX + 1, size=(n_out, n_in)).astype(np.int8)
    frac_bits = int(rng.integers(0, formats.FRAC_BITS_MAX + 1))
    if neuron == "lif":
        params = {
            "beta": int(rng.integers(0, formats.BETA_ONE + 1)),
            "threshold": int(rng.integers(formats.THRESHOLD_MIN, formats.THRESHOLD_MAX + 1)),
            "v_init": int(rng.integers(formats.STATE_MIN, formats.STATE_MAX + 1)),
        }
        shift = int(rng.integers(formats.WEIGHT_SHIFT_MIN, formats.WEIGHT_SHIFT_MAX + 1))
        return Layer("lif", weights, shift, frac_bits, params)
    low = max(formats.WEIGHT_SHIFT_MIN, -frac_bits)
    high = min(formats.WEIGHT_SHIFT_MAX, formats.SQUARE_SHIFT_MAX - frac_bits)
    params = {name: int(rng.integers(lo, hi + 1)) for name, (lo, hi) in
              {"a1": (formats.COEF_MIN, formats.COEF_MAX), "a2": (formats.COEF_MIN, formats.COEF_MAX),
               "a3": (formats.COEF_MIN, formats.COEF_MAX), "b1": (formats.COEF_MIN, formats.COEF_MAX),
               "b2": (formats.COEF_MIN, formats.COEF_MAX)}.items()}
    params.update({name: int(rng.integers(formats.STATE_MIN, formats.STATE_MAX + 1))
                   for name in ("a0", "b3", "c", "d", "threshold", "v_init", "u_init")})
    return Layer("izhikevich", weights, int(rng.integers(low, high + 1)), frac_bits, params)


def random_artifact(seed: int, max_width: int = 40, steps: int = 5) -> Artifact:
    """1 to 4 layers of 1 to ``max_width`` neurons, each LIF or Izhikevich at random."""
    rng = np.random.default_rng(seed)
    sizes = rng.integers(1, max_width + 1, size=int(rng.integers(2, 6))).tolist()
    layers = [random_layer(rng, n_in, n_out, str(rng.choice(["lif", "izhikevich"])))
              for n_in, n_out in zip(sizes[:-1], sizes[1:])]
    return Artifact(n_inputs=sizes[0], layers=tuple(layers), encoding={"kind": "raster", "steps": steps}, meta={})


def signed16(field: int) -> int:
    """Sign-extend a 16-bit two's complement field."""
    return field - 0x10000 if field & 0x8000 else field


# --- network image --------------------------------------------------------------------


def expected_image(artifact: Artifact, lanes: int) -> list:
    """REGISTERS.md "Network image", one field and one weight at a time."""
    words = [0x534E4E00 + len(artifact.layers)]
    for layer in artifact.layers:
        izh = layer.neuron == "izhikevich"
        p = layer.params

        def field(name):
            return (p[name] if izh or name == "v_init" else 0) % 65536

        d = [0] * 8
        d[0] = layer.n_in + layer.n_out * 65536
        d[1] = (1 if izh else 0) + layer.frac_bits * 16
        if izh:
            d[1] += (layer.weight_shift + layer.frac_bits) * 256
        else:
            d[1] += p["beta"] * 65536
        d[2] = p["threshold"] % 65536 + field("v_init") * 65536
        d[3] = field("u_init") + field("a0") * 65536
        d[4] = field("a1") + field("a2") * 65536
        d[5] = field("a3") + field("b1") * 65536
        d[6] = field("b2") + field("b3") * 65536
        d[7] = field("c") + field("d") * 65536
        words += d
    for layer in artifact.layers:
        rows = (layer.n_out + lanes - 1) // lanes
        for j in range(layer.n_in):
            for r in range(rows):
                for s in range(lanes // 8):
                    word = 0
                    for k in range(8):
                        i = r * lanes + s * 8 + k
                        w = int(layer.weights[i, j]) if i < layer.n_out else 0
                        word += (w % 16) << (4 * k)
                    words.append(word)
    return words


@pytest.mark.parametrize("lanes", [8, 16, 32])
@pytest.mark.parametrize("seed", range(12))
def test_the_image_equals_a_hand_built_one(seed, lanes):
    artifact = random_artifact(seed)
    image = pack_network(artifact, lanes)
    assert image.dtype == np.uint32 and image.ndim == 1
    assert image.tolist() == expected_image(artifact, lanes)
    assert len(image) == image_words(artifact, lanes)


@pytest.mark.parametrize("seed", range(12))
def test_descriptors_decode_to_the_layer_fields(seed):
    artifact = random_artifact(seed)
    image = [int(w) for w in pack_network(artifact, 16)]
    assert image[0] >> 8 == 0x534E4E and image[0] & 0xFF == len(artifact.layers)
    for index, layer in enumerate(artifact.layers):
        d = image[1 + 8 * index: 9 + 8 * index]
        lo = [signed16(w & 0xFFFF) for w in d]
        hi = [signed16(w >> 16) for w in d]
        assert (d[0] & 0xFFFF, d[0] >> 16) == (layer.n_in, layer.n_out)
        model, frac_bits, square_shift, beta = d[1] & 0x3, (d[1] >> 4) & 0xF, (d[1] >> 8) & 0x1F, (d[1] >> 16) & 0x1FF
        assert frac_bits == layer.frac_bits
        assert d[1] & ~(0x3 | 0xF << 4 | 0x1F << 8 | 0x1FF << 16) == 0, "reserved bits are 0"
        assert lo[2] == layer.params["threshold"]
        decoded = {"v_init": hi[2], "u_init": lo[3], "a0": hi[3], "a1": lo[4], "a2": hi[4], "a3": lo[5],
                   "b1": hi[5], "b2": lo[6], "b3": hi[6], "c": lo[7], "d": hi[7]}
        if layer.neuron == "lif":
            assert (model, square_shift, beta) == (0, 0, layer.params["beta"])
            assert decoded.pop("v_init") == layer.params["v_init"]
            assert set(decoded.values()) == {0}, "fields LIF does not use are 0"
        else:
            assert (model, square_shift, beta) == (1, layer.weight_shift + layer.frac_bits, 0)
            assert decoded == {name: layer.params[name] for name in decoded}


def test_a_known_image_word_for_word():
    weights = np.array([[1, -1], [7, -7], [0, 3]], dtype=np.int8)  # [n_out 3, n_in 2]
    layer = Layer("lif", weights, 2, 3, {"beta": 256, "threshold": 1000})
    artifact = Artifact(2, (layer,), {"kind": "raster", "steps": 1}, {})
    image = pack_network(artifact, 8).tolist()
    assert image == [
        0x534E4E01,
        0x0003_0002,                 # n_out 3, n_in 2
        0x0100_0030,                 # beta 256, F = 3, LIF, Q = 0
        1000, 0, 0, 0, 0, 0,
        0x0000_0071,                 # input 0: neurons 0, 1, 2 = 1, 7, 0
        0x0000_039F,                 # input 1: -1 (0xF), -7 (0x9), 3
    ]
    wide = pack_network(artifact, 16).tolist()
    assert wide[9:] == [0x71, 0, 0x39F, 0], "16 lanes: two stream words per row, the second all padding"


def test_izhikevich_negative_fields_are_two_s_complement():
    params = dict.fromkeys(IZH_FIELDS, -1)
    params.update(threshold=-2, c=-32768, d=32767)
    layer = Layer("izhikevich", np.full((1, 1), -8 + 1, dtype=np.int8), 15, 8, params)
    image = pack_network(Artifact(1, (layer,), {"kind": "raster", "steps": 1}, {}), 8).tolist()
    assert image[2] == 1 | 8 << 4 | 23 << 8
    assert image[3] == 0xFFFF_FFFE  # threshold -2, v_init -1
    assert image[8] == 0x7FFF_8000  # c -32768, d 32767
    assert image[9] == 0x9


def test_the_784_512_10_network_packs_fast():
    rng = np.random.default_rng(0)
    layers = tuple(
        Layer("lif", rng.integers(-7, 8, size=(n_out, n_in)).astype(np.int8), 4, 2, {"beta": 200, "threshold": 500})
        for n_in, n_out in ((784, 512), (512, 10))
    )
    artifact = Artifact(784, layers, {"kind": "rate", "steps": 25, "gain": 1.0}, {})
    start = time.perf_counter()
    image = pack_network(artifact, 16)
    elapsed = time.perf_counter() - start
    assert len(image) == 1 + 16 + 2 * (784 * 32 + 512 * 1) == image_words(artifact, 16)
    assert elapsed < 0.5, f"packing took {elapsed:.3f} s"
    # spot check: input 783, neuron 509 is nibble 5 of stream word 63 of its row
    row = image[17 + 783 * 64: 17 + 784 * 64]
    assert (int(row[509 // 8]) >> 4 * (509 % 8)) & 0xF == int(layers[0].weights[509, 783]) % 16


@pytest.mark.parametrize("lanes", [0, -8, 4, 12, 20, 16.0, True, "16"])
def test_lanes_must_be_a_positive_multiple_of_8(lanes):
    artifact = random_artifact(0)
    with pytest.raises(ValueError, match="lanes must be a positive multiple of 8"):
        pack_network(artifact, lanes)
    with pytest.raises(ValueError, match="lanes must be a positive multiple of 8"):
        image_words(artifact, lanes)


# --- input spikes ----------------------------------------------------------------------


@pytest.mark.parametrize("n_inputs", [1, 5, 31, 32, 33, 64, 70, 100])
def test_input_bits_sit_where_the_register_map_says(n_inputs):
    rng = np.random.default_rng(n_inputs)
    steps, samples = 3, 4
    spikes = (rng.random((steps, samples, n_inputs)) < 0.4).astype(np.uint8)
    words = pack_inputs(spikes, n_inputs)
    per_step = (n_inputs + 31) // 32
    expected = [0] * (samples * steps * per_step)
    for n in range(samples):
        for t in range(steps):
            for c in range(n_inputs):
                if spikes[t, n, c]:
                    expected[(n * steps + t) * per_step + c // 32] |= 1 << (c % 32)
    assert words.dtype == np.uint32
    assert words.tolist() == expected
    assert np.array_equal(pack_inputs(spikes.astype(bool), n_inputs), words)


def test_channel_32_is_bit_0_of_the_second_word():
    spikes = np.zeros((1, 1, 40), dtype=np.uint8)
    spikes[0, 0, [0, 31, 32, 39]] = 1
    assert pack_inputs(spikes, 40).tolist() == [0x8000_0001, 0x81]


@pytest.mark.parametrize("spikes, message", [
    (np.zeros((2, 1, 6), dtype=np.uint8), r"must be \[steps, samples, 5\], got shape \(2, 1, 6\)"),
    (np.zeros((2, 5), dtype=np.uint8), r"must be \[steps, samples, 5\]"),
    (np.zeros((2, 1, 5), dtype=np.int32), "must be uint8 or bool, got int32"),
    (np.zeros((2, 1, 5), dtype=np.float32), "must be uint8 or bool, got float32"),
    (np.full((2, 1, 5), 2, dtype=np.uint8), "must be 0 or 1, found 2"),
    (np.zeros((0, 1, 5), dtype=np.uint8), r"steps must be an integer in \[1, 65535\]"),
    (np.zeros((1, 0, 5), dtype=np.uint8), r"n_samples must be an integer in \[1, 65535\]"),
    ([[[0] * 5]], "must be a numpy array, got list"),
])
def test_bad_input_spikes_are_refused(spikes, message):
    with pytest.raises(ValueError, match=message):
        pack_inputs(spikes, 5)


# --- output stream ----------------------------------------------------------------------


def hand_output(artifact, raster, counts, states, out_mode) -> list:
    """The output words for a run, per REGISTERS.md "Output stream", one bit at a time."""
    steps, samples, n_out = raster.shape
    words = []
    for n in range(samples):
        if out_mode & 1:
            for t in range(steps):
                section = [0] * ((n_out + 31) // 32)
                for i in range(n_out):
                    if raster[t, n, i]:
                        section[i // 32] |= 1 << (i % 32)
                words += section
        if out_mode & 2:
            section = [0] * ((n_out + 1) // 2)
            for i in range(n_out):
                section[i // 2] |= int(counts[n, i]) << (16 * (i % 2))
            words += section
        if out_mode & 4:
            for layer, state in zip(artifact.layers, states):
                for i in range(layer.n_out):
                    u = int(state["u"][n, i]) if "u" in state else 0
                    words.append((int(state["v"][n, i]) & 0xFFFF) | (u & 0xFFFF) << 16)
    return words


@pytest.mark.parametrize("out_mode", range(8))
@pytest.mark.parametrize("seed", range(6))
def test_outputs_round_trip_in_every_mode(seed, out_mode):
    rng = np.random.default_rng(100 + seed)
    artifact = random_artifact(seed, max_width=70)
    steps, samples = int(rng.integers(1, 5)), int(rng.integers(1, 4))
    outputs = random_outputs(rng, artifact, steps, samples)
    raster, counts, states = outputs.raster, outputs.counts, outputs.states
    words = np.array(hand_output(artifact, raster, counts, states, out_mode), dtype=np.uint32)
    assert len(words) == output_words(artifact, steps, samples, out_mode)
    got = unpack_outputs(words, artifact, steps, samples, out_mode)
    assert isinstance(got, Outputs)
    if out_mode & registers.OUT_RASTER:
        assert got.raster.dtype == np.uint8 and got.raster.shape == raster.shape
        assert np.array_equal(got.raster, raster)
    else:
        assert got.raster is None
    if out_mode & registers.OUT_COUNTS:
        assert got.counts.dtype == np.int64 and np.array_equal(got.counts, counts)
    else:
        assert got.counts is None
    if out_mode & registers.OUT_STATES:
        assert len(got.states) == len(artifact.layers)
        for mine, theirs in zip(got.states, states):
            assert set(mine) == set(theirs)
            for name in theirs:
                assert mine[name].dtype == np.int32 and np.array_equal(mine[name], theirs[name])
    else:
        assert got.states is None


def test_output_lengths_per_section():
    layers = (
        Layer("lif", np.zeros((40, 3), dtype=np.int8), 0, 0, {"beta": 0, "threshold": 1}),
        Layer("lif", np.zeros((33, 40), dtype=np.int8), 0, 0, {"beta": 0, "threshold": 1}),
    )
    artifact = Artifact(3, layers, {"kind": "raster", "steps": 4}, {})
    raster, counts, states = 4 * 2, 17, 40 + 33
    for mode in range(8):
        per_sample = raster * (mode & 1) + counts * (mode >> 1 & 1) + states * (mode >> 2 & 1)
        assert output_words(artifact, 4, 3, mode) == 3 * per_sample
    assert unpack_outputs([], artifact, 4, 3, 0) == Outputs(None, None, None)


def test_padding_bits_past_n_out_are_ignored():
    artifact = random_artifact(3)
    n_out = artifact.n_outputs
    words = np.full(output_words(artifact, 1, 1, registers.OUT_RASTER), 0xFFFFFFFF, dtype=np.uint32)
    got = unpack_outputs(words, artifact, 1, 1, registers.OUT_RASTER)
    assert got.raster.shape == (1, 1, n_out) and got.raster.all()


@pytest.mark.parametrize("delta", [-1, 1])
def test_a_wrong_output_length_is_refused(delta):
    artifact = random_artifact(1)
    n = output_words(artifact, 3, 2, 7)
    with pytest.raises(ValueError, match=f"output stream has {n + delta} words, expected {n}"):
        unpack_outputs(np.zeros(n + delta, dtype=np.uint32), artifact, 3, 2, 7)


@pytest.mark.parametrize("out_mode", [-1, 8, 1.0, True, None])
def test_out_mode_outside_0_to_7_is_refused(out_mode):
    artifact = random_artifact(1)
    with pytest.raises(ValueError, match=r"out_mode must be an integer in \[0, 7\]"):
        output_words(artifact, 1, 1, out_mode)
    with pytest.raises(ValueError, match=r"out_mode must be an integer in \[0, 7\]"):
        unpack_outputs([], artifact, 1, 1, out_mode)


def test_bad_output_words_and_run_sizes_are_refused():
    artifact = random_artifact(1)
    n = output_words(artifact, 1, 1, 7)
    with pytest.raises(ValueError, match="1-D integer array"):
        unpack_outputs(np.zeros((1, n), dtype=np.uint32), artifact, 1, 1, 7)
    with pytest.raises(ValueError, match="1-D integer array"):
        unpack_outputs(np.zeros(n, dtype=np.float64), artifact, 1, 1, 7)
    with pytest.raises(ValueError, match=r"\[0, 2\*\*32\)"):
        unpack_outputs(np.full(n, -1, dtype=np.int64), artifact, 1, 1, 7)
    with pytest.raises(ValueError, match=r"steps must be an integer in \[1, 65535\], got 0"):
        output_words(artifact, 0, 1, 7)
    with pytest.raises(ValueError, match=r"n_samples must be an integer in \[1, 65535\], got 65536"):
        output_words(artifact, 1, 65536, 7)


# --- register map --------------------------------------------------------------------------


def test_error_flags_are_described_in_bit_order():
    assert registers.describe_errors(0) == []
    assert [bit for bit in registers.ERROR_BITS] == list(range(7))
    assert registers.ERROR_BITS[2][0] == "CAPACITY"
    described = registers.describe_errors(registers.ERR_CAPACITY | registers.ERR_SHORT)
    assert len(described) == 2
    assert described[0].startswith("CAPACITY: the image exceeds LAYERS, NEURONS")
    assert described[1].startswith("SHORT: TLAST came before")
    assert registers.describe_errors(1 << 9) == ["bit 9: undefined in the register map (reserved bits read 0)"]
    for bit, (name, _) in registers.ERROR_BITS.items():
        assert getattr(registers, f"ERR_{name}") == 1 << bit
    with pytest.raises(ValueError, match=r"an ERROR register value must be an integer in \[0, 2\*\*32\)"):
        registers.describe_errors(-1)


def test_register_constants_match_the_map():
    assert (registers.ID, registers.ID_VALUE, registers.VERSION_VALUE) == (0x00, 0x534E4E43, 0x00010100)
    assert (registers.CTRL_RUN, registers.CTRL_LOAD, registers.CTRL_SOFT_RESET) == (1, 2, 4)
    assert (registers.OUT_RASTER, registers.OUT_COUNTS, registers.OUT_STATES) == (1, 2, 4)
    assert (registers.CAP_LANES, registers.CAP_STREAM_BITS, registers.NET_STATE_WORDS) == (0x40, 0x5C, 0x70)
    assert registers.IMAGE_MAGIC == 0x534E4E00 and registers.DESCRIPTOR_WORDS == 8
    assert {name: model.code for name, model in MODELS.items()} == {"lif": 0, "izhikevich": 1}
