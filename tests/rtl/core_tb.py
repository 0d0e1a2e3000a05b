"""cocotb bench: the whole SNN core IP, driven through its AXI interfaces.

Random networks are loaded over the input stream and run on random spike trains;
the output stream (raster, counts, final states) and the CYCLES register must
equal the functional emulator and the cycle model exactly. Bad input at the bus
must raise the documented error flag, leave the loaded network intact and let a
soft reset recover the core.

Environment: ``SNN_RTL_CASES`` (random cases, default 50), ``SNN_RTL_SEED`` (first
seed, default 0), ``SNN_RTL_TOPOLOGIES`` (comma-separated sizes like
``784-512-10`` to run as extra cases on this build), ``SNN_RTL_REPORT`` (a JSON
file for the soak's figures); ``SNN_RTL_ARTIFACT``, ``SNN_RTL_INPUTS``,
``SNN_RTL_OUT_MODE`` and ``SNN_RTL_ARTIFACT_REPORT`` for one given network (the
trained digits one in the tests and the bench).
"""
from __future__ import annotations

import itertools
import json
import logging
import os
from pathlib import Path

import numpy as np
from cocotb import start_soon, test
from cocotb.clock import Clock
from cocotb.triggers import ClockCycles, RisingEdge, SimTimeoutError, with_timeout
from cocotbext.axi import AxiLiteBus, AxiLiteMaster, AxiStreamBus, AxiStreamFrame, AxiStreamSink, AxiStreamSource

from pynq_snn.overlay import cycles, registers as reg, stream
from pynq_snn.overlay.artifact import Artifact
from pynq_snn.overlay.core_build import CAPABILITY_REGISTERS, CoreBuild
from pynq_snn.overlay.emulator import emulate
from bad_images import refused_images
from output_check import output_problems
from random_networks import network_case, random_case

#: Simulated time a command may take before the bench calls the IP hung (10 ns cycles).
TIMEOUT_US = 5_000

ERR = {name: 1 << bit for bit, (name, _) in reg.ERROR_BITS.items()}


def words_to_bytes(words: np.ndarray) -> bytes:
    return np.asarray(words, dtype="<u4").tobytes()


def bytes_to_words(data) -> np.ndarray:
    return np.frombuffer(bytes(data), dtype="<u4")


