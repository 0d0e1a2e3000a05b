"""NIR out and in: the toolkit's integers survive a round trip, snnTorch's graphs come in,
snnTorch reads the toolkit's graphs, and what the IP cannot run is listed all at once."""
import doctest

import nir
import numpy as np
import pytest
import snntorch as snn
import torch
from snntorch import utils
from snntorch.export_nir import export_to_nir
from snntorch.import_nir import import_from_nir
from test_bitexact import random_network
from test_onnx import readme_examples

from pynq_snn.cli import main
from pynq_snn.overlay.artifact import load
from pynq_snn.pipeline import CHECKPOINT_VERSION, load_checkpoint, save_network_checkpoint
from pynq_snn.quant.export import to_artifact
from pynq_snn.quant.from_snntorch import ConversionError, float_network
from pynq_snn.quant.network import QuantSpikingLinear, QuantSpikingNetwork
from pynq_snn.quant.nir_in import from_nir, read_nir, snntorch_model
from pynq_snn.quant.nir_izhikevich import NODE_TYPE, izhikevich_node
from pynq_snn.quant.nir_lif import DT, lif_node
from pynq_snn.quant.nir_out import to_nir
from pynq_snn.quant.qizhikevich import QuantIzhikevich
from pynq_snn.quant.qlif import QuantLIF
from pynq_snn.overlay.encoding import Encoding
from pynq_snn.training.neurons import preset
from pynq_snn.verify import compare


def same_artifact(model: QuantSpikingNetwork, other: QuantSpikingNetwork) -> bool:
    encoding = {"kind": "raster", "steps": 5}
    return to_artifact(model, encoding) == to_artifact(other, encoding)


def lif_network(seed: int) -> QuantSpikingNetwork:
    """Random LIF layers, each with its own leak in (0, 1) and threshold, weights that make spikes."""
    rng = np.random.default_rng(seed)
    sizes = [int(n) for n in rng.integers(2, 40, size=int(rng.integers(2, 5)))]
    layers = []
    for n_in, n_out in zip(sizes[:-1], sizes[1:]):
        layer = QuantSpikingLinear(n_in, n_out, QuantLIF(beta=float(rng.uniform(0, 0.99)),
                                                          threshold=float(10 ** rng.uniform(-1, 0.5))))
        with torch.no_grad():
            layer.linear.weight.copy_(torch.from_numpy(rng.normal(0, 2 / np.sqrt(n_in), (n_out, n_in))))
        layers.append(layer)
    return QuantSpikingNetwork(layers)


def random_spikes(seed: int, n_inputs: int, steps: int = 30, samples: int = 4) -> torch.Tensor:
    return (torch.rand(steps, samples, n_inputs, generator=torch.Generator().manual_seed(seed)) < 0.4).float()


def snntorch_steps(net: torch.nn.Module, spikes: torch.Tensor) -> torch.Tensor:
    """Output spikes [T, N, n] of an snnTorch model with hidden states, stepped by the user's own loop."""
    utils.reset(net)
    outputs = []
    for step in spikes:
        out = net(step)
        outputs.append(out[0] if isinstance(out, tuple) else out)
    return torch.stack(outputs)


@pytest.mark.parametrize("seed", range(60))
def test_a_round_trip_through_nir_gives_the_same_artifact(seed):
    model, artifact, _ = random_network(seed, starts=False)  # LIF, normalized and standard Izhikevich layers mixed
    back = from_nir(to_nir(model, extension=True))
    assert to_artifact(back, artifact.encoding) == artifact


def test_learned_izhikevich_levels_keep_the_fixed_point_of_their_preset():
    rs = preset("izh-norm", "RS")
    neuron = QuantIzhikevich(rs, learn=True)
    with torch.no_grad():
        neuron.params.d.fill_(1.5)  # learned beyond the preset's largest level, 0.7
        neuron.params.a2.fill_(-0.3)
    layer = QuantSpikingLinear(6, 4, neuron)
    model = QuantSpikingNetwork([layer])
    node = to_nir(model, extension=True).nodes["izhikevich0"]
    assert node.scale[0] == rs.scale and node.d[0] == 1.5
    assert same_artifact(from_nir(to_nir(model, extension=True)), model)


def test_the_weights_carry_the_integers_exactly():
    model, artifact, _ = random_network(7, starts=False)
    graph = to_nir(model, extension=True)
    for index, layer in enumerate(artifact.layers):
        weight = graph.nodes[f"linear{index}"].weight
        assert weight.dtype == np.float32
        assert np.array_equal(weight * 2.0 ** layer.weight_shift, layer.weights)


