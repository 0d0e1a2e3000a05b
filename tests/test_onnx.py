"""ONNX out: onnxruntime runs the exported model and equals the emulator, integer for integer.

The ONNX model is built from the artifact's integers and the contract's equations
alone; the emulator is the reference it must match in every output spike, every
layer's raster and every final state register, on seeded random networks.
"""
import doctest
import json
import re
import sys
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
import pytest

from pynq_snn.cli import main
from pynq_snn.overlay import formats
from pynq_snn.overlay.artifact import Artifact, Layer
from pynq_snn.overlay.core_build import DEFAULT_BUILD, CoreBuild
from pynq_snn.overlay.emulator import EmulatorResult, emulate
from pynq_snn.overlay.neurons import MODELS
from pynq_snn.quant.onnx_export import EMITTERS, INPUT, OUTPUT, save_onnx, to_onnx
from pynq_snn.quant.onnx_run import compare_onnx, open_session, run_onnx

sys.path.insert(0, str(Path(__file__).parent / "rtl"))
from random_networks import random_case, random_layer  # noqa: E402
from rtl_sim import SMALL_BUILD  # noqa: E402
from test_neuron_models import random_params  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
#: Seeded random networks per run: half on the RTL tests' small build (up to 64 neurons,
#: fan-in 64, 4 layers), half on a wider one (up to 256 neurons, fan-in 512, 8 layers).
N_RANDOM = 120
WIDE_BUILD = CoreBuild(neurons=256, fan_in=512, weight_words=4096, layers=8)
TINY = ["--data", "digits", "--hidden", "12", "--epochs", "1", "--qat-epochs", "1", "--steps", "6", "--quiet"]


def session_of(artifact: Artifact) -> ort.InferenceSession:
    return ort.InferenceSession(to_onnx(artifact).SerializeToString(), providers=["CPUExecutionProvider"])


def assert_equals_the_emulator(artifact: Artifact, spikes: np.ndarray,
                               build: CoreBuild = DEFAULT_BUILD) -> EmulatorResult:
    """Every output of onnxruntime equals the emulator's (a ``build`` of the IP that holds the
    network), compared whole; returns the emulator's."""
    ours = run_onnx(session_of(artifact), artifact, spikes)
    reference = emulate(artifact, spikes, record_rasters=True, build=build)
    assert np.array_equal(ours.output_spikes, reference.output_spikes)
    for layer, (raster, expected) in enumerate(zip(ours.rasters, reference.rasters)):
        assert np.array_equal(raster, expected), f"layer {layer} raster"
    for layer, (states, expected) in enumerate(zip(ours.final_states, reference.final_states)):
        assert states.keys() == expected.keys()
        for name in expected:
            assert np.array_equal(states[name], expected[name]), f"layer {layer} {name}"
            assert states[name].dtype == np.int32
    return reference


def test_random_networks_equal_the_emulator_bit_for_bit():
    """LIF and Izhikevich layers at random, parameters near firing or anywhere in their fields,
    1 to 40 timesteps, 1 to 8 samples, input rates 0.02, 0.2 and 0.6."""
    fired, mismatched = dict.fromkeys(MODELS, 0), []
    for seed in range(10_000, 10_000 + N_RANDOM):
        build = SMALL_BUILD if seed % 2 else WIDE_BUILD
        artifact, spikes, _ = random_case(seed, build, max_steps=40, max_samples=8)
        try:
            reference = assert_equals_the_emulator(artifact, spikes)
        except AssertionError as exc:
            mismatched.append(f"seed {seed} {artifact.sizes}: {exc}")
            continue
        for layer, raster in zip(artifact.layers, reference.rasters):
            fired[layer.neuron] += int(raster.sum())
    assert mismatched == []
    assert min(fired.values()) > 1000, fired  # every model ran, and its neurons spiked


