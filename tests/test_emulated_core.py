"""The register-level emulated core against the register map and the functional emulator.

Random networks go through the registers and the streams as the driver sends them:
outputs must equal ``emulate()``, ``CYCLES`` the cycle model. The bad-input cases are
those the RTL bench (``tests/rtl/core_tb.py``) checks on the Verilog, with the same
expected flags and the same checks that the loaded network survives.
"""
from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from pynq_snn.overlay import core_io, cycles, stream
from pynq_snn.overlay import registers as reg
from pynq_snn.overlay.artifact import Artifact, ArtifactError, Layer
from pynq_snn.overlay.core_build import DEFAULT_BUILD, CoreBuild, row_words
from pynq_snn.overlay.emulated_core import EmulatedCore
from pynq_snn.overlay.emulator import emulate

sys.path.insert(0, str(Path(__file__).parent / "rtl"))
from bad_images import refused_images  # noqa: E402
from output_check import output_problems  # noqa: E402
from random_networks import network_case, random_case, random_outputs  # noqa: E402
from rtl_sim import SMALL_BUILD  # noqa: E402

ERR = {name: 1 << bit for bit, (name, _) in reg.ERROR_BITS.items()}


def cycles_of(core: EmulatedCore) -> int:
    return core.read(reg.CYCLES_LO) | core.read(reg.CYCLES_HI) << 32


def load_words(core: EmulatedCore, words) -> int:
    """LOAD with ``words`` as the image; the ERROR register after the command."""
    core.write(reg.ISR, 1)
    core.write(reg.CTRL, reg.CTRL_LOAD)
    assert core.read(reg.STATUS) & reg.STATUS_BUSY
    assert core.stream(np.asarray(words, dtype=np.uint32), 0).size == 0
    assert core.read(reg.STATUS) & (reg.STATUS_BUSY | reg.STATUS_DONE) == reg.STATUS_DONE
    assert core.read(reg.ISR) == 1
    return core.read(reg.ERROR)


def load(core: EmulatedCore, artifact: Artifact) -> int:
    return load_words(core, stream.pack_network(artifact, core.read(reg.CAP_LANES)))


def run(core: EmulatedCore, artifact: Artifact, spikes: np.ndarray, out_mode: int, words=None):
    """RUN a batch as the driver does; ``(ERROR, output words)``. A refused run gets no stream."""
    steps, n_samples, _ = spikes.shape
    core.write(reg.STEPS, steps)
    core.write(reg.SAMPLES, n_samples)
    core.write(reg.OUT_MODE, out_mode)
    core.write(reg.CTRL, reg.CTRL_RUN)
    status = core.read(reg.STATUS)
    if status & reg.STATUS_DONE and not status & reg.STATUS_BUSY:
        return core.read(reg.ERROR), np.zeros(0, dtype=np.uint32)
    if words is None:
        words = stream.pack_inputs(spikes, artifact.n_inputs)
    out = core.stream(words, stream.output_words(artifact, steps, n_samples, out_mode))
    assert core.read(reg.STATUS) & (reg.STATUS_BUSY | reg.STATUS_DONE) == reg.STATUS_DONE
    return core.read(reg.ERROR), out


def compare(artifact, spikes, out_mode, words) -> list:
    """How the output words differ from the emulator (empty: they do not)."""
    return output_problems(words, artifact, spikes, out_mode, emulate(artifact, spikes))


def run_cycles(artifact, spikes, out_mode, build: CoreBuild) -> int:
    steps, n_samples, _ = spikes.shape
    return cycles.run_cycles(artifact, emulate(artifact, spikes).counts.input_spikes, steps, n_samples, out_mode,
                             build.lanes, build.banks)


def expect_same_results(core, artifact, spikes):
    """The loaded network still runs and equals the emulator."""
    error, words = run(core, artifact, spikes, 7)
    assert error == 0, reg.describe_errors(error)
    assert not compare(artifact, spikes, 7, words)


# --- registers -------------------------------------------------------------------------


