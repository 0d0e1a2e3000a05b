"""Running an artifact stays within the working-set bound, whatever T and the batch size.

Each run happens in a fresh interpreter whose address space is capped, once its inputs
exist, at what it holds plus the bound (plus the outputs the call returns, where they
are large, and a little slack): an allocation sized from T or from the batch raises
MemoryError there. Networks the IP cannot hold are refused before anything is allocated,
and the emulated core sizes its memory from the words it receives, never from the
STEPS and SAMPLES registers alone. Chunking changes no integer.
"""
import sys
from pathlib import Path

import numpy as np
import pytest

from address_space import SLACK_BYTES, needs_proc, run_limited
from pynq_snn.overlay.artifact import Artifact, Layer
from pynq_snn.overlay.core_build import CoreBuild
from pynq_snn.overlay.emulator import chunk_sizes, emulate
from pynq_snn.overlay.working_set import WORKING_SET_BYTES, WorkingSetError, samples_per_chunk

sys.path.insert(0, str(Path(__file__).parent / "rtl"))
from random_networks import random_case  # noqa: E402

#: One layer of 1024 LIF neurons behind one input at the IP's longest sample: 65535 steps.
#: Its drive alone, all steps at once, would take 65535 * 1024 * 8 bytes = 512 MiB a sample.
WIDE_LONG = """
import numpy as np
from pynq_snn.overlay.artifact import Artifact, Layer
from pynq_snn.overlay.working_set import WORKING_SET_BYTES
layer = Layer("lif", np.ones((1024, 1), np.int8), 0, 4, {"beta": 250, "threshold": 40})
artifact = Artifact(1, (layer,), {"kind": "raster", "steps": 65535}, {})
spikes = (np.arange(65535).reshape(65535, 1, 1) % 3 == 0).astype(np.uint8)
"""


def limited(code: str) -> str:
    """Run ``code`` under the cap; return its stdout, or fail with its stderr."""
    done = run_limited(code)
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


@needs_proc
def test_emulate_runs_the_longest_sample_of_a_wide_layer_within_the_bound():
    out = limited(WIDE_LONG + f"""
from pynq_snn.overlay.emulator import emulate
limit(WORKING_SET_BYTES + {SLACK_BYTES})
result = emulate(artifact, spikes, record_output=False)
print(int(result.spike_counts.sum()), int(result.counts.input_spikes[0]))
""")
    fired, inputs = map(int, out.split())
    assert inputs == 21845 and fired > 0


@needs_proc
def test_run_artifact_runs_the_longest_sample_within_the_bound():
    out = limited(WIDE_LONG + f"""
from pynq_snn.host.evaluate import run_artifact
labels = np.array([3])
limit(WORKING_SET_BYTES + {SLACK_BYTES})
report = run_artifact(artifact, spikes, labels, batch_size=10 ** 9)
print(report.n_samples, report.neuron_updates)
""")
    assert out.split() == ["1", str(65535 * 1024)]


@needs_proc
def test_the_emulated_device_runs_the_longest_sample_within_the_bound():
    # the outputs it returns: the raster (64 MiB here), the counts and the states
    out = limited(WIDE_LONG + f"""
from pynq_snn.host.device import open_device
device = open_device("emulator")
device.load(artifact)
limit(WORKING_SET_BYTES + 65535 * 1024 + {SLACK_BYTES})
result = device.run(spikes)
print(result.output_spikes.shape[0], int(result.spike_counts.sum()) == int(result.output_spikes.sum()))
""")
    assert out.split() == ["65535", "True"]


@needs_proc
def test_a_network_the_ip_cannot_hold_is_refused_before_anything_is_allocated():
    out = limited(f"""
import numpy as np
from pynq_snn.overlay.artifact import Artifact, Layer
from pynq_snn.overlay.capacity import CapacityError
from pynq_snn.overlay.emulator import emulate
from pynq_snn.host.evaluate import run_artifact
layer = Layer("lif", np.ones((9472, 1), np.int8), 0, 0, {{"beta": 250, "threshold": 40}})
artifact = Artifact(1, (layer,), {{"kind": "raster", "steps": 65535}}, {{}})
spikes = np.zeros((65535, 2, 1), np.uint8)
limit({SLACK_BYTES})
for run in (emulate, run_artifact):
    try:
        run(artifact, spikes)
    except CapacityError as refused:
        print(refused.violations[0])
""")
    assert out.count("9472 neurons, the IP holds 1024 per layer") == 2


