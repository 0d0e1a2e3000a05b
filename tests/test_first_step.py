"""The first timestep sees no previous spike, even where the initial state lies above the threshold.

``CONTRACT.md``: ``s[-1] = 0`` at the start of every sample. An Izhikevich layer may start
at ``v_init > theta``; the emulator, the quantized torch model and the float model then
update from ``v_init`` at t = 0 (no reset to ``c``), and the first reset can only follow a
spike of step 0. The RTL marks the step with its ``first`` input (``snn_izh_update.v``).
"""
import numpy as np
import torch

from pynq_snn.overlay.artifact import Artifact, Layer
from pynq_snn.overlay.emulator import emulate
from pynq_snn.quant.qizhikevich import QuantIzhikevich
from pynq_snn.training.neurons.izhikevich import Izhikevich
from pynq_snn.training.neurons.presets import IzhikevichParams

#: Normalized-model coefficients with the neuron starting above its threshold: v_init 1.5, v_th 1.
ABOVE = IzhikevichParams(a1=0.04, a2=-0.02, a3=-0.5, b1=0.02, b2=-0.02, c=-0.5, d=0.25, v_th=1.0,
                         v_init=1.5, u_init=0.0)


def quantized() -> QuantIzhikevich:
    neuron = QuantIzhikevich(ABOVE)
    neuron.quantize(weight_shift=0, fan_in=1)
    return neuron


def test_the_emulator_does_not_reset_at_the_first_step():
    fmt = quantized().integer_format(0, 1)
    assert fmt.params["v_init"] > fmt.params["threshold"] > fmt.params["c"]
    layer = Layer("izhikevich", np.zeros((1, 1), np.int8), fmt.weight_shift, fmt.frac_bits, fmt.params)
    artifact = Artifact(1, (layer,), {"kind": "raster", "steps": 2}, {})
    result = emulate(artifact, np.zeros((2, 1, 1), np.uint8), record_rasters=True)
    p, q = fmt.params, fmt.weight_shift + fmt.frac_bits
    v, u = p["v_init"], p["u_init"]  # step 0 updates from the initial state, unreset
    v0 = v + ((p["a1"] * ((v * v) >> q) + p["a2"] * v + p["a3"] * u) >> 12) + p["a0"]
    u0 = u + ((p["b1"] * v + p["b2"] * u) >> 12) + p["b3"]
    assert result.output_spikes[0, 0, 0] == (v0 > p["threshold"]) == 1
    v, u = p["c"], u0 + p["d"]  # step 1: the reset of step 0's spike
    v1 = v + ((p["a1"] * ((v * v) >> q) + p["a2"] * v + p["a3"] * u) >> 12) + p["a0"]
    assert result.final_states[0]["v"].item() == v1


def test_the_quantized_torch_model_does_not_reset_at_the_first_step():
    neuron = quantized()
    fmt = neuron.integer_format(0, 1)
    layer = Layer("izhikevich", np.zeros((1, 1), np.int8), fmt.weight_shift, fmt.frac_bits, fmt.params)
    artifact = Artifact(1, (layer,), {"kind": "raster", "steps": 3}, {})
    want = emulate(artifact, np.zeros((3, 1, 1), np.uint8), record_rasters=True)
    v = u = None
    spikes = []
    for _ in range(3):
        spk, v, u = neuron(torch.zeros(1, 1, dtype=torch.float64), v, u)
        spikes.append(int(spk.item()))
    assert spikes == want.output_spikes[:, 0, 0].tolist()
    assert (v.item(), u.item()) == (want.final_states[0]["v"].item(), want.final_states[0]["u"].item())


def test_the_float_model_does_not_reset_at_the_first_step():
    neuron = Izhikevich(ABOVE)
    spk, v, u = neuron(torch.zeros(1, dtype=torch.float64))
    p = ABOVE
    expected = p.v_init + p.a1 * p.v_init ** 2 + p.a2 * p.v_init + p.a3 * p.u_init + p.a0
    assert spk.item() == 1 and abs(v.item() - expected) < 1e-12