@pytest.mark.parametrize("build", [DEFAULT_BUILD, SMALL_BUILD, CoreBuild(32, 2048, 100, 5000, 3)])
def test_identity_capability_and_reset_values(build):
    core = EmulatedCore() if build == DEFAULT_BUILD else EmulatedCore(build)
    expected = {
        reg.ID: 0x534E4E43, reg.VERSION: 0x00010100, reg.CTRL: 0, reg.STATUS: 0, reg.ERROR: 0, reg.IER: 0,
        reg.ISR: 0, reg.OUT_MODE: 1, reg.STEPS: 1, reg.SAMPLES: 1, reg.CYCLES_LO: 0, reg.CYCLES_HI: 0,
        reg.STALLS_LO: 0, reg.STALLS_HI: 0, reg.SAMPLES_DONE: 0,
        reg.CAP_LANES: build.lanes, reg.CAP_NEURONS: build.neurons, reg.CAP_FAN_IN: build.fan_in,
        reg.CAP_WEIGHT_WORDS: build.weight_words, reg.CAP_LAYERS: build.layers, reg.CAP_STEPS: 65535,
        reg.CAP_MODELS: 3, reg.CAP_STREAM_BITS: 32, reg.NET_LAYERS: 0, reg.NET_INPUTS: 0, reg.NET_OUTPUTS: 0,
        reg.NET_WEIGHT_WORDS: 0, reg.NET_STATE_WORDS: 0, reg.CAP_BANKS: build.banks, 0x74: 0, 0xFC: 0,
        0xFFC: 0,
    }
    assert {offset: core.read(offset) for offset in expected} == expected
    assert not core.irq
    for offset in (reg.ID, reg.VERSION, reg.STATUS, reg.CYCLES_LO, reg.CAP_LANES, reg.NET_LAYERS, 0xFC):
        core.write(offset, 0x5A5A5A5A)  # read-only and unlisted offsets ignore writes
    assert {offset: core.read(offset) for offset in expected} == expected


def test_register_widths_and_write_one_to_clear():
    core = EmulatedCore()
    core.write(reg.IER, 0xFFFFFFFF)
    core.write(reg.OUT_MODE, 0xFFFFFFFF)
    core.write(reg.STEPS, 0x12345678)
    core.write(reg.SAMPLES, 0xABCDEF01)
    assert [core.read(r) for r in (reg.IER, reg.OUT_MODE, reg.STEPS, reg.SAMPLES)] == [1, 7, 0x5678, 0xEF01]
    core.write(reg.CTRL, reg.CTRL_RUN | reg.CTRL_LOAD)  # PARAM, nothing starts
    core.write(reg.CTRL, reg.CTRL_RUN)  # nothing loaded: NOT_LOADED at once
    assert core.read(reg.ERROR) == ERR["NOT_LOADED"], "an accepted command clears ERROR"
    core.write(reg.CTRL, reg.CTRL_RUN | reg.CTRL_LOAD)
    assert core.read(reg.ERROR) == ERR["NOT_LOADED"] | ERR["PARAM"]
    core.write(reg.ERROR, ERR["PARAM"])
    assert core.read(reg.ERROR) == ERR["NOT_LOADED"]
    assert core.read(reg.STATUS) == reg.STATUS_DONE | reg.STATUS_ERROR and core.irq
    core.write(reg.ISR, 0)
    assert core.read(reg.ISR) == 1
    core.write(reg.ISR, 1)
    assert core.read(reg.ISR) == 0 and not core.irq and core.read(reg.STATUS) & reg.STATUS_DONE
    for bad in (2, 0x1000, -4, 4.0, True):
        with pytest.raises(ValueError, match="register offset"):
            core.read(bad)
        with pytest.raises(ValueError, match="register offset"):
            core.write(bad, 0)
    for bad in (-1, 2 ** 32, 1.0):
        with pytest.raises(ValueError, match="register value"):
            core.write(reg.IER, bad)


