"""The emulator follows CONTRACT.md step by step, and refuses bad input."""
import numpy as np
import pytest

from pynq_snn.overlay.artifact import Artifact, Layer
from pynq_snn.overlay.emulator import emulate


def one_neuron(weight: int, beta: int, threshold: int, frac_bits: int = 0, steps: int = 5, v_init: int = 0) -> Artifact:
    layer = Layer("lif", np.array([[weight]], dtype=np.int8), 0, frac_bits,
                  {"beta": beta, "threshold": threshold, "v_init": v_init})
    return Artifact(n_inputs=1, layers=(layer,), encoding={"kind": "raster", "steps": steps}, meta={})


def run(artifact, train):
    spikes = np.array(train, dtype=np.uint8).reshape(len(train), 1, 1)
    return emulate(artifact, spikes, record_rasters=True)


def test_integrate_fire_and_delayed_subtractive_reset():
    # beta_q = 256 (no leak), theta = 10, I = 7 << 1 = 14 per input spike.
    # v: 14 (fires, 14 > 10), 14 + 14 - 10 = 18 (fires), 18 + 0 - 10 = 8, 8 + 0 - 0 = 8, 8 + 14 = 22 (fires)
    result = run(one_neuron(7, 256, 10, frac_bits=1), [1, 1, 0, 0, 1])
    assert result.output_spikes[:, 0, 0].tolist() == [1, 1, 0, 0, 1]
    assert result.final_states[0]["v"].tolist() == [[22]]


def test_the_membrane_starts_every_sample_at_v_init():
    # theta = 10, v_init = 5 (theta / 2), no leak, I = 7: 5 + 7 = 12 fires; 12 + 7 - 10 = 9; 9 + 0 = 9
    artifact = one_neuron(7, 256, 10, steps=3, v_init=5)
    spikes = np.array([[1, 1], [1, 0], [0, 0]], dtype=np.uint8).reshape(3, 2, 1)  # two samples
    result = emulate(artifact, spikes)
    assert result.output_spikes[:, :, 0].T.tolist() == [[1, 0, 0], [1, 0, 0]]
    assert result.final_states[0]["v"].ravel().tolist() == [9, 2]  # sample 1: 12, 12 - 10 = 2, 2


def test_a_membrane_that_starts_above_the_threshold_is_reset_at_step_0():
    # s[-1] = v_init > theta: v_init = 15, theta = 10, beta_q = 128: (128 * 15 >> 8) + 0 - 10 = -3
    result = run(one_neuron(7, 128, 10, steps=1, v_init=15), [0])
    assert result.output_spikes.sum() == 0 and result.final_states[0]["v"].item() == -3
    # at the threshold itself there is no previous spike: 7 + 0 - 0 = 7
    assert run(one_neuron(7, 128, 14, steps=1, v_init=14), [0]).final_states[0]["v"].item() == 7


def test_comparator_is_strict():
    # v reaches exactly theta = 7 and does not fire.
    result = run(one_neuron(7, 256, 7, steps=1), [1])
    assert result.output_spikes.sum() == 0 and result.final_states[0]["v"].item() == 7


def test_leak_is_a_floor_shift_also_for_negative_potentials():
    # beta_q = 128 halves v with floor: -7 -> floor(-3.5) = -4 -> -2 -> -1 -> -1 (floor(-0.5) = -1)
    result = run(one_neuron(-7, 128, 100), [1, 0, 0, 0, 0])
    assert result.final_states[0]["v"].item() == -1


def test_state_saturates_instead_of_wrapping():
    # I << 8 = 7 * 256 = 1792 per step with no leak: 19 steps would reach 34048 > 32767.
    artifact = one_neuron(7, 256, 32766, frac_bits=8, steps=19)
    result = run(artifact, [1] * 19)
    assert result.final_states[0]["v"].item() == 32767