class Bench:
    """The IP behind cocotbext-axi drivers, with the few register moves the tests need."""

    def __init__(self, dut):
        self.dut = dut
        self.axil = AxiLiteMaster(AxiLiteBus.from_prefix(dut, "s_axi"), dut.aclk, dut.aresetn, reset_active_level=False)
        self.source = AxiStreamSource(AxiStreamBus.from_prefix(dut, "s_axis"), dut.aclk, dut.aresetn,
                                      reset_active_level=False)
        self.sink = AxiStreamSink(AxiStreamBus.from_prefix(dut, "m_axis"), dut.aclk, dut.aresetn,
                                  reset_active_level=False)
        self.build = None
        for interface in ("s_axi", "s_axis", "m_axis"):  # one log line per transfer is too many
            logging.getLogger(f"cocotb.{dut._name}.{interface}").setLevel(logging.WARNING)

    async def start(self):
        start_soon(Clock(self.dut.aclk, 10, unit="ns").start())
        self.dut.aresetn.value = 0
        await ClockCycles(self.dut.aclk, 5)
        self.dut.aresetn.value = 1
        await ClockCycles(self.dut.aclk, 2)
        await self.write(reg.IER, 1)
        capability = {offset: await self.read(offset) for offset in CAPABILITY_REGISTERS.values()}
        self.build = CoreBuild.from_registers(capability.__getitem__)

    async def read(self, offset: int) -> int:
        return await self.axil.read_dword(offset)

    async def write(self, offset: int, value: int) -> None:
        await self.axil.write_dword(offset, value)

    async def wait_done(self) -> None:
        """Wait for the done interrupt (at most TIMEOUT_US of simulated time), then clear it."""
        if not int(self.dut.irq.value):
            await with_timeout(RisingEdge(self.dut.irq), TIMEOUT_US, "us")
        await self.write(reg.ISR, 1)

    async def receive(self) -> np.ndarray:
        """One output frame (up to TLAST) as 32-bit words."""
        frame = await with_timeout(self.sink.recv(), TIMEOUT_US, "us")
        return bytes_to_words(frame.tdata)

    async def cycles(self) -> int:
        return await self.read(reg.CYCLES_LO) | (await self.read(reg.CYCLES_HI)) << 32

    def dma_reset(self) -> None:
        """What the driver does to the DMA after a soft reset: drop what is queued or in flight."""
        self.source.clear()
        self.source.assert_reset()
        self.sink.clear()
        self.sink.assert_reset()

    def pace(self, rng) -> None:
        """Sometimes pause the streams, to prove CYCLES does not count the waits."""
        if rng is not None and rng.random() < 0.25:
            for port, period in ((self.source, 7), (self.sink, 5)):
                pattern = rng.random(period) < 0.4
                pattern[0] = False  # a pattern of pauses only would stop the stream for good
                port.set_pause_generator(itertools.cycle(pattern))
        else:
            self.unpause()

    def unpause(self) -> None:
        """Stop pausing the streams (clearing a pause generator can leave them paused)."""
        for port in (self.source, self.sink):
            port.clear_pause_generator()
            port.pause = False

    async def load_words(self, words) -> int:
        """Send a network image (any words); return the ERROR register after the command."""
        await self.write(reg.CTRL, reg.CTRL_LOAD)
        await self.source.send(AxiStreamFrame(words_to_bytes(words)))
        await self.wait_done()
        return await self.read(reg.ERROR)

    async def load(self, artifact: Artifact) -> int:
        return await self.load_words(stream.pack_network(artifact, self.build.lanes))

    async def run(self, artifact: Artifact, spikes: np.ndarray, out_mode: int):
        """Run a batch; return (ERROR, output words). A refused run gets no input stream."""
        steps, n_samples, _ = spikes.shape
        await self.write(reg.STEPS, steps)
        await self.write(reg.SAMPLES, n_samples)
        await self.write(reg.OUT_MODE, out_mode)
        await self.write(reg.CTRL, reg.CTRL_RUN)
        status = await self.read(reg.STATUS)
        if status & reg.STATUS_ERROR and not status & reg.STATUS_BUSY:  # refused: send nothing
            await self.wait_done()
            return await self.read(reg.ERROR), np.zeros(0, dtype=np.uint32)
        await self.source.send(AxiStreamFrame(words_to_bytes(stream.pack_inputs(spikes, artifact.n_inputs))))
        out = np.zeros(0, dtype=np.uint32)
        if out_mode:
            out = await self.receive()
        await self.wait_done()
        return await self.read(reg.ERROR), out


def compare(artifact, spikes, out_mode, words):
    """``(problems, emulator result)``: how the IP's output words differ from the emulator."""
    want = emulate(artifact, spikes)
    return output_problems(words, artifact, spikes, out_mode, want), want


async def check_case(bench: Bench, artifact, spikes, out_mode, rng=None):
    """Load and run one case; return a list of problems (empty when bit and cycle exact).
    A hung IP is reported, soft-reset and its streams flushed, so later cases still run."""
    try:
        return await _check_case(bench, artifact, spikes, out_mode, rng)
    except SimTimeoutError:
        where = (f"FSM state {int(bench.dut.state.value)}, s_axis_tvalid {int(bench.dut.s_axis_tvalid.value)}, "
                 f"m_axis_tready {int(bench.dut.m_axis_tready.value)}, input queued {not bench.source.idle()}")
        await bench.write(reg.CTRL, reg.CTRL_SOFT_RESET)
        bench.dma_reset()
        return [f"no DONE within {TIMEOUT_US} us ({where})"]