@pytest.mark.parametrize("neuron", sorted(MODELS))
def test_the_largest_drive_the_accumulator_bound_allows_is_exact(neuron):
    """Fan-in at the bound for F = 8 and rows of +7, -7 and both: |I << F| comes within 2**20 of 2**23."""
    fan_in = 1
    while formats.accumulator_bound(fan_in + 1, formats.FRAC_BITS_MAX, formats.STATE_MAX) <= formats.ACC_MAX:
        fan_in += 1
    assert 7 * fan_in * 2 ** formats.FRAC_BITS_MAX > 2 ** 23 - 2 ** 20
    weights = np.array([[7] * fan_in, [-7] * fan_in, ([7, -7] * fan_in)[:fan_in]], dtype=np.int8)
    params = random_params(np.random.default_rng(5), MODELS[neuron])
    layer = Layer(neuron, weights, 4, formats.FRAC_BITS_MAX, params)
    artifact = Artifact(n_inputs=fan_in, layers=(layer,), encoding={"kind": "raster", "steps": 5}, meta={})
    spikes = np.ones((5, 2, fan_in), dtype=np.uint8)
    spikes[:, 1, ::3] = 0
    assert_equals_the_emulator(artifact, spikes, CoreBuild(fan_in=8192))  # wider than the default build


def test_every_model_of_the_registry_has_its_ops():
    assert set(EMITTERS) == set(MODELS)


def test_the_model_is_valid_onnx_with_one_scan_and_the_integer_weights():
    artifact, _, _ = random_case(3, SMALL_BUILD)
    model = to_onnx(artifact)
    onnx.checker.check_model(model, full_check=True)
    assert [n.op_type for n in model.graph.node].count("Scan") == 1
    assert {opset.domain for opset in model.opset_import} == {""}  # standard operators only
    weights = [onnx.numpy_helper.to_array(t) for t in model.graph.initializer if t.data_type == onnx.TensorProto.INT8]
    assert len(weights) == len(artifact.layers)
    for stored, layer in zip(weights, artifact.layers):
        assert np.array_equal(stored, layer.weights.T)
    assert [i.name for i in model.graph.input] == [INPUT] and model.graph.output[0].name == OUTPUT


def test_any_number_of_timesteps_and_samples_runs():
    artifact, _, _ = random_case(4, SMALL_BUILD)
    session = session_of(artifact)
    for steps, samples in ((1, 1), (50, 3)):
        spikes = (np.random.default_rng(steps).random((steps, samples, artifact.n_inputs)) < 0.3).astype(np.uint8)
        at_steps = Artifact(artifact.n_inputs, artifact.layers, {"kind": "raster", "steps": steps}, {})
        assert compare_onnx(session, at_steps, spikes).ok


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """A tiny digits network with a normalized Izhikevich hidden layer and a LIF output layer."""
    folder = tmp_path_factory.mktemp("onnx")
    model, artifact, exported = folder / "model.pt", folder / "model.snn", folder / "model.onnx"
    options = ["--neuron", "izh-norm", "--output-neuron", "lif", "--seed", "2"]
    assert main(["train", *TINY, *options, "--out", str(model)]) == 0
    assert main(["export", str(model), "--out", str(artifact)]) == 0
    assert main(["export", str(model), "--format", "onnx", "--out", str(exported)]) == 0
    return artifact, exported


def test_export_onnx_then_verify_onnx_finds_0_mismatches(trained, capsys):
    artifact, exported = trained
    capsys.readouterr()
    assert main(["verify", str(artifact), "--onnx", str(exported), "--seed", "2", "--json"]) == 0
    out = capsys.readouterr().out
    assert "ONNX model in onnxruntime vs emulator" in out and "PASS: bit-exact" in out
    report = json.loads(out.strip().splitlines()[-1])
    assert report["ok"] and report["n_samples"] == 449
    assert report["output_spike_mismatches"] == report["raster_mismatches"] == report["state_mismatches"] == 0
    assert report["raster_entries_compared"] == 449 * 6 * 22 and report["states_compared"] == 449 * (2 * 12 + 10)


def test_verify_onnx_exits_1_when_the_model_differs(trained, tmp_path, capsys):
    """An ONNX model of the same shape with another threshold is caught, integer by integer."""
    from pynq_snn.overlay.artifact import load

    artifact_path, _ = trained
    artifact = load(artifact_path)
    last = artifact.layers[-1]
    changed = Layer(last.neuron, last.weights, last.weight_shift, last.frac_bits,
                    {**last.params, "threshold": last.params["threshold"] + 1})
    save_onnx(Artifact(artifact.n_inputs, artifact.layers[:-1] + (changed,), artifact.encoding, {}),
              tmp_path / "other.onnx")
    capsys.readouterr()
    assert main(["verify", str(artifact_path), "--onnx", str(tmp_path / "other.onnx"), "--json"]) == 1
    out = capsys.readouterr().out
    assert "FAIL: the emulator differs from the ONNX model in onnxruntime" in out
    assert json.loads(out.strip().splitlines()[-1])["state_mismatches"] > 0