@needs_proc
def test_the_emulated_core_takes_memory_for_the_words_it_receives_not_for_its_registers():
    out = limited(f"""
import numpy as np
from pynq_snn.overlay import registers as reg, stream
from pynq_snn.overlay.artifact import Artifact, Layer
from pynq_snn.overlay.emulated_core import EmulatedCore
layer = Layer("lif", np.ones((512, 1000), np.int8), 0, 0, {{"beta": 250, "threshold": 40}})
artifact = Artifact(1000, (layer,), {{"kind": "raster", "steps": 1}}, {{}})
core = EmulatedCore()
core.write(reg.CTRL, reg.CTRL_LOAD)
core.stream(stream.pack_network(artifact, core.build.lanes), 0)
core.write(reg.STEPS, 0xFFFF)
core.write(reg.SAMPLES, 0xFFFF)
core.write(reg.OUT_MODE, 7)
limit({SLACK_BYTES})
core.write(reg.CTRL, reg.CTRL_RUN)
out = core.stream(np.array([1, 2, 3], np.uint32), 10 ** 9)
print(out.size, reg.describe_errors(core.read(reg.ERROR)), core.read(reg.SAMPLES_DONE))
""")
    assert out.split()[0] == "0" and "SHORT" in out


def test_chunks_of_samples_and_timesteps_change_no_integer():
    for seed in range(6):
        artifact, spikes, _ = random_case(seed, CoreBuild(16, 256, 256, 2048, 4), max_steps=9, max_samples=7)
        whole = emulate(artifact, spikes, record_rasters=True)
        layers = artifact.layers
        budget = 2 * (128 * sum(layer.n_out for layer in layers)
                      + max(4 * layer.n_in + 12 * layer.n_out for layer in layers)) + 1
        assert chunk_sizes(layers, spikes.shape[0], spikes.shape[1], budget)[0] == 1
        pieces = emulate(artifact, spikes, record_rasters=True, budget=budget)
        assert np.array_equal(whole.output_spikes, pieces.output_spikes)
        assert all(np.array_equal(a, b) for a, b in zip(whole.rasters, pieces.rasters))
        assert np.array_equal(whole.spike_counts, pieces.spike_counts)
        assert np.array_equal(whole.counts.input_spikes, pieces.counts.input_spikes)
        for a, b in zip(whole.final_states, pieces.final_states):
            assert all(np.array_equal(a[name], b[name]) and b[name].dtype == np.int32 for name in a)


def test_final_states_are_int32_for_every_model():
    artifact, spikes, _ = random_case(0, CoreBuild(16, 256, 256, 2048, 4))
    assert {layer.neuron for layer in artifact.layers} == {"lif", "izhikevich"}
    result = emulate(artifact, spikes)
    assert all(value.dtype == np.int32 for state in result.final_states for value in state.values())


def test_without_the_output_raster_the_counts_and_predictions_stay():
    artifact, spikes, _ = random_case(3, CoreBuild(16, 256, 256, 2048, 4), max_steps=9, max_samples=7)
    whole, counted = emulate(artifact, spikes), emulate(artifact, spikes, record_output=False)
    assert counted.output_spikes is None
    assert np.array_equal(whole.spike_counts, whole.output_spikes.sum(axis=0))
    assert np.array_equal(whole.spike_counts, counted.spike_counts)
    assert np.array_equal(whole.predictions, counted.predictions)


def test_a_network_too_large_for_the_bound_is_named():
    layer = Layer("lif", np.ones((1024, 1), np.int8), 0, 0, {"beta": 250, "threshold": 40})
    artifact = Artifact(1, (layer,), {"kind": "raster", "steps": 3}, {})
    with pytest.raises(WorkingSetError, match=r"one sample and one timestep of this network needs 0.1 MiB, "
                                              r"more than the working-set bound of 0.0 MiB"):
        emulate(artifact, np.zeros((3, 1, 1), np.uint8), budget=10_000)
    with pytest.raises(ValueError, match="working-set bound must be an integer number of bytes >= 1"):
        emulate(artifact, np.zeros((3, 1, 1), np.uint8), budget=0)
    assert samples_per_chunk(10, 3, 7) == 2 and samples_per_chunk(10, 1, WORKING_SET_BYTES) == 10