async def _check_case(bench: Bench, artifact, spikes, out_mode, rng):
    lanes = bench.build.lanes
    bench.pace(rng)
    error = await bench.load(artifact)
    if error:
        return [f"load raised {reg.describe_errors(error)}"]
    load_cycles = await bench.cycles()
    if load_cycles != cycles.load_cycles(artifact, lanes):
        return [f"load took {load_cycles} cycles, the model says {cycles.load_cycles(artifact, lanes)}"]
    error, words = await bench.run(artifact, spikes, out_mode)
    if error:
        return [f"run raised {reg.describe_errors(error)}"]
    problems, want = compare(artifact, spikes, out_mode, words)
    steps, n_samples, _ = spikes.shape
    model = cycles.run_cycles(artifact, want.counts.input_spikes, steps, n_samples, out_mode, lanes,
                              bench.build.banks)
    got = await bench.cycles()
    if got != model:
        problems.append(f"run took {got} cycles, the model says {model}")
    return problems


@test()
async def registers_report_identity_and_capacity(dut):
    bench = Bench(dut)
    await bench.start()
    assert await bench.read(reg.ID) == reg.ID_VALUE
    assert await bench.read(reg.VERSION) == reg.VERSION_VALUE
    assert await bench.read(reg.CAP_STEPS) == 65535
    assert await bench.read(reg.CAP_MODELS) == 0x3
    assert await bench.read(reg.CAP_STREAM_BITS) == 32
    assert await bench.read(reg.STATUS) == 0
    assert await bench.read(reg.OUT_MODE) == reg.OUT_RASTER
    assert await bench.read(0xFC) == 0, "unlisted offsets read 0"


@test()
async def random_networks_equal_the_emulator(dut):
    bench = Bench(dut)
    await bench.start()
    n_cases = int(os.environ.get("SNN_RTL_CASES", "50"))
    first = int(os.environ.get("SNN_RTL_SEED", "0"))
    cases = [(f"seed {seed}", *random_case(seed, bench.build)) for seed in range(first, first + n_cases)]
    for text in filter(None, os.environ.get("SNN_RTL_TOPOLOGIES", "").split(",")):
        sizes = [int(x) for x in text.split("-")]
        cases.append((f"topology {text}", *network_case(len(cases), sizes, steps=2, samples=1, rate=0.1), 7))
    failures = []
    pace_rng = np.random.default_rng(first)
    for name, artifact, spikes, out_mode in cases:
        problems = await check_case(bench, artifact, spikes, out_mode, pace_rng)
        if problems:
            failures.append(name)
            if len(failures) <= 5:
                dut._log.error(f"{name} sizes {artifact.sizes} out_mode {out_mode}: {problems}")
    dut._log.info(f"{len(cases) - len(failures)} of {len(cases)} cases bit and cycle exact")
    if os.environ.get("SNN_RTL_REPORT"):
        Path(os.environ["SNN_RTL_REPORT"]).write_text(json.dumps({"cases": len(cases), "failures": failures}))
    assert not failures, f"{len(failures)} of {len(cases)} cases differ: {failures[:10]}"


async def expect_same_results(bench, artifact, spikes):
    """The loaded network still runs and equals the emulator."""
    error, words = await bench.run(artifact, spikes, 7)
    assert error == 0, reg.describe_errors(error)
    problems, _ = compare(artifact, spikes, 7, words)
    assert not problems, problems


@test()
async def bad_loads_are_refused_and_keep_the_loaded_network(dut):
    bench = Bench(dut)
    await bench.start()
    artifact, spikes = network_case()
    assert await bench.load(artifact) == 0
    good = stream.pack_network(artifact, bench.build.lanes)

    refused = refused_images(good, bench.build)
    for flag, what, words in refused:
        error = await bench.load_words(words)
        assert error == ERR[flag], f"{what}: got {reg.describe_errors(error)}, expected {flag}"
        status = await bench.read(reg.STATUS)
        assert status & reg.STATUS_LOADED and not status & reg.STATUS_BUSY, what
        await expect_same_results(bench, artifact, spikes)

    # a stream cut short during the header: refused, the network kept
    assert await bench.load_words(good[:3]) == ERR["SHORT"]
    await expect_same_results(bench, artifact, spikes)
    # cut during the weights: the network is gone, a run says so
    assert await bench.load_words(good[:-1]) == ERR["SHORT"]
    assert not await bench.read(reg.STATUS) & reg.STATUS_LOADED
    error, _ = await bench.run(artifact, spikes, 0)
    assert error == ERR["NOT_LOADED"]
    # too long: the surplus is consumed, the image does not count
    assert await bench.load_words(np.concatenate([good, good[:5]])) == ERR["LONG"]
    assert not await bench.read(reg.STATUS) & reg.STATUS_LOADED
    assert await bench.load(artifact) == 0
    await expect_same_results(bench, artifact, spikes)


