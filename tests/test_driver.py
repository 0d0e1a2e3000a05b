"""The driver and the host API on the register-level emulated core.

The driver's results (through registers and stream words) must equal the
functional emulator called directly, and its CYCLES the cycle model; every error
a user meets must name the problem, and a timeout must leave the device usable.
"""
import sys
from pathlib import Path

import numpy as np
import pytest

from pynq_snn.host.device import Device, open_device
from pynq_snn.overlay import cycles, driver, registers as reg
from pynq_snn.overlay.artifact import Artifact, Layer
from pynq_snn.overlay.capacity import CapacityError
from pynq_snn.overlay.core_build import SPIKES_PER_WORD, CoreBuild, ceil_div
from pynq_snn.overlay.driver import DeviceError, DeviceTimeout, SnnCore
from pynq_snn.overlay.emulated_core import EmulatedCore
from pynq_snn.overlay.emulator import emulate

sys.path.insert(0, str(Path(__file__).parent / "rtl"))
from random_networks import random_case  # noqa: E402
from rtl_sim import SMALL_BUILD  # noqa: E402

def emulator_device() -> Device:
    return open_device("emulator")


def assert_equal_to_the_emulator(result, artifact, spikes):
    want = emulate(artifact, spikes)
    assert np.array_equal(result.output_spikes, want.output_spikes)
    assert np.array_equal(result.spike_counts, want.spike_counts)
    assert np.array_equal(result.predictions, want.predictions)
    for got, expected in zip(result.final_states, want.final_states):
        assert got.keys() == expected.keys()
        for name in expected:
            assert np.array_equal(np.asarray(got[name], np.int64), np.asarray(expected[name], np.int64))
    steps, n_samples, _ = spikes.shape
    assert result.cycles == cycles.run_cycles(artifact, want.counts.input_spikes, steps, n_samples,
                                              driver.ALL_OUTPUTS, 16)


@pytest.mark.parametrize("seed", range(40))
def test_driver_results_equal_the_functional_emulator(seed):
    artifact, spikes, _ = random_case(seed, CoreBuild(16, 256, 256, 2048, 4), max_steps=5, max_samples=4)
    device = emulator_device()
    device.load(artifact)
    result = device.run(spikes)
    assert_equal_to_the_emulator(result, artifact, spikes)
    assert result.backend == "emulator" and result.latency_s > 0 and result.power_w is None


def test_capacity_comes_from_the_capability_registers():
    core = EmulatedCore(SMALL_BUILD)
    capacity = SnnCore(core).capacity
    assert (capacity.lanes, capacity.neurons, capacity.fan_in, capacity.layers) == (8, 64, 64, 4)
    assert capacity.synapses == 384 * 8


def test_a_network_too_big_for_the_ip_is_refused_before_anything_is_sent():
    core = EmulatedCore(SMALL_BUILD)
    layer = Layer("lif", np.ones((70, 10), np.int8), 0, 0, {"beta": 200, "threshold": 5})
    artifact = Artifact(10, (layer,), {"kind": "raster", "steps": 3}, {})
    with pytest.raises(CapacityError, match="70 neurons, the IP holds 64 per layer"):
        SnnCore(core).load(artifact)
    assert core.read(reg.CYCLES_LO) == 0 and not core.read(reg.STATUS) & reg.STATUS_LOADED


def test_batches_larger_than_one_dma_transfer_are_split_and_joined(monkeypatch):
    artifact, spikes, _ = random_case(5, CoreBuild(16, 128, 64, 4096, 3), max_steps=4, max_samples=3)
    spikes = np.concatenate([spikes] * 5, axis=1)
    words_per_sample = spikes.shape[0] * ceil_div(artifact.n_inputs, SPIKES_PER_WORD)
    monkeypatch.setattr(driver, "DMA_MAX_BYTES", 4 * (2 * max(words_per_sample, 8) + 1))
    device = emulator_device()
    device.load(artifact)
    result = device.run(spikes)
    want = emulate(artifact, spikes)
    assert np.array_equal(result.output_spikes, want.output_spikes)
    for got, expected in zip(result.final_states, want.final_states):
        assert np.array_equal(np.asarray(got["v"]), np.asarray(expected["v"]))


class FlakyPort:
    """An emulated core whose next stream transfer never finishes."""

    def __init__(self):
        self.core = EmulatedCore()
        self.hang_next = False
        self.resets = 0

    def read(self, offset):
        return self.core.read(offset)

    def write(self, offset, value):
        self.core.write(offset, value)

    def stream(self, words, n_receive, timeout_s):
        if self.hang_next:
            self.hang_next = False
            raise TimeoutError("DMA transfer not finished")
        return self.core.stream(words, n_receive, timeout_s)

    def reset_streams(self):
        self.resets += 1