def test_a_largest_weight_of_four_keeps_its_integer_and_shift():
    layer = QuantSpikingLinear(3, 2, QuantLIF(beta=0.5, threshold=1.0))
    with torch.no_grad():  # Brevitas rounds 4.25 / 8 of the scale to 4: the largest integer is 4
        layer.linear.weight.copy_(torch.tensor([[4.25, -2.0, 1.0], [0.0, -3.0, 4.0]]) / 8)
    model = QuantSpikingNetwork([layer])
    assert layer.integer_weights()[0].abs().max() == 4
    assert same_artifact(from_nir(to_nir(model)), model)


def test_lif_parameters_are_mapped_as_snntorch_maps_them():
    model = lif_network(3)
    graph = to_nir(model)
    for index, layer in enumerate(model.layers):
        node = graph.nodes[f"lif{index}"]
        beta = layer.integer_format().params["beta"] / 256
        assert np.allclose(node.tau, DT / (1 - beta)) and np.allclose(node.r, node.tau / DT)
        assert np.all(node.v_leak == 0) and np.all(node.v_reset == 0)
        assert np.all(node.v_threshold == np.float32(layer.neuron.threshold))
        assert node.metadata == {"reset_mechanism": "subtract", "reset_delay": True}


def test_a_leak_free_layer_is_tau_and_r_infinite_and_reads_back():
    model = QuantSpikingNetwork([QuantSpikingLinear(3, 2, QuantLIF(beta=1.0, threshold=0.5))])
    node = to_nir(model).nodes["lif0"]
    assert np.all(np.isinf(node.tau)) and np.all(np.isinf(node.r))
    assert same_artifact(from_nir(to_nir(model)), model)


def test_the_file_round_trip_keeps_the_artifact(tmp_path):
    model, artifact, _ = random_network(11, starts=False)
    nir.write(tmp_path / "model.nir", to_nir(model, extension=True))
    assert to_artifact(from_nir(read_nir(tmp_path / "model.nir")), artifact.encoding) == artifact
    lif = lif_network(4)
    nir.write(tmp_path / "lif.nir", to_nir(lif))
    assert same_artifact(from_nir(nir.read(tmp_path / "lif.nir")), lif)  # plain NIR: NIR's own reader reads it


def test_plain_nir_of_an_izhikevich_network_is_refused_and_the_extension_is_named():
    model = QuantSpikingNetwork([QuantSpikingLinear(4, 3, QuantLIF()),
                                 QuantSpikingLinear(3, 2, QuantIzhikevich(preset("izh", "RS")), 6)])
    with pytest.raises(ValueError, match=r"plain NIR has no Izhikevich neuron \(layer 1\).*extension=True"):
        to_nir(model)
    assert type(to_nir(model, extension=True).nodes["izhikevich1"]).__name__ == "IzhikevichNode"


def test_a_lif_layer_with_an_initial_membrane_is_refused_naming_it():
    model = QuantSpikingNetwork([QuantSpikingLinear(4, 3, QuantLIF()),
                                 QuantSpikingLinear(3, 2, QuantLIF(beta=1.0, threshold=2.0, init_mem=1.0))])
    for extension in (False, True):
        with pytest.raises(ValueError, match=r"NIR's LIF has no initial membrane, and layer 1 at 1 starts"):
            to_nir(model, extension=extension)


def test_nir_tools_without_the_extension_refuse_its_node(tmp_path):
    rs = preset("izh-norm", "RS")
    graph = nir.NIRGraph.from_list(nir.Linear(weight=np.ones((2, 3), np.float32)), izhikevich_node(rs, rs.scale, 2))
    nir.write(tmp_path / "izh.nir", graph)
    with pytest.raises(AssertionError):
        nir.read(tmp_path / "izh.nir")
    assert read_nir(tmp_path / "izh.nir").nodes["izhikevichnode"].to_dict()["type"] == NODE_TYPE


def snntorch_leaky_model() -> torch.nn.Sequential:
    """A plain snnTorch network; export_to_nir needs per-neuron beta and threshold tensors."""
    torch.manual_seed(2)
    net = torch.nn.Sequential(
        torch.nn.Linear(20, 16, bias=False),
        snn.Leaky(beta=torch.full((16,), 0.9), threshold=torch.ones(16), init_hidden=True),
        torch.nn.Linear(16, 5),  # an Affine: its bias is zero
        snn.Leaky(beta=torch.full((5,), 0.8), threshold=torch.full((5,), 1.2), init_hidden=True, output=True),
    )
    with torch.no_grad():
        net[0].weight.mul_(3)
        net[2].weight.mul_(3)
        net[2].bias.zero_()
    return net