@pytest.mark.parametrize("kind", ["rate", "raster"])
@pytest.mark.parametrize("batch_size, budget", [(100, 10 ** 9), (7, 10 ** 9), (7, 64), (1, 1)])
def test_encoding_in_batches_gives_the_spikes_of_one_encoding(kind, batch_size, budget):
    from pynq_snn.overlay.encoding import Encoding, encode, encode_batches

    encoding, rng = Encoding(kind, 13, 0.7), np.random.default_rng(1)
    x = rng.random((37, 5)) if kind == "rate" else (rng.random((37, 13, 5)) < 0.3).astype(np.uint8)
    whole_rng, batch_rng = np.random.default_rng(9), np.random.default_rng(9)
    whole = encode(encoding, x, whole_rng)
    batches = list(encode_batches(encoding, x, batch_rng, batch_size, budget))
    assert [b.shape[1] for b in batches] == [min(batch_size, 37 - i) for i in range(0, 37, batch_size)]
    assert np.array_equal(np.concatenate(batches, axis=1), whole)
    assert whole_rng.random() == batch_rng.random(), "the generator ends where one encoding leaves it"


def test_randman_refuses_rasters_beyond_its_bound():
    from pynq_snn.training.data.randman import make_randman

    with pytest.raises(ValueError, match="randman rasters of 1500 samples, 65535 steps and 128 channels take "
                                         "11.7 GiB, more than 1 GiB: use fewer steps, channels or samples"):
        make_randman(steps=65535)


@needs_proc
def test_the_run_command_encodes_the_test_split_in_batches_within_the_bound(tmp_path):
    # digits at 4096 steps: the whole test split encoded at once is 118 MB of spikes and 471 MB of draws
    path = tmp_path / "long.snn"
    out = limited(f"""
import numpy as np
from pynq_snn.cli import main
from pynq_snn.overlay.artifact import Artifact, Layer, save
from pynq_snn.overlay.working_set import WORKING_SET_BYTES
from pynq_snn.training.data import load_dataset
rng = np.random.default_rng(0)
layers = (Layer("lif", rng.integers(-7, 8, (32, 64)).astype(np.int8), 3, 2, {{"beta": 240, "threshold": 60}}),
          Layer("lif", rng.integers(-7, 8, (10, 32)).astype(np.int8), 3, 2, {{"beta": 240, "threshold": 60}}))
save(Artifact(64, layers, {{"kind": "rate", "steps": 4096, "gain": 1.0}}, {{"data": "digits", "data_seed": 0}}),
     {str(path)!r})
load_dataset("digits")
limit(WORKING_SET_BYTES + {SLACK_BYTES})
print("status", main(["run", {str(path)!r}, "--json"]))
""")
    assert "status 0" in out and '"n_samples": 449' in out


@pytest.mark.parametrize("kwargs, message", [
    (dict(labels="abcde"), "labels must be a 1-D array of integer class indices, got str"),
    (dict(labels=[0, 1, 2, 3, 4, 5, 6]), "label .* is not a class index of this network"),
    (dict(labels=[0]), "1 labels for 7 samples"),
    (dict(batch_size=0), "batch_size must be an integer >= 1"),
    (dict(batch_size=2.5), "batch_size must be an integer >= 1"),
])
def test_run_artifact_refuses_bad_labels_and_batch_sizes(kwargs, message):
    from pynq_snn.host.evaluate import run_artifact

    layer = Layer("lif", np.ones((4, 3), np.int8), 0, 0, {"beta": 250, "threshold": 2})
    artifact = Artifact(3, (layer,), {"kind": "raster", "steps": 2}, {})  # 4 classes
    spikes = np.ones((2, 7, 3), np.uint8)
    with pytest.raises(ValueError, match=message):
        run_artifact(artifact, spikes, **kwargs)