def bad_onnx_files(folder: Path, good: Path) -> dict:
    """Files that are not the artifact's ONNX model, with the start of the error each must give."""
    (folder / "garbage.onnx").write_bytes(b"\x00not a protobuf\xff" * 7)
    (folder / "truncated.onnx").write_bytes(good.read_bytes()[:200])
    narrow = Artifact(n_inputs=5, layers=(Layer("lif", np.ones((10, 5), np.int8), 0, 0,
                                                {"beta": 200, "threshold": 3}),),
                      encoding={"kind": "raster", "steps": 6}, meta={})
    save_onnx(narrow, folder / "narrow.onnx")
    identity = onnx.helper.make_graph([onnx.helper.make_node("Identity", ["x"], ["y"])], "foreign",
                                      [onnx.helper.make_tensor_value_info("x", onnx.TensorProto.INT64, [2])],
                                      [onnx.helper.make_tensor_value_info("y", onnx.TensorProto.INT64, [2])])
    onnx.save(onnx.helper.make_model(identity, opset_imports=[onnx.helper.make_opsetid("", 17)], ir_version=8),
              folder / "foreign.onnx")
    return {
        folder / "missing.onnx": "no ONNX model at",
        folder / "garbage.onnx": "is not a readable ONNX model",
        folder / "truncated.onnx": "is not a readable ONNX model",
        folder / "narrow.onnx": "takes 5 input channels, the artifact has 64",
        folder / "foreign.onnx": "takes 'x' tensor(int64) [2]; a pynq-snn ONNX model takes 'spikes' float32",
    }


def test_bad_onnx_files_get_one_line_and_exit_2(trained, tmp_path, capsys):
    artifact, exported = trained
    for path, message in bad_onnx_files(tmp_path, exported).items():
        capsys.readouterr()
        assert main(["verify", str(artifact), "--onnx", str(path)]) == 2, path.name
        err = capsys.readouterr().err
        assert err.startswith("pynq-snn verify: error: ") and message in err and err.count("\n") == 1, err


def test_an_onnx_model_of_another_shape_is_refused(tmp_path):
    artifact, _, _ = random_case(6, SMALL_BUILD)
    last = artifact.layers[-1]
    one_more = Layer(last.neuron, np.vstack([last.weights, last.weights[:1]]), last.weight_shift, last.frac_bits,
                     last.params)
    wider = Artifact(artifact.n_inputs, artifact.layers[:-1] + (one_more,), artifact.encoding, {})
    deeper = Artifact(artifact.n_inputs, artifact.layers + (random_layer(np.random.default_rng(1), last.n_out, 3),),
                      artifact.encoding, {})
    save_onnx(wider, tmp_path / "wider.onnx")
    save_onnx(deeper, tmp_path / "deeper.onnx")
    with pytest.raises(ValueError, match=f"'spikes_out' is {last.n_out + 1} wide, the artifact's is {last.n_out}"):
        open_session(tmp_path / "wider.onnx", artifact)
    with pytest.raises(ValueError, match=f"not the ONNX model of this {len(artifact.layers)}-layer artifact: "
                                         f"outputs unexpected \\['layer{len(artifact.layers)}_spikes'"):
        open_session(tmp_path / "deeper.onnx", artifact)


def readme_examples(title: str) -> str:
    """The ``pycon`` code blocks of the README section headed ``## <title>``, joined."""
    text = (ROOT / "README.md").read_text()
    section = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## )", text, flags=re.S | re.M)
    assert section, f"README has no section {title!r}"
    return "\n".join(re.findall(r"^```pycon\n(.*?)^```", section.group(1), flags=re.S | re.M))


def test_the_readme_onnx_example_runs(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    test = doctest.DocTestParser().get_doctest(readme_examples("ONNX out"), {}, "README ONNX out", "README.md", 0)
    assert test.examples
    runner = doctest.DocTestRunner(optionflags=doctest.NORMALIZE_WHITESPACE)
    report = []
    runner.run(test, out=report.append)
    assert runner.failures == 0, "".join(report)
