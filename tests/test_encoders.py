"""Latency and delta coding equal snntorch.spikegen's on random inputs, and artifacts record them."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from snntorch import spikegen

from pynq_snn.overlay.artifact import Artifact
from pynq_snn.overlay.encoding import Encoding, encode, encode_batches


def random_cases(seed: int, n: int):
    rng = np.random.default_rng(seed)
    for _ in range(n):
        steps = int(rng.integers(2, 40))
        x = rng.random((int(rng.integers(1, 9)), int(rng.integers(1, 30)))).astype(np.float32)
        x[rng.random(x.shape) < 0.2] = 0
        x[0, 0] = 0  # a dark input: snntorch's batch-wide log normalization then equals ours
        yield rng, steps, x


@pytest.mark.parametrize("linear", [True, False])
@pytest.mark.parametrize("clip", [True, False])
def test_normalized_latency_equals_snntorch(linear, clip):
    for rng, steps, x in random_cases(int(linear) * 2 + int(clip), 40):
        tau, threshold = float(rng.uniform(0.5, 5)), float(rng.uniform(0.001, 0.3))
        encoding = Encoding("latency", steps, tau=tau, threshold=threshold, linear=linear, normalize=True, clip=clip)
        expected = spikegen.latency(torch.from_numpy(x), num_steps=steps, tau=tau, threshold=threshold,
                                    linear=linear, normalize=True, clip=clip).numpy()
        np.testing.assert_array_equal(encode(encoding, x, None), expected)


@pytest.mark.parametrize("linear", [True, False])
def test_latency_with_its_own_tau_equals_snntorch_while_every_spike_fits(linear):
    for rng, steps, x in random_cases(7 + linear, 40):
        x = np.maximum(x, 0.2)  # log coding: times stay finite and, with this tau, below T - 1
        tau = float(rng.uniform(0.5, steps - 1)) if linear else float(rng.uniform(0.5, 3.0))
        if not linear:
            steps = max(steps, 12)
        expected = spikegen.latency(torch.from_numpy(x), num_steps=steps, tau=tau, threshold=0.01, linear=linear)
        np.testing.assert_array_equal(encode(Encoding("latency", steps, tau=tau, linear=linear), x, None),
                                      expected.numpy())


def test_a_latency_spike_past_the_last_step_is_dropped_where_snntorch_raises():
    x = np.array([[0.0, 1.0]], dtype=np.float32)  # log code of a dark input: about 11.5 * tau steps
    spikes = encode(Encoding("latency", 5, tau=1.0), x, None)
    assert spikes[:, 0, 0].sum() == 0 and spikes[0, 0, 1] == 1
    with pytest.raises(Exception, match="out of"):
        spikegen.latency(torch.from_numpy(x), num_steps=5, tau=1.0)


@pytest.mark.parametrize("padding", [True, False])
def test_delta_equals_snntorch(padding):
    rng = np.random.default_rng(int(padding))
    for _ in range(50):
        steps = int(rng.integers(1, 20))
        x = rng.normal(size=(int(rng.integers(1, 6)), steps, int(rng.integers(1, 9)))).astype(np.float32)
        threshold = float(rng.uniform(0.01, 1.5))
        expected = spikegen.delta(torch.from_numpy(x.transpose(1, 0, 2).copy()), threshold=threshold, padding=padding)
        np.testing.assert_array_equal(encode(Encoding("delta", steps, threshold=threshold, padding=padding), x, None),
                                      expected.numpy())


@pytest.mark.parametrize("encoding, x", [
    (Encoding("latency", 9, tau=3.0, linear=True), np.random.default_rng(0).random((11, 4))),
    (Encoding("delta", 6, threshold=0.3), np.random.default_rng(1).normal(size=(11, 6, 4))),
])
def test_in_batches_equals_at_once(encoding, x):
    whole = encode(encoding, x, None)
    batches = list(encode_batches(encoding, x, None, batch_size=4))
    np.testing.assert_array_equal(np.concatenate(batches, axis=1), whole)


def test_an_encoding_round_trips_through_its_dict_and_old_dicts_still_read():
    for encoding in (Encoding("latency", 25, tau=2.0, threshold=0.05, linear=True, normalize=True, clip=True),
                     Encoding("delta", 30, threshold=0.2, padding=True), Encoding("rate", 25, 2.0)):
        assert Encoding.from_dict(encoding.to_dict()) == encoding
    assert Encoding("rate", 25).to_dict() == {"kind": "rate", "steps": 25, "gain": 1.0}
    assert Encoding.from_dict({"kind": "raster", "steps": 4}) == Encoding("raster", 4)
    assert Encoding.from_dict({"kind": "delta", "steps": 4}).threshold == 0.1  # snntorch's default
    assert Encoding.from_dict({"kind": "latency", "steps": 4}).threshold == 0.01


@pytest.mark.parametrize("d, words", [
    ({"kind": "rate", "steps": 4, "tau": 2.0}, "unknown encoding keys ['tau']; expected kind, steps, gain"),
    ({"kind": "latency", "steps": 4, "threshold": 1.0}, "latency encoding threshold must be a number in [0, 1)"),
    ({"kind": "delta", "steps": 4, "threshold": 0.0}, "delta encoding threshold must be a finite number > 0"),
    ({"kind": "latency", "steps": 4, "tau": -1.0}, "encoding tau must be a number of steps in (0, 65535]"),
    ({"kind": "latency", "steps": 4, "linear": 1}, "encoding linear must be true or false"),
])
def test_bad_encoding_parameters_get_one_line(d, words):
    with pytest.raises(ValueError) as info:
        Encoding.from_dict(d)
    assert words in str(info.value)


def test_an_artifact_records_a_latency_encoding():
    from test_artifact import small_artifact

    base = small_artifact()
    encoding = Encoding("latency", base.n_steps, tau=2.0, linear=True).to_dict()
    artifact = Artifact(n_inputs=base.n_inputs, layers=base.layers, encoding=encoding, meta={})
    assert Encoding.from_dict(artifact.encoding).linear


@pytest.mark.parametrize("budget", [10 ** 9, 64])
@pytest.mark.parametrize("pre_draws", [0, 1, 2])
def test_rate_coding_in_batches_jumps_to_the_same_draws(budget, pre_draws):
    """Beyond the budget each batch jumps in PCG64's stream; a kept 32-bit half (odd draws before) included."""
    for trial in range(10):
        shape = np.random.default_rng(trial)
        n, c, steps, batch = (int(shape.integers(1, 40)), int(shape.integers(1, 9)), int(shape.integers(1, 7)),
                              int(shape.integers(1, 12)))
        x = shape.random((n, c))
        whole_rng, batch_rng = np.random.default_rng(trial), np.random.default_rng(trial)
        whole_rng.random(pre_draws, dtype=np.float32)
        batch_rng.random(pre_draws, dtype=np.float32)
        whole = encode(Encoding("rate", steps), x, whole_rng)
        batches = encode_batches(Encoding("rate", steps), x, batch_rng, batch, budget)
        np.testing.assert_array_equal(np.concatenate(list(batches), axis=1), whole)
        assert whole_rng.random() == batch_rng.random()