@test()
async def bad_runs_are_refused_and_a_soft_reset_recovers(dut):
    bench = Bench(dut)
    await bench.start()
    artifact, spikes = network_case(seed=2)
    inputs = stream.pack_inputs(spikes, artifact.n_inputs)
    assert await bench.load(artifact) == 0

    # STEPS = 0, and RUN with LOAD: refused with PARAM, nothing consumed
    await bench.write(reg.STEPS, 0)
    await bench.write(reg.CTRL, reg.CTRL_RUN)
    await bench.wait_done()
    assert await bench.read(reg.ERROR) == ERR["PARAM"]
    await bench.write(reg.CTRL, reg.CTRL_RUN | reg.CTRL_LOAD)
    assert await bench.read(reg.ERROR) & ERR["PARAM"]
    assert not await bench.read(reg.STATUS) & reg.STATUS_BUSY
    await bench.write(reg.ERROR, 0x7F)
    assert await bench.read(reg.ERROR) == 0, "ERROR is write-1-to-clear"

    # an input stream one word short: SHORT, then the core runs again
    await bench.write(reg.STEPS, spikes.shape[0])
    await bench.write(reg.SAMPLES, spikes.shape[1])
    await bench.write(reg.OUT_MODE, 0)
    await bench.write(reg.CTRL, reg.CTRL_RUN)
    await bench.source.send(AxiStreamFrame(words_to_bytes(inputs[:-1])))
    await bench.wait_done()
    assert await bench.read(reg.ERROR) == ERR["SHORT"]
    await expect_same_results(bench, artifact, spikes)

    # one word too many: LONG, the surplus is consumed, the outputs are still right
    await bench.write(reg.OUT_MODE, 7)
    await bench.write(reg.CTRL, reg.CTRL_RUN)
    await bench.source.send(AxiStreamFrame(words_to_bytes(np.concatenate([inputs, inputs[:1]]))))
    words = await bench.receive()
    await bench.wait_done()
    assert await bench.read(reg.ERROR) == ERR["LONG"]
    assert not compare(artifact, spikes, 7, words)[0]

    # a start while busy is flagged and ignored; the run goes on to the right answer
    await bench.write(reg.CTRL, reg.CTRL_RUN)
    await bench.write(reg.CTRL, reg.CTRL_LOAD)
    assert await bench.read(reg.ERROR) == ERR["BUSY_START"]
    await bench.source.send(AxiStreamFrame(words_to_bytes(inputs)))
    words = await bench.receive()
    await bench.wait_done()
    assert await bench.read(reg.ERROR) == ERR["BUSY_START"]
    assert not compare(artifact, spikes, 7, words)[0]

    # configuration written while busy is ignored
    await bench.write(reg.CTRL, reg.CTRL_RUN)
    await bench.write(reg.STEPS, 1)
    assert await bench.read(reg.STEPS) == spikes.shape[0]

    # a soft reset in the middle of that run (blocked on a full output stream): idle,
    # no error, the network kept; the DMA side is reset too, as on the board
    bench.sink.pause = True
    await bench.source.send(AxiStreamFrame(words_to_bytes(inputs)))
    await ClockCycles(dut.aclk, 500)  # long enough for a step's raster to wait on the stream
    assert await bench.read(reg.STATUS) & reg.STATUS_BUSY
    stalls = await bench.read(reg.STALLS_LO)
    await ClockCycles(dut.aclk, 10)
    assert await bench.read(reg.STALLS_LO) >= stalls + 10, "waiting on m_axis_tready counts as stalls"
    await bench.write(reg.CTRL, reg.CTRL_SOFT_RESET)
    bench.dma_reset()
    bench.sink.pause = False
    status = await bench.read(reg.STATUS)
    assert not status & reg.STATUS_BUSY and status & reg.STATUS_LOADED
    assert await bench.read(reg.ERROR) == 0
    await expect_same_results(bench, artifact, spikes)

    # a soft reset while a load's weights arrive clears LOADED; a fresh load recovers
    good = stream.pack_network(artifact, bench.build.lanes)
    descriptors = 1 + 8 * len(artifact.layers)
    assert len(good) > descriptors + 8
    await bench.write(reg.CTRL, reg.CTRL_LOAD)
    bench.source.set_pause_generator(itertools.chain([False] * (descriptors + 4), itertools.repeat(True)))
    await bench.source.send(AxiStreamFrame(words_to_bytes(good)))
    await ClockCycles(dut.aclk, descriptors + 20)
    await bench.write(reg.CTRL, reg.CTRL_SOFT_RESET)
    bench.dma_reset()
    bench.unpause()
    assert not await bench.read(reg.STATUS) & (reg.STATUS_LOADED | reg.STATUS_BUSY)
    error, _ = await bench.run(artifact, spikes, 0)
    assert error == ERR["NOT_LOADED"]
    assert await bench.load(artifact) == 0
    await expect_same_results(bench, artifact, spikes)

    # the interrupt follows IER and ISR
    await bench.write(reg.IER, 0)
    await bench.write(reg.CTRL, reg.CTRL_LOAD)
    await bench.source.send(AxiStreamFrame(words_to_bytes(good)))
    while not await bench.read(reg.STATUS) & reg.STATUS_DONE:
        pass
    assert int(dut.irq.value) == 0 and await bench.read(reg.ISR) == 1
    await bench.write(reg.IER, 1)
    assert int(dut.irq.value) == 1
    await bench.write(reg.ISR, 1)
    assert int(dut.irq.value) == 0 and await bench.read(reg.ISR) == 0