def test_a_dma_timeout_resets_the_device_and_leaves_it_usable():
    artifact, spikes, _ = random_case(7, CoreBuild(16, 128, 64, 4096, 3))
    port = FlakyPort()
    core = SnnCore(port, timeout_s=0.5)
    core.load(artifact)
    port.hang_next = True
    with pytest.raises(DeviceTimeout, match="reset and are usable"):
        core.run(spikes)
    assert port.resets == 1
    assert not port.read(reg.STATUS) & reg.STATUS_BUSY
    result = core.run(spikes)
    assert np.array_equal(result.outputs.raster, emulate(artifact, spikes).output_spikes)


class WrongIdentity(EmulatedCore):
    def __init__(self, id_value=reg.ID_VALUE, version=reg.VERSION_VALUE):
        super().__init__()
        self.fake = {reg.ID: id_value, reg.VERSION: version}

    def read(self, offset):
        return self.fake.get(offset, super().read(offset))


def test_a_wrong_ip_or_ip_version_is_named():
    with pytest.raises(DeviceError, match="no SNN core IP at this address: ID register reads 0xdeadbeef"):
        SnnCore(WrongIdentity(id_value=0xDEADBEEF))
    with pytest.raises(DeviceError, match="wrong IP version 2.0.0: this driver speaks the register map 1.x"):
        SnnCore(WrongIdentity(version=0x00020000))


def test_bad_input_is_refused_with_the_limit():
    artifact, spikes, _ = random_case(9, CoreBuild(16, 128, 64, 4096, 3))
    device = emulator_device()
    with pytest.raises(DeviceError, match="no network loaded"):
        device.run(spikes)
    device.load(artifact)
    with pytest.raises(ValueError, match="channels"):
        device.run(np.zeros((spikes.shape[0], 2, artifact.n_inputs + 1), np.uint8))
    with pytest.raises(ValueError, match="uint8 or bool"):
        device.run(spikes.astype(np.float32))
    with pytest.raises(ValueError, match="labels"):
        device.run(spikes, labels=np.zeros(spikes.shape[1] + 1))
    with pytest.raises(TypeError, match="Artifact"):
        device.load("model.snn")


def test_backends(capsys):
    with pytest.raises(ValueError, match="backend must be one of auto, board, emulator"):
        open_device("fpga")
    with pytest.raises(DeviceError, match="no PYNQ board found"):
        open_device("board")
    device = open_device("auto")
    assert device.backend == "emulator"
    assert "running on the bit-exact emulator" in capsys.readouterr().err
    assert "backend='emulator'" in repr(device)


def test_accuracy_and_energy():
    artifact, spikes, _ = random_case(11, CoreBuild(16, 128, 64, 4096, 3))
    device = emulator_device()
    device.load(artifact)
    labels = emulate(artifact, spikes).predictions
    assert device.run(spikes, labels).accuracy == 1.0
    energy = device.estimate_energy(spikes)
    assert energy.per_sample_nj > 0


def test_a_network_loaded_behind_the_drivers_back_is_noticed_before_a_run():
    port = EmulatedCore()
    ours, theirs = SnnCore(port), SnnCore(port)
    artifact, spikes, _ = random_case(11, CoreBuild(16, 128, 64, 4096, 3))
    other, _, _ = random_case(12, CoreBuild(16, 128, 64, 4096, 3))
    assert other.sizes != artifact.sizes
    ours.load(artifact)
    theirs.load(other)
    with pytest.raises(DeviceError, match="holds another network than the one this driver loaded: NET_"):
        ours.run(spikes)
    ours.load(artifact)
    assert np.array_equal(ours.run(spikes).outputs.counts, emulate(artifact, spikes).spike_counts)


def test_a_network_unloaded_by_a_reset_is_noticed_before_a_run():
    port = EmulatedCore()
    core = SnnCore(port)
    artifact, spikes, _ = random_case(11, CoreBuild(16, 128, 64, 4096, 3))
    core.load(artifact)
    port.reset()
    with pytest.raises(DeviceError, match="holds no network .* call load\\(artifact\\) again"):
        core.run(spikes)


@pytest.mark.parametrize("labels, message", [
    ("abcde", "labels must be a 1-D array of integer class indices, got str"),
    ([0.0, 1.0, 2.0, 0.0, 1.0], "labels must be a 1-D array of integer class indices, got float64"),
    ([0, 1, 2], "3 labels for 5 samples"),
    ([0, 1, 2, 3, 99], "label 99 is not a class index of this network: its 4 outputs are classes 0 to 3"),
    ([0, 1, 2, 3, -1], "label -1 is not a class index"),
])
def test_labels_must_be_class_indices_of_the_network(labels, message):
    artifact, spikes, _ = random_case(2, CoreBuild(16, 128, 64, 4096, 3))
    artifact = Artifact(artifact.n_inputs, artifact.layers[:-1] + (Layer(
        "lif", np.ones((4, artifact.layers[-1].n_in), np.int8), 0, 0, {"beta": 200, "threshold": 5}),),
        artifact.encoding, {})
    spikes = np.concatenate([spikes] * 5, axis=1)[:, :5]
    device = emulator_device()
    device.load(artifact)
    with pytest.raises(ValueError, match=message):
        device.run(spikes, labels)