@pytest.mark.parametrize("kwargs, message", [
    ({"lanes": 12}, "power of two"), ({"lanes": 4}, "power of two"), ({"neurons": 1000}, "multiple of 32"),
    ({"lanes": 64, "neurons": 96}, "multiple of 32 and of lanes"), ({"layers": 0}, "layers must be"),
    ({"fan_in": 1.5}, "fan_in must be"),
])
def test_impossible_builds_are_refused(kwargs, message):
    with pytest.raises(ValueError, match=message):
        EmulatedCore(CoreBuild(**kwargs))


def test_a_hardware_reset_returns_every_register_and_unloads():
    core = EmulatedCore(SMALL_BUILD)
    artifact, spikes = network_case()
    assert load(core, artifact) == 0
    core.write(reg.IER, 1)
    expect_same_results(core, artifact, spikes)
    assert core.read(reg.NET_LAYERS) == 2 and core.irq
    core.reset()
    assert [core.read(r) for r in range(0, 0x74, 4) if r not in (reg.ID, reg.VERSION) and r < reg.CAP_LANES] == \
        [0] * 5 + [1, 1, 1] + [0] * 5 + [SMALL_BUILD.banks]
    assert [core.read(r) for r in range(reg.NET_LAYERS, reg.NET_STATE_WORDS + 4, 4)] == [0] * 5
    assert not core.irq
    assert run(core, artifact, spikes, 7)[0] == ERR["NOT_LOADED"]


def test_a_stream_with_no_command_waiting_is_not_taken():
    core = EmulatedCore(SMALL_BUILD)
    artifact, spikes = network_case()
    image = stream.pack_network(artifact, SMALL_BUILD.lanes)
    assert core.stream(image, 10).size == 0
    assert core.read(reg.STATUS) == 0, "nothing loaded, nothing kept"
    assert load_words(core, image) == 0
    inputs = stream.pack_inputs(spikes, artifact.n_inputs)
    assert core.stream(inputs, 100).size == 0 and core.read(reg.CYCLES_LO) == cycles.load_cycles(artifact, 8)
    with pytest.raises(ValueError, match="at least one word"):
        core.stream(np.zeros(0, dtype=np.uint32), 0)
    with pytest.raises(ValueError, match="n_receive"):
        core.stream(inputs, -1)
    with pytest.raises(ValueError, match=r"\[0, 2\*\*32\)"):
        core.stream(np.array([-1]), 0)


# --- random networks -------------------------------------------------------------------


@pytest.mark.parametrize("build", [
    CoreBuild(8, 128, 100, 1024, 4), CoreBuild(16, 256, 300, 2048, 5), CoreBuild(32, 512, 200, 1024, 3),
])
def test_random_networks_equal_the_emulator_and_the_cycle_model(build):
    core = EmulatedCore(build)
    core.write(reg.IER, 1)
    modes = set()
    for seed in range(40):
        artifact, spikes, _ = random_case(seed, build)
        out_mode = seed % 8
        modes.add(out_mode)
        assert load(core, artifact) == 0, seed
        assert cycles_of(core) == cycles.load_cycles(artifact, build.lanes), seed
        rows = [row_words(layer.n_out, build.lanes) for layer in artifact.layers]
        assert [core.read(r) for r in range(reg.NET_LAYERS, reg.NET_STATE_WORDS + 4, 4)] == [
            len(artifact.layers), artifact.n_inputs, artifact.n_outputs,
            sum(layer.n_in * r for layer, r in zip(artifact.layers, rows)), sum(rows)]
        core.write(reg.ISR, 1)
        error, words = run(core, artifact, spikes, out_mode)
        assert error == 0, (seed, reg.describe_errors(error))
        assert core.irq
        assert not compare(artifact, spikes, out_mode, words), seed
        assert cycles_of(core) == run_cycles(artifact, spikes, out_mode, build), seed
        assert core.read(reg.SAMPLES_DONE) == spikes.shape[1]
        assert core.read(reg.STALLS_LO) == core.read(reg.STALLS_HI) == 0
    assert modes == set(range(8))


