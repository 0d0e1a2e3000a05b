"""Your snnTorch model in: it converts, computes its own spikes, and runs bit-exact after QAT."""
import numpy as np
import pytest
import snntorch as snn
import torch
from snntorch import utils
from torch import nn

from pynq_snn.overlay.encoding import encode
from pynq_snn.quant.export import to_artifact
from pynq_snn.quant.from_snntorch import ConversionError, float_network, from_snntorch
from pynq_snn.training.data import load_dataset
from pynq_snn.training.neurons import NEURONS
from pynq_snn.training.neurons.izhikevich import Izhikevich
from pynq_snn.training.trainer import fit
from pynq_snn.verify import compare

STEPS = 8


def snntorch_model() -> nn.Sequential:
    """A plain snnTorch network, written as snnTorch's tutorials write one."""
    return nn.Sequential(
        nn.Linear(64, 32, bias=False), snn.Leaky(beta=0.9, init_hidden=True),
        nn.Linear(32, 10, bias=False), snn.Leaky(beta=0.8, threshold=1.2, init_hidden=True, output=True),
    )


def snntorch_run(net: nn.Module, spikes: torch.Tensor) -> torch.Tensor:
    """The user's own time loop: output spikes [T, N, 10]."""
    utils.reset(net)
    return torch.stack([net(spikes[t])[0] for t in range(spikes.shape[0])])


class ClassModel(nn.Module):
    """snnTorch's other style: layers as attributes, a time loop in forward."""

    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(5, 4, bias=False)
        self.lif1 = snn.Leaky(beta=0.7)
        self.fc2 = nn.Linear(4, 3, bias=False)
        self.izh = Izhikevich(NEURONS["izh-norm"].preset("RS"))

    def forward(self, x):
        mem = self.lif1.reset_mem()
        v = u = None
        out = []
        for step in x:
            spk, mem = self.lif1(self.fc1(step), mem)
            spk, v, u = self.izh(self.fc2(spk).double(), v, u)
            out.append(spk)
        return torch.stack(out)


@pytest.fixture(scope="module")
def digits():
    data = load_dataset("digits", steps=STEPS)
    rng = np.random.default_rng(0)
    train_spikes = torch.from_numpy(encode(data.encoding, data.train.x[:400], rng)).float()
    test_spikes = encode(data.encoding, data.test.x[:100], rng)
    return data, train_spikes, torch.as_tensor(data.train.y[:400]), test_spikes


def test_a_trained_snntorch_model_converts_and_its_float_spikes_are_its_own(digits):
    data, train_spikes, labels, test_spikes = digits
    torch.manual_seed(0)
    net = snntorch_model()
    optimizer = torch.optim.Adam(net.parameters(), lr=5e-3)
    for begin in range(0, 400, 50):  # the user's own snnTorch training
        out = snntorch_run(net, train_spikes[:, begin:begin + 50])
        loss = nn.functional.cross_entropy(out.sum(0), labels[begin:begin + 50])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    x = torch.from_numpy(test_spikes).float()
    with torch.no_grad():
        theirs = snntorch_run(net, x)
        ours = float_network(net)(x).spikes
    assert theirs.sum() > 0 and torch.equal(ours, theirs)

    quant = from_snntorch(net)
    fit(quant, data.train, data.encoding, epochs=1, rng=np.random.default_rng(1), progress=False)
    artifact = to_artifact(quant, data.encoding.to_dict())
    assert [layer.neuron for layer in artifact.layers] == ["lif", "lif"]
    assert compare(quant, artifact, test_spikes).ok


def test_a_class_model_with_izhikevich_neurons_converts():
    torch.manual_seed(1)
    model = ClassModel()
    with torch.no_grad():
        model.fc2.weight.mul_(3)
    x = (torch.rand(30, 2, 5) < 0.5).float()
    with torch.no_grad():
        assert torch.equal(float_network(model)(x).spikes, model(x))
    quant = from_snntorch(model)
    assert [layer.hardware for layer in quant.layers] == ["lif", "izhikevich"]
    artifact = to_artifact(quant, {"kind": "raster", "steps": 30})
    assert compare(quant, artifact, x.numpy().astype(np.uint8)).ok


def test_what_the_ip_cannot_run_is_listed_all_at_once():
    learned = snn.Leaky(beta=torch.tensor([0.5, 0.9, 0.9]), learn_beta=True)
    model = nn.Sequential(
        nn.Linear(4, 3), learned,
        nn.Linear(3, 3, bias=False), snn.Leaky(beta=0.9, reset_mechanism="zero"),
        nn.Linear(3, 3, bias=False), snn.Synaptic(alpha=0.9, beta=0.8),
        nn.Conv1d(1, 1, 3), snn.RLeaky(beta=0.9, linear_features=3),
        nn.Linear(3, 2, bias=False),
    )
    with pytest.raises(ConversionError) as refused:
        from_snntorch(model)
    problems = refused.value.problems
    assert problems == [
        "module 0 (Linear): a non-zero bias; the IP has none (bias=False)",
        "module 1 (Leaky): a per-neuron beta: the IP holds one beta per layer",
        "module 3 (Leaky): reset_mechanism='zero': the IP resets by subtraction",
        "module 5 (Synaptic): snn.Synaptic (a synaptic current state): the IP's LIF has the membrane alone",
        "module 6 (Conv1d): convolutions: the IP has dense layers only",
        "module 7 (RLeaky): recurrent layers: the IP is feed-forward",
        "the model ends with a Linear layer: the IP's layers end in spiking neurons",
    ]
    assert str(refused.value).count("\n  - ") == len(problems)


def test_the_chain_rules_are_named():
    with pytest.raises(ConversionError, match="two Linear layers in a row"):
        from_snntorch(nn.Sequential(nn.Linear(2, 2, bias=False), nn.Linear(2, 2, bias=False), snn.Leaky(beta=0.5)))
    with pytest.raises(ConversionError, match="a neuron without a Linear layer before it"):
        from_snntorch(nn.Sequential(snn.Leaky(beta=0.5)))
    with pytest.raises(ConversionError, match="a Linear of 3 inputs follows 2 neurons"):
        from_snntorch(nn.Sequential(nn.Linear(2, 2, bias=False), snn.Leaky(beta=0.5),
                                    nn.Linear(3, 1, bias=False), snn.Leaky(beta=0.5)))
    with pytest.raises(TypeError, match="takes a torch nn.Module"):
        from_snntorch("model.pt")