def test_snntorch_export_to_nir_imports_and_its_float_spikes_are_the_models(tmp_path):
    net = snntorch_leaky_model()
    nir.write(tmp_path / "snntorch.nir", export_to_nir(net, torch.zeros(20)))
    graph = read_nir(tmp_path / "snntorch.nir")
    x = random_spikes(0, 20)
    with torch.no_grad():
        theirs = snntorch_steps(net, x)
        ours = float_network(snntorch_model(graph))(x).spikes
    assert theirs.sum() > 0 and torch.equal(ours, theirs)
    quant = from_nir(graph)
    artifact = to_artifact(quant, {"kind": "raster", "steps": 30})
    assert [layer.neuron for layer in artifact.layers] == ["lif", "lif"]
    assert [layer.params["beta"] for layer in artifact.layers] == [230, 205]  # round(256 beta)
    assert compare(quant, artifact, x.numpy().astype(np.uint8)).ok


@pytest.mark.parametrize("seed", range(5))
def test_snntorch_import_from_nir_reads_ours_and_its_float_model_matches_ours(seed, tmp_path):
    model = lif_network(seed)
    nir.write(tmp_path / "ours.nir", to_nir(model))
    graph = nir.read(tmp_path / "ours.nir")
    imported = import_from_nir(graph)
    ours = float_network(snntorch_model(graph))
    linears = [m for m in imported.modules() if isinstance(m, torch.nn.Linear)]
    leakies = [m for m in imported.modules() if isinstance(m, snn.Leaky)]
    for layer, linear, leaky in zip(ours.layers, linears, leakies):
        assert torch.equal(linear.weight, layer.linear.weight)
        assert torch.all(leaky.beta == layer.neuron.beta) and leaky.threshold == layer.neuron.threshold
    for name, module in list(imported.named_children()):
        if isinstance(module, snn.Leaky):  # NIR's LIF cannot say how it resets: snnTorch resets to zero
            setattr(imported, name, snn.Leaky(beta=module.beta, threshold=module.threshold, init_hidden=True))
    x = random_spikes(seed, model.n_inputs)
    with torch.no_grad():
        theirs = snntorch_steps(imported, x)
        assert theirs.sum() > 0 and torch.equal(theirs, ours(x).spikes)


def chain(*nodes: nir.NIRNode, extra_edges=()) -> nir.NIRGraph:
    """Input, ``nodes`` in a row, Output; no type check, so that any mistake can be drawn."""
    names = ["input", *(f"n{i}" for i in range(len(nodes))), "output"]
    graph_nodes = dict(zip(names, [nir.Input(np.array([3])), *nodes, nir.Output(np.array([3]))]))
    return nir.NIRGraph(graph_nodes, list(zip(names[:-1], names[1:])) + list(extra_edges), type_check=False)


def refusals(graph: nir.NIRGraph) -> list:
    with pytest.raises(ConversionError) as refused:
        from_nir(graph)
    assert str(refused.value).count("\n  - ") == len(refused.value.problems)
    return refused.value.problems