def test_counts_follow_the_contract():
    rng = np.random.default_rng(0)
    weights = [rng.integers(-7, 8, (6, 5)).astype(np.int8), rng.integers(-7, 8, (3, 6)).astype(np.int8)]
    layers = tuple(Layer("lif", w, 2, 2, {"beta": 200, "threshold": 20}) for w in weights)
    artifact = Artifact(5, layers, {"kind": "raster", "steps": 9}, {})
    spikes = (rng.random((9, 4, 5)) < 0.5).astype(np.uint8)
    result = emulate(artifact, spikes, record_rasters=True)
    hidden = result.rasters[0]
    assert result.counts.synaptic_events.tolist() == [int(spikes.sum()) * 6, int(hidden.sum()) * 3]
    assert result.counts.input_spikes.tolist() == [int(spikes.sum()), int(hidden.sum())]
    assert result.counts.neuron_updates.tolist() == [6 * 9 * 4, 3 * 9 * 4]
    assert result.counts.spikes.tolist() == [int(hidden.sum()), int(result.output_spikes.sum())]


def test_predictions_are_most_spikes_with_ties_to_the_lowest_index():
    artifact = one_neuron(7, 256, 10)
    result = run(artifact, [1, 0, 0, 0, 0])
    assert result.predictions.tolist() == [0]


@pytest.mark.parametrize("spikes, message", [
    (np.zeros((5, 2), dtype=np.uint8), r"must be \[steps, samples, 1\]"),
    (np.zeros((5, 2, 3), dtype=np.uint8), "3 channels, the network expects 1"),
    (np.zeros((4, 2, 1), dtype=np.uint8), "4 timesteps, the artifact's encoding uses 5"),
    (np.zeros((5, 2, 1), dtype=np.float32), "must be uint8 or bool"),
    (np.full((5, 2, 1), 2, dtype=np.uint8), "must be 0 or 1"),
    ([[[1]]], "must be a numpy array"),
])
def test_bad_input_is_refused_with_the_limit(spikes, message):
    with pytest.raises(ValueError, match=message):
        emulate(one_neuron(7, 256, 10), spikes)


def izhikevich_neuron(steps: int, **params) -> Artifact:
    base = dict(a1=4096, a2=0, a3=0, b1=0, b2=0, a0=0, b3=0, c=0, d=0, threshold=1000, v_init=0, u_init=0)
    base.update(params)
    layer = Layer("izhikevich", np.array([[1]], dtype=np.int8), 4, 0, base)  # Q = e + F = 4
    return Artifact(n_inputs=1, layers=(layer,), encoding={"kind": "raster", "steps": steps}, meta={})


def test_izhikevich_square_term_is_a_floor_shift_by_q():
    # a1 = 1.0: v += (v*v) >> 4. v_init = 20: 20 + 400 // 16 = 45; 45 + 2025 // 16 = 171
    result = run(izhikevich_neuron(2, v_init=20), [0, 0])
    assert result.final_states[0]["v"].item() == 171


def test_izhikevich_reset_lands_at_the_next_step_and_u_sees_the_old_v():
    # b1 = 0.5 (2048): u += v >> 1 from the v before the update. threshold 30.
    # t0: v = 40 + 0 = 40 > 30 fires; u = 0 + 20 = 20.
    # t1: reset v = c = 5, u = 20 + d = 27; then v = 5 + 1 (drive 1 << 0), u = 27 + (5 >> 1) = 29.
    artifact = izhikevich_neuron(2, a1=0, b1=2048, c=5, d=7, threshold=30, v_init=40)
    result = run(artifact, [0, 1])
    assert result.output_spikes[:, 0, 0].tolist() == [1, 0]
    assert result.final_states[0]["v"].item() == 6
    assert result.final_states[0]["u"].item() == 29


def test_izhikevich_state_saturates():
    result = run(izhikevich_neuron(3, v_init=2000, threshold=32767), [0, 0, 0])
    assert result.final_states[0]["v"].item() == 32767


def test_the_final_state_is_before_the_reset_a_last_spike_would_cause():
    # one step of drive 7 << 4 = 112 > theta 100: the neuron fires at the last step, and its
    # reset would land at the next step, which never comes
    result = run(one_neuron(7, 0, 100, frac_bits=4, steps=1), [1])
    assert result.output_spikes[0, 0, 0] == 1 and result.final_states[0]["v"].item() == 112