def test_the_default_build_runs_784_512_10():
    artifact, spikes = network_case(4, (784, 512, 10), steps=3, samples=4, rate=0.1)
    core = EmulatedCore()
    assert load(core, artifact) == 0
    assert core.read(reg.NET_WEIGHT_WORDS) == 25_600 and core.read(reg.NET_STATE_WORDS) == 33
    error, words = run(core, artifact, spikes, 7)
    assert error == 0 and not compare(artifact, spikes, 7, words)
    assert cycles_of(core) == run_cycles(artifact, spikes, 7, DEFAULT_BUILD)


def test_input_bits_past_n_in_are_ignored():
    core = EmulatedCore(SMALL_BUILD)
    artifact, spikes = network_case(seed=3, sizes=(37, 9, 4))
    assert load(core, artifact) == 0
    clean = stream.pack_inputs(spikes, 37)
    noisy = clean | np.tile(np.array([0, 0xFFFFFFE0], dtype=np.uint32), clean.size // 2)
    error, words = run(core, artifact, spikes, 7, words=noisy)
    assert error == 0 and not compare(artifact, spikes, 7, words)
    assert cycles_of(core) == run_cycles(artifact, spikes, 7, SMALL_BUILD)


def test_outputs_beyond_n_receive_are_dropped():
    core = EmulatedCore(SMALL_BUILD)
    artifact, spikes = network_case()
    assert load(core, artifact) == 0
    full = run(core, artifact, spikes, 7)[1]
    core.write(reg.CTRL, reg.CTRL_RUN)
    part = core.stream(stream.pack_inputs(spikes, artifact.n_inputs), 5)
    assert np.array_equal(part, full[:5]) and core.read(reg.ERROR) == 0
    assert core.read(reg.STATUS) & reg.STATUS_DONE


# --- bad input: the cases of the RTL bench ----------------------------------------------


@pytest.mark.parametrize("build", [SMALL_BUILD, DEFAULT_BUILD])
def test_bad_loads_are_refused_and_keep_the_loaded_network(build):
    core = EmulatedCore(build)
    artifact, spikes = network_case()
    assert load(core, artifact) == 0
    good = stream.pack_network(artifact, build.lanes)

    assert build.weight_words < build.fan_in * build.state_words, "the weight case needs it"
    refused = refused_images(good, build)
    for flag, what, words in refused:
        error = load_words(core, words)
        assert error == ERR[flag], f"{what}: got {reg.describe_errors(error)}, expected {flag}"
        assert cycles_of(core) == 2 + len(words), "the rest is consumed up to TLAST, a cycle a word"
        status = core.read(reg.STATUS)
        assert status & reg.STATUS_LOADED and not status & reg.STATUS_BUSY, what
        assert core.read(reg.NET_INPUTS) == artifact.n_inputs, what
        expect_same_results(core, artifact, spikes)

    # a stream cut short during the header: refused, the network kept
    assert load_words(core, good[:3]) == ERR["SHORT"]
    expect_same_results(core, artifact, spikes)
    # cut during the weights: the network is gone, a run says so
    assert load_words(core, good[:-1]) == ERR["SHORT"]
    assert not core.read(reg.STATUS) & reg.STATUS_LOADED and core.read(reg.NET_LAYERS) == 0
    assert run(core, artifact, spikes, 0)[0] == ERR["NOT_LOADED"]
    # too long: the surplus is consumed, the image does not count
    assert load_words(core, np.concatenate([good, good[:5]])) == ERR["LONG"]
    assert not core.read(reg.STATUS) & reg.STATUS_LOADED
    assert load(core, artifact) == 0
    expect_same_results(core, artifact, spikes)


def test_bad_runs_are_refused_and_a_soft_reset_recovers():
    core = EmulatedCore(SMALL_BUILD)
    artifact, spikes = network_case(seed=2)
    inputs = stream.pack_inputs(spikes, artifact.n_inputs)
    assert load(core, artifact) == 0

    # STEPS = 0, and RUN with LOAD: refused with PARAM, nothing consumed
    core.write(reg.STEPS, 0)
    core.write(reg.CTRL, reg.CTRL_RUN)
    assert core.read(reg.STATUS) & (reg.STATUS_BUSY | reg.STATUS_DONE) == reg.STATUS_DONE
    assert core.read(reg.ERROR) == ERR["PARAM"] and cycles_of(core) == 2
    assert core.stream(inputs, 100).size == 0, "a refused run takes no stream"
    core.write(reg.CTRL, reg.CTRL_RUN | reg.CTRL_LOAD)
    assert core.read(reg.ERROR) & ERR["PARAM"]
    assert not core.read(reg.STATUS) & reg.STATUS_BUSY
    core.write(reg.ERROR, 0x7F)
    assert core.read(reg.ERROR) == 0, "ERROR is write-1-to-clear"

    # an input stream one word short: SHORT, then the core runs again
    core.write(reg.STEPS, spikes.shape[0])
    core.write(reg.SAMPLES, spikes.shape[1])
    core.write(reg.OUT_MODE, 0)
    core.write(reg.CTRL, reg.CTRL_RUN)
    assert core.stream(inputs[:-1], 0).size == 0
    assert core.read(reg.ERROR) == ERR["SHORT"]
    expect_same_results(core, artifact, spikes)

    # one word too many: LONG, the surplus is consumed, the outputs are still right
    core.write(reg.OUT_MODE, 7)
    core.write(reg.CTRL, reg.CTRL_RUN)
    words = core.stream(np.concatenate([inputs, inputs[:1]]), 10_000)
    assert core.read(reg.ERROR) == ERR["LONG"]
    assert not compare(artifact, spikes, 7, words)
    assert cycles_of(core) == run_cycles(artifact, spikes, 7, SMALL_BUILD) + 1, "a cycle per surplus word"

    # a start while busy is flagged and ignored; the run goes on to the right answer
    core.write(reg.CTRL, reg.CTRL_RUN)
    core.write(reg.CTRL, reg.CTRL_LOAD)
    assert core.read(reg.ERROR) == ERR["BUSY_START"]
    words = core.stream(inputs, 10_000)
    assert core.read(reg.ERROR) == ERR["BUSY_START"]
    assert not compare(artifact, spikes, 7, words)

    # configuration written while busy is ignored
    core.write(reg.CTRL, reg.CTRL_RUN)
    assert cycles_of(core) == 1 + 2, "waiting, the IP has counted its start and the first layer's setup"
    for offset in (reg.STEPS, reg.SAMPLES, reg.OUT_MODE):
        core.write(offset, 1)
    assert [core.read(r) for r in (reg.STEPS, reg.SAMPLES, reg.OUT_MODE)] == [*spikes.shape[:2], 7]

    # a soft reset of that waiting run: idle, no error, the network kept, no stream taken
    core.write(reg.CTRL, reg.CTRL_SOFT_RESET | reg.CTRL_RUN)
    status = core.read(reg.STATUS)
    assert not status & reg.STATUS_BUSY and status & reg.STATUS_LOADED
    assert core.read(reg.ERROR) == 0 and core.read(reg.ISR) == 0
    assert core.stream(inputs, 10_000).size == 0
    expect_same_results(core, artifact, spikes)

    # a soft reset of a waiting load keeps the network (a transfer is never cut here)
    good = stream.pack_network(artifact, SMALL_BUILD.lanes)
    core.write(reg.CTRL, reg.CTRL_LOAD)
    assert cycles_of(core) == 1
    core.write(reg.CTRL, reg.CTRL_SOFT_RESET)
    assert core.read(reg.STATUS) == reg.STATUS_LOADED and cycles_of(core) == 1
    expect_same_results(core, artifact, spikes)

    # the interrupt follows IER and ISR
    core.write(reg.IER, 0)
    core.write(reg.CTRL, reg.CTRL_LOAD)
    core.stream(good, 0)
    assert core.read(reg.STATUS) & reg.STATUS_DONE
    assert not core.irq and core.read(reg.ISR) == 1
    core.write(reg.IER, 1)
    assert core.irq
    core.write(reg.ISR, 1)
    assert not core.irq and core.read(reg.ISR) == 0


def test_not_loaded_comes_before_a_zero_step_count():
    core = EmulatedCore(SMALL_BUILD)
    core.write(reg.SAMPLES, 0)
    core.write(reg.CTRL, reg.CTRL_RUN)
    assert core.read(reg.ERROR) == ERR["NOT_LOADED"] and cycles_of(core) == 2


def test_a_short_run_stops_at_the_word_with_tlast():
    """As the RTL: the samples finished are sent whole, the cut sample's finished steps as raster."""
    core = EmulatedCore(SMALL_BUILD)
    artifact, spikes = network_case(seed=4, sizes=(40, 9, 5))  # 2 input words a step, 4 steps, 2 samples
    assert load(core, artifact) == 0
    inputs = stream.pack_inputs(spikes, 40)
    # TLAST on the first word: layer 0 was set up, then that one fetch
    error, words = run(core, artifact, spikes, 7, words=inputs[:1])
    assert (error, words.size, core.read(reg.SAMPLES_DONE)) == (ERR["SHORT"], 0, 0)
    assert cycles_of(core) == 2 + 2 + 1
    # sample 0 whole, TLAST on the second word of sample 1's first step
    error, words = run(core, artifact, spikes, 7, words=inputs[:10])
    first = spikes[:, :1]
    assert (error, core.read(reg.SAMPLES_DONE)) == (ERR["SHORT"], 1)
    assert not compare(artifact, first, 7, words)
    spikes_before = int(spikes[0, 1, :32].sum())
    # layer 0's setup, the word before TLAST with one chunk per spike (R_0 = 2 words, 4 banks), TLAST's word
    assert cycles_of(core) == run_cycles(artifact, first, 7, SMALL_BUILD) + 2 + 1 + spikes_before * 1 + 1
    # TLAST within step 2 of sample 0: the raster of steps 0 and 1 went out
    error, words = run(core, artifact, spikes, 7, words=inputs[:5])
    assert (error, core.read(reg.SAMPLES_DONE)) == (ERR["SHORT"], 0)
    assert np.array_equal(words, stream.pack_inputs(emulate(
        Artifact(40, artifact.layers, {"kind": "raster", "steps": 2}, {}), spikes[:2, :1]).output_spikes, 5))


# --- images the emulator cannot run ------------------------------------------------------


def one_layer_image(weights, neuron="lif", weight_shift=0, frac_bits=0, lanes=8):
    params = {"beta": 200, "threshold": 50} if neuron == "lif" else {
        name: 1 for name in ("a1", "a2", "a3", "b1", "b2", "a0", "b3", "c", "d", "threshold", "v_init", "u_init")}
    layer = Layer(neuron, np.asarray(weights, dtype=np.int8), weight_shift, frac_bits, params)
    return stream.pack_network(Artifact(layer.n_in, (layer,), {"kind": "raster", "steps": 1}, {}), lanes)


@pytest.mark.parametrize("what", ["weight -8", "Izhikevich shift 16"])
def test_an_image_outside_the_artifact_formats_raises_and_changes_nothing(what):
    core = EmulatedCore(SMALL_BUILD)
    artifact, spikes = network_case()
    assert load(core, artifact) == 0
    if what == "weight -8":
        image = one_layer_image([[1, 2]])
        image[-1] = 0x8
    else:
        image = one_layer_image([[1, 2]], "izhikevich", weight_shift=15, frac_bits=8)
        image[2] = int(image[2]) & ~(0x1F << 8 | 0xF << 4) | 16 << 8  # Q = 16, F = 0
    core.write(reg.CTRL, reg.CTRL_LOAD)
    with pytest.raises(ArtifactError):
        core.stream(image, 0)
    assert core.read(reg.STATUS) == reg.STATUS_BUSY | reg.STATUS_LOADED
    core.write(reg.CTRL, reg.CTRL_SOFT_RESET)
    expect_same_results(core, artifact, spikes)


# --- core_io.py: unpack_network, unpack_inputs, pack_outputs --------------------------------


@pytest.mark.parametrize("lanes", [8, 16, 32])
def test_unpack_network_gives_back_every_layer(lanes):
    for seed in range(15):
        build = CoreBuild(lanes, 16 * lanes, 300, 4096, 4)
        artifact, _, _ = random_case(seed, build)
        image = core_io.unpack_network(stream.pack_network(artifact, lanes), build)
        assert len(image.layers) == len(artifact.layers)
        for got, want in zip(image.layers, artifact.layers):
            assert got.neuron == want.neuron and got.frac_bits == want.frac_bits
            assert got.weights.dtype == np.int8 and np.array_equal(got.weights, want.weights)
            layer = got.to_layer()
            assert layer.params == want.params
            assert layer.weight_shift == (want.weight_shift if want.neuron == "izhikevich" else 0)
        back = image.to_artifact(steps=3)
        assert back.n_inputs == artifact.n_inputs and back.n_steps == 3


def image_error(words, **changes) -> core_io.ImageError:
    """The refusal of ``words`` by the default build with ``changes`` to its parameters."""
    with pytest.raises(core_io.ImageError) as caught:
        core_io.unpack_network(np.asarray(words, dtype=np.uint32), replace(DEFAULT_BUILD, **changes))
    return caught.value


def test_image_errors_follow_the_rtl_word_by_word():
    magic = reg.IMAGE_MAGIC
    lif = [4 | 4 << 16, 0, 1, 0, 0, 0, 0, 0]
    weights = [0] * 8  # 4 inputs x 1 row x 2 stream words at 16 lanes
    # the first failing word decides, even if it carries TLAST
    error = image_error([magic | 1] + lif[:1] + [0x3])  # D1 model 3, TLAST on it
    assert (error.flags, error.word, error.in_weights) == (ERR["PARAM"], 2, False)
    # one word can raise PARAM and CAPACITY together
    assert image_error([magic | 1, 0 | 2000 << 16] + lif[1:] + weights).flags == ERR["PARAM"] | ERR["CAPACITY"]
    # D0's sizes are compared unsigned: a negative n_in is too large, not a PARAM
    assert image_error([magic | 1, 0xFFFF | 4 << 16] + lif[1:]).flags == ERR["CAPACITY"]
    # the totals are checked at the last D7, after a bad D2 of that layer
    too_wide = [4 | 1024 << 16, 0, 1, 0, 0, 0, 0, 0]
    error = image_error([magic | 2] + lif + too_wide)
    assert (error.flags, error.word) == (ERR["CAPACITY"], 1 + 8 + 7)
    error = image_error([magic | 2] + lif + too_wide[:2] + [0] + too_wide[3:])
    assert (error.flags, error.word) == (ERR["PARAM"], 1 + 8 + 2)
    # an Izhikevich layer takes any threshold, but Q <= 24; a LIF layer any Q
    izh = [4 | 4 << 16, 1 | 24 << 8, 0xFFFF, 0, 0, 0, 0, 0]
    assert core_io.unpack_network([magic | 1] + izh + weights).layers[0].fields["threshold"] == -1
    assert core_io.unpack_network([magic | 1, lif[0], 31 << 8] + lif[2:] + weights).layers[0].neuron == "lif"
    # SHORT within the header and descriptors keeps the network, within the weights does not
    assert (image_error([magic | 1]).flags, image_error([magic | 1]).word) == (ERR["SHORT"], 0)
    error = image_error([magic | 1] + lif)
    assert (error.flags, error.word, error.in_weights) == (ERR["SHORT"], 8, False)
    error = image_error([magic | 1] + lif + weights[:-1])
    assert (error.flags, error.word, error.in_weights) == (ERR["SHORT"], 15, True)
    error = image_error([magic | 1] + lif + weights + [0, 0])
    assert (error.flags, error.word, error.in_weights) == (ERR["LONG"], 16, True)
    assert "LONG" in str(error) and "word 16" in str(error)
    # the capacity is the caller's build
    assert image_error([magic | 3], layers=2).flags == ERR["CAPACITY"]
    assert image_error([magic | 1] + lif + weights, fan_in=3).flags == ERR["CAPACITY"]
    assert image_error([magic | 1] + lif + weights, weight_words=3).word == 8
    with pytest.raises(ValueError, match="at least one word"):
        core_io.unpack_network([])
    with pytest.raises(ValueError, match="neurons must be"):
        core_io.unpack_network([magic | 1], CoreBuild(neurons=0))


def test_unpack_inputs_inverts_pack_inputs_and_ignores_padding_bits():
    rng = np.random.default_rng(0)
    spikes = (rng.random((3, 2, 45)) < 0.5).astype(np.uint8)
    words = stream.pack_inputs(spikes, 45)
    assert np.array_equal(core_io.unpack_inputs(words, 45, 3, 2), spikes)
    assert np.array_equal(core_io.unpack_inputs(words | np.uint32(0xFFFFE000) * (np.arange(words.size) % 2), 45, 3, 2),
                          spikes)
    with pytest.raises(ValueError, match="input stream has 11 words, expected 12"):
        core_io.unpack_inputs(words[:-1], 45, 3, 2)


@pytest.mark.parametrize("out_mode", range(8))
def test_pack_outputs_round_trips_through_unpack_outputs(out_mode):
    for seed in range(5):
        rng = np.random.default_rng(seed)
        artifact, _, _ = random_case(seed, CoreBuild(16, 256, 100, 4096, 3))
        steps, samples = int(rng.integers(1, 5)), int(rng.integers(1, 4))
        outputs = random_outputs(rng, artifact, steps, samples)
        words = core_io.pack_outputs(outputs, artifact, out_mode)
        assert words.dtype == np.uint32 and words.size == stream.output_words(artifact, steps, samples, out_mode)
        got = stream.unpack_outputs(words, artifact, steps, samples, out_mode)
        for name, bit in (("raster", reg.OUT_RASTER), ("counts", reg.OUT_COUNTS)):
            mine = getattr(got, name)
            assert mine is None if not out_mode & bit else np.array_equal(mine, getattr(outputs, name))
        if out_mode & reg.OUT_STATES:
            for mine, theirs in zip(got.states, outputs.states):
                assert mine.keys() == theirs.keys()
                assert all(np.array_equal(mine[k], theirs[k]) for k in theirs)
        assert np.array_equal(core_io.pack_outputs(got, artifact, out_mode), words)


def test_pack_outputs_zeroes_the_padding_and_refuses_bad_sections():
    layer = Layer("lif", np.zeros((3, 2), dtype=np.int8), 0, 0, {"beta": 0, "threshold": 1})
    artifact = Artifact(2, (layer,), {"kind": "raster", "steps": 1}, {})
    outputs = stream.Outputs(np.ones((1, 1, 3), np.uint8), np.array([[1, 2, 3]]), ({"v": np.array([[-1, 0, 5]])},))
    assert core_io.pack_outputs(outputs, artifact, 7).tolist() == [0x7, 0x0002_0001, 0x3, 0xFFFF, 0, 5]
    with pytest.raises(ValueError, match="OUT_MODE selects the counts"):
        core_io.pack_outputs(stream.Outputs(None, None, None), artifact, reg.OUT_COUNTS)
    with pytest.raises(ValueError, match=r"counts must lie in \[0, 65535\]"):
        core_io.pack_outputs(stream.Outputs(None, np.array([[0, 1, 65536]]), None), artifact, reg.OUT_COUNTS)
    with pytest.raises(ValueError, match="different numbers of samples"):
        core_io.pack_outputs(stream.Outputs(None, np.zeros((2, 3), int), outputs.states), artifact, 6)
