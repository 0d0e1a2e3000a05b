"""Weight decay (``--weight-decay``): AdamW's decoupled shrink of the synaptic weights only, plain
Adam when it is 0, and a setting that reaches both training phases, checkpoints and the sweep."""
import copy

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from pynq_snn.pipeline import load_checkpoint, save_checkpoint, train
from pynq_snn.training.network import NetworkConfig, SpikingMLP
from pynq_snn.training.options import TrainOptions
from pynq_snn.training.trainer import adam

TINY = dict(data="digits", hidden=[8], float_epochs=1, qat_epochs=1, steps=4)


def izhikevich_network(seed: int) -> SpikingMLP:
    """A small network with both synaptic weights and learned neuron parameters."""
    torch.manual_seed(seed)
    return SpikingMLP(NetworkConfig(sizes=[12, 10, 3], neuron="izh-norm", learn_params=True))


def take_steps(model, optimizer, seed: int, steps: int = 4) -> None:
    """``steps`` optimizer steps on random spikes and labels fixed by ``seed``."""
    generator = torch.Generator().manual_seed(seed)
    for _ in range(steps):
        x = (torch.rand(6, 5, 12, generator=generator) < 0.4).float()
        y = torch.randint(0, 3, (5,), generator=generator)
        # The neuron parameters join the loss directly, so that they get gradients whatever the spikes do.
        loss = torch.nn.functional.cross_entropy(model(x).spikes.sum(0), y) + sum(p.sum() for p in model.parameters())
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()


@settings(max_examples=10, deadline=None)
@given(seed=st.integers(0, 2 ** 16), lr=st.sampled_from([1e-4, 1e-3, 1e-2]))
def test_no_weight_decay_is_torch_adam_bit_for_bit(seed, lr):
    ours, theirs = izhikevich_network(seed), izhikevich_network(seed)
    take_steps(ours, adam(ours, lr, 0.0), seed)
    take_steps(theirs, torch.optim.Adam(theirs.parameters(), lr=lr), seed)
    for (name, a), (_, b) in zip(ours.named_parameters(), theirs.named_parameters()):
        assert torch.equal(a, b), name


@settings(max_examples=10, deadline=None)
@given(seed=st.integers(0, 2 ** 16), lr=st.sampled_from([1e-3, 1e-2]), decay=st.sampled_from([0.01, 0.1, 0.5]))
def test_weight_decay_shrinks_the_synapses_alone_by_lr_times_decay(seed, lr, decay):
    """With no gradient, Adam's own step is 0, so one step leaves ``w * (1 - lr * decay)`` in every
    synaptic weight and each neuron parameter as it was."""
    model = izhikevich_network(seed)
    before = copy.deepcopy(model.state_dict())
    optimizer = adam(model, lr, decay)
    for p in model.parameters():
        p.grad = torch.zeros_like(p)
    optimizer.step()
    for name, p in model.named_parameters():
        expected = before[name] * (1 - lr * decay) if name.endswith("linear.weight") else before[name]
        assert torch.equal(p.detach(), expected), name


def test_weight_decay_reaches_training_and_the_checkpoint(tmp_path):
    plain = train(TrainOptions(seed=3, **TINY), progress=False)
    decayed = train(TrainOptions(seed=3, weight_decay=0.5, **TINY), progress=False)
    assert plain.options.weight_decay == 0.0 and decayed.options.weight_decay == 0.5
    norm = [r.float_model.layers[0].linear.weight.norm().item() for r in (plain, decayed)]
    assert norm[1] < norm[0]
    path = tmp_path / "model.pt"
    save_checkpoint(decayed, path)
    assert load_checkpoint(path).options.weight_decay == 0.5


def test_a_checkpoint_from_before_weight_decay_reads_as_trained_without(tmp_path):
    result = train(TrainOptions(seed=3, **TINY), progress=False)
    path = tmp_path / "model.pt"
    save_checkpoint(result, path)
    payload = torch.load(path, weights_only=True)
    del payload["options"]["weight_decay"]
    torch.save(payload, path)
    assert load_checkpoint(path).options.weight_decay == 0.0


@pytest.mark.parametrize("value", [-0.1, float("nan"), float("inf"), True, "0.1"])
def test_bad_weight_decay_is_refused_naming_the_flag(value):
    with pytest.raises(ValueError, match=r"--weight-decay must be a finite number >= 0, got "):
        TrainOptions(weight_decay=value)


def test_the_sweep_trains_with_its_weight_decay_and_keeps_it_in_its_study():
    pytest.importorskip("optuna")
    from pynq_snn.training.sweep.spec import SweepSpec, build_spec

    tiny = {"layers": "1", "width": "16:32", "steps": "4", "epochs": "1", "qat_epochs": "1"}
    spec = build_spec("digits", tiny, weight_decay=0.2)
    assert spec.base_options().resolved().weight_decay == 0.2
    assert SweepSpec.from_dict(spec.to_dict()).weight_decay == 0.2
    old = spec.to_dict()
    del old["weight_decay"]  # a study made before the setting existed
    assert SweepSpec.from_dict(old).base_options().resolved().weight_decay == 0.0
    with pytest.raises(ValueError, match="--weight-decay must be a finite number >= 0, got -1"):
        build_spec("digits", tiny, weight_decay=-1)


def test_a_sweep_trial_decays_the_weights_of_both_phases(monkeypatch):
    pytest.importorskip("optuna")
    from pynq_snn.training.sweep import trial
    from pynq_snn.training.sweep.space import TrialConfig
    from pynq_snn.training.sweep.spec import build_spec

    tiny = {"layers": "1", "width": "16:32", "steps": "4", "epochs": "1", "qat_epochs": "1"}
    spec = build_spec("digits", tiny, weight_decay=0.3, train_samples=50)
    config = TrialConfig(spec.base_options().resolved())
    decays = []
    real_fit = trial.fit
    monkeypatch.setattr(trial, "fit", lambda *a, **k: decays.append(k["weight_decay"]) or real_fit(*a, **k))
    trial.run_trial(config, spec, meta={})
    assert decays == [0.3, 0.3]


@pytest.mark.parametrize("data", ["digits", "randman", "fashion-mnist", "mnist", "nmnist", "shd"])
def test_each_data_set_and_neuron_model_takes_its_own_defaults(data):
    from pynq_snn.training.options import DEFAULTS

    assert TrainOptions(data=data).resolved().weight_decay == DEFAULTS[data].weight_decay
    izhikevich = TrainOptions(data=data, neuron="izh-norm").resolved()
    assert izhikevich.weight_decay == DEFAULTS[data].izhikevich_weight_decay
    assert TrainOptions(data=data, neuron="izh-norm", weight_decay=0.25).resolved().weight_decay == 0.25
    assert TrainOptions(data=data).resolved().scale_percentile == DEFAULTS[data].scale_percentile
    assert izhikevich.scale_percentile == DEFAULTS[data].izhikevich_scale_percentile