def test_every_node_the_ip_cannot_run_is_listed_at_once():
    w = np.eye(3, dtype=np.float32)
    lif = lif_node(0.9, 1.0, 3)
    leaky_at_rest = lif_node(0.9, 1.0, 3)
    leaky_at_rest.v_leak[:] = 0.5
    leaky_at_rest.tau[0] = 2e-3
    resets_to_a_value = lif_node(0.9, 1.0, 3)
    resets_to_a_value.v_reset[:] = 0.2
    resets_to_a_value.metadata = {"reset_mechanism": "zero"}
    too_fast = lif_node(0.9, 1.0, 3)
    too_fast.tau[:] = DT / 2
    ones = np.ones(3, dtype=np.float32)
    rnn = nir.NIRGraph(  # how snnTorch writes an RLeaky
        {"input": nir.Input(np.array([3])), "lif": lif_node(0.9, 1.0, 3), "w_rec": nir.Linear(weight=w),
         "output": nir.Output(np.array([3]))},
        [("input", "lif"), ("lif", "w_rec"), ("w_rec", "lif"), ("lif", "output")], type_check=False)
    rs = preset("izh-norm", "RS")
    izh = izhikevich_node(rs, rs.scale, 3)
    izh.c[1] = 0.2
    izh.a1[:] = 9.0
    problems = refusals(chain(
        nir.Affine(weight=w, bias=ones), lif,
        nir.Linear(weight=w), leaky_at_rest,
        nir.Linear(weight=w), resets_to_a_value,
        nir.Linear(weight=w), too_fast,
        nir.Linear(weight=w), nir.CubaLIF(tau_syn=ones, tau_mem=ones, r=ones, v_leak=0 * ones, v_threshold=ones),
        nir.Linear(weight=w), nir.IF(r=ones, v_threshold=ones),
        nir.Linear(weight=w), nir.LI(tau=ones, r=ones, v_leak=0 * ones),
        nir.Conv1d(input_shape=3, weight=np.ones((1, 1, 1)), stride=1, padding=0, dilation=1, groups=1,
                   bias=np.zeros(1)),
        nir.Delay(delay=ones), nir.Scale(scale=ones), nir.Threshold(threshold=ones), rnn,
        nir.Linear(weight=w), izh,
    ))
    assert problems == [
        "node 'n0' (Affine): a non-zero bias: the IP has none",
        "node 'n3' (LIF): a per-neuron tau: the IP holds one value per layer",
        "node 'n3' (LIF): v_leak = 0.5: the IP's LIF leaks towards 0, it has no resting potential",
        "node 'n5' (LIF): v_reset = 0.2: the IP resets by subtracting the threshold "
        "(a LIF with v_reset = 0 is read as snnTorch's subtracting Leaky)",
        "node 'n5' (LIF): metadata reset_mechanism = 'zero': the IP's reset is reset_mechanism = 'subtract'",
        "node 'n7' (LIF): tau = 5e-05 s gives beta = 1 - dt / tau = -1 outside [0, 1] (snnTorch's step dt = 0.0001 s)",
        "node 'n9' (CubaLIF): a synaptic current (tau_syn): the IP's LIF holds the membrane alone",
        "node 'n11' (IF): NIR's IF resets to v_reset, and snnTorch reads it as a Leaky with beta 0.9 that resets "
        "to zero; write a leak-free layer as a LIF with tau = r = inf (beta = 1)",
        "node 'n13' (LI): an integrator without spikes: the IP's layers end in spiking neurons",
        "node 'n14' (Conv1d): convolutions: the IP has dense layers only",
        "node 'n15' (Delay): delays: a layer sees the previous layer's spikes of the same timestep",
        "node 'n16' (Scale): a per-channel scale: the IP's layer has one power-of-two weight scale",
        "node 'n17' (Threshold): a threshold without a membrane: the IP's neurons are LIF or Izhikevich",
        "node 'n18' (NIRGraph): a subgraph (snnTorch writes a recurrent layer as one): the IP is feed-forward",
        "node 'n20' (IzhikevichNode): a per-neuron c: the IP holds one value per layer",
    ]
    izh.c[1] = izh.c[0]
    assert refusals(chain(nir.Linear(weight=w), izh)) == [
        "node 'n1' (IzhikevichNode): a1 = 9 outside [-8, 7.99976], what the IP's fixed point holds"]
    assert refusals(chain(nir.Linear(weight=w * np.nan), lif)) == ["node 'n0' (Linear): weights that are not finite"]


def test_branches_loops_and_broken_chains_are_named():
    w = np.eye(3, dtype=np.float32)
    lif = lif_node(0.5, 1.0, 3)
    assert refusals(chain(nir.Linear(weight=w), lif, nir.Linear(weight=w), extra_edges=[("n2", "n1")])) == [
        "a recurrent loop through nodes 'n1', 'n2': the IP is feed-forward"]
    assert refusals(chain(nir.Linear(weight=w), lif, extra_edges=[("input", "n1")])) == [
        "node 'input' feeds 2 nodes: the IP runs one chain of layers",
        "node 'n1' takes 2 inputs: the IP runs one chain of layers"]
    assert refusals(chain(lif, nir.Linear(weight=w), nir.Linear(weight=w))) == [
        "node 'n0': a neuron without a Linear node before it",
        "node 'n2': two Linear nodes in a row; a neuron must follow each Linear",
        "the graph ends with a Linear node: the IP's layers end in spiking neurons"]
    assert refusals(chain(nir.Flatten(input_type={"input": np.array([3])}))) == [
        "no Linear node followed by a neuron: nothing to run"]
    with pytest.raises(TypeError, match="takes a nir.NIRGraph"):
        from_nir(lif)