@test()
async def artifact_file_runs_as_the_cycle_model_says(dut):
    """A given network, e.g. the trained digits one: load the artifact ``SNN_RTL_ARTIFACT``,
    run it on the spikes ``SNN_RTL_INPUTS`` (a .npy of uint8 [T, N, n_inputs]) with the
    output sections ``SNN_RTL_OUT_MODE`` (default: the counts); the LOAD and RUN cycles
    must equal the cycle model and the output words the emulator. The figures go to
    ``SNN_RTL_ARTIFACT_REPORT`` (JSON) when it is set, before the checks."""
    from pynq_snn.overlay.artifact import load

    bench = Bench(dut)
    await bench.start()
    artifact = load(os.environ["SNN_RTL_ARTIFACT"])
    spikes = np.load(os.environ["SNN_RTL_INPUTS"])
    out_mode = int(os.environ.get("SNN_RTL_OUT_MODE", str(reg.OUT_COUNTS)))
    lanes = bench.build.lanes
    assert await bench.load(artifact) == 0
    load_cycles = await bench.cycles()
    error, words = await bench.run(artifact, spikes, out_mode)
    assert error == 0, reg.describe_errors(error)
    problems, want = compare(artifact, spikes, out_mode, words)
    steps, n_samples, _ = spikes.shape
    report = {
        "samples": n_samples, "out_mode": out_mode,
        "load_cycles": load_cycles, "load_cycles_model": cycles.load_cycles(artifact, lanes),
        "run_cycles": await bench.cycles(),
        "run_cycles_model": cycles.run_cycles(artifact, want.counts.input_spikes, steps, n_samples, out_mode,
                                              lanes, bench.build.banks),
        "spikes_per_layer": [int(n) for n in want.counts.spikes],
        "outputs_equal_the_emulator": not problems,
    }
    if os.environ.get("SNN_RTL_ARTIFACT_REPORT"):
        Path(os.environ["SNN_RTL_ARTIFACT_REPORT"]).write_text(json.dumps(report))
    assert report["load_cycles"] == report["load_cycles_model"], report
    assert report["run_cycles"] == report["run_cycles_model"], report
    assert not problems, problems[:5]