def test_an_imported_network_checkpoint_keeps_its_integers(tmp_path):
    model, artifact, _ = random_network(5, starts=False)
    back = from_nir(to_nir(model, extension=True))
    save_network_checkpoint(back, Encoding.from_dict(artifact.encoding), {"source": "model.nir"}, tmp_path / "m.pt")
    loaded = load_checkpoint(tmp_path / "m.pt")
    assert loaded.options is None and loaded.meta == {"source": "model.nir"}
    assert to_artifact(loaded.model, artifact.encoding) == artifact
    old = torch.load(tmp_path / "m.pt", weights_only=True)
    old["version"] = CHECKPOINT_VERSION - 1
    torch.save(old, tmp_path / "old.pt")
    with pytest.raises(ValueError, match=f"checkpoint version {CHECKPOINT_VERSION - 1}, this version reads "
                                         f"{CHECKPOINT_VERSION}: train or import the model again"):
        load_checkpoint(tmp_path / "old.pt")


def test_the_cli_exports_nir_and_imports_it_into_the_same_artifact(tmp_path, capsys):
    model, nir_file, back = tmp_path / "model.pt", tmp_path / "model.nir", tmp_path / "back.pt"
    assert main(["train", "--data", "digits", "--hidden", "12", "--epochs", "0", "--qat-epochs", "0", "--steps", "6",
                 "--quiet", "--out", str(model)]) == 0
    assert main(["export", str(model), "--format", "nir", "--out", str(nir_file)]) == 0
    assert main(["import", str(nir_file), "--out", str(back)]) == 0  # the graph records encoding and data set
    assert main(["export", str(model), "--out", str(tmp_path / "model.snn")]) == 0
    assert main(["export", str(back), "--out", str(tmp_path / "back.snn")]) == 0
    original, imported = load(tmp_path / "model.snn"), load(tmp_path / "back.snn")
    assert imported.layers == original.layers and imported.encoding == original.encoding
    assert imported.meta["data"] == "digits" and imported.meta["source"] == "model.nir"
    assert main(["verify", str(tmp_path / "back.snn")]) == 0
    capsys.readouterr()
    assert main(["import", str(nir_file), "--out", str(tmp_path / "raster.pt"), "--encoding", "raster",
                 "--steps", "9", "--json"]) == 0
    assert '"encoding": {"kind": "raster", "steps": 9, "gain": 1.0}' in capsys.readouterr().out
    with pytest.raises(SystemExit) as help_:
        main(["import", "--help"])
    assert help_.value.code == 0 and "usage: pynq-snn import" in capsys.readouterr().out


def test_the_cli_refuses_in_one_line_and_writes_nothing(tmp_path, capsys):
    izh, izh_nir = tmp_path / "izh.pt", tmp_path / "izh.nir"
    assert main(["train", "--data", "digits", "--hidden", "4", "--epochs", "0", "--qat-epochs", "0", "--steps", "2",
                 "--neuron", "izh-norm", "--quiet", "--out", str(izh)]) == 0
    capsys.readouterr()
    assert main(["export", str(izh), "--format", "nir", "--out", str(izh_nir)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--nir-extension" in err and not izh_nir.exists()
    assert main(["export", str(izh), "--format", "nir", "--nir-extension", "--out", str(izh_nir)]) == 0
    cuba = tmp_path / "cuba.nir"
    nir.write(cuba, export_to_nir(torch.nn.Sequential(
        torch.nn.Linear(3, 2), snn.Synaptic(alpha=torch.full((2,), 0.5), beta=torch.full((2,), 0.5),
                                            threshold=torch.ones(2), init_hidden=True)), torch.zeros(3)))
    capsys.readouterr()
    assert main(["import", str(cuba), "--out", str(tmp_path / "cuba.pt")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and not (tmp_path / "cuba.pt").exists()
    assert "a non-zero bias" in err and "a synaptic current (tau_syn)" in err


def test_the_readme_nir_example_runs(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    test = doctest.DocTestParser().get_doctest(readme_examples("NIR out and in"), {}, "README NIR", "README.md", 0)
    assert test.examples
    runner = doctest.DocTestRunner(optionflags=doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS)
    report = []
    runner.run(test, out=report.append)
    assert runner.failures == 0, "".join(report)
