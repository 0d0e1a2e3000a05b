"""One trial: train a configuration (float warm-up, then 4-bit QAT), export it, measure it.

The chain is ``pynq-snn train``'s (:func:`~pynq_snn.training.trainer.fit` twice,
:meth:`~pynq_snn.quant.network.QuantSpikingMLP.from_float` between), on the fit part
of the training split; the 4-bit network is exported against the chip's build and
run on the emulator over the validation part, encoded with the trial's seed. Training
computes on the worker's ``device`` (``pynq_snn/devices.py``), export on the CPU.
"""
from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import torch

from ...devices import exact_float32
from ...overlay.artifact import Artifact
from ...overlay.encoding import encode
from ...quant.export import to_artifact
from ...quant.network import QuantSpikingMLP
from ..network import NetworkConfig, SpikingMLP
from ..trainer import evaluate, fit
from .objectives import Measurement, measure
from .space import TrialConfig
from .spec import SweepSpec


@dataclass(frozen=True)
class TrialRun:
    """A trained trial: its artifact, its objectives, the float network's validation accuracy
    and the wall time of training and measuring, seconds."""

    artifact: Artifact
    measurement: Measurement
    float_accuracy: float
    seconds: float


def run_trial(config: TrialConfig, spec: SweepSpec, meta: dict, device: str = "cpu") -> TrialRun:
    """Train ``config`` on ``device`` ("cpu" or "cuda") and measure it on the validation part;
    ``meta`` goes into the artifact."""
    start = time.perf_counter()
    if device != "cpu":
        exact_float32()  # in this worker's process too
    options = config.options
    data = spec.data_for(config)
    encoding = data.encoding  # T and gain are the trial's
    network = NetworkConfig.from_options(options, config.sizes(data.n_inputs, data.n_classes))
    torch.manual_seed(options.seed)
    rng = np.random.default_rng(options.seed)
    common = dict(split=data.fit, encoding=encoding, rng=rng, batch_size=options.batch_size,
                  weight_decay=options.weight_decay, progress=False)
    float_model = SpikingMLP(network).to(device)
    fit(float_model, epochs=options.float_epochs, lr=options.lr, **common)
    quant_model = QuantSpikingMLP.from_float(float_model).to(device)
    fit(quant_model, epochs=options.qat_epochs, lr=options.qat_lr, anneal=True, **common)
    artifact = to_artifact(quant_model.cpu(), encoding.to_dict(), meta, build=spec.limits.build())
    spikes = encode(encoding, data.validation.x, np.random.default_rng(options.seed))
    return TrialRun(
        artifact=artifact,
        measurement=measure(artifact, spikes, data.validation.y, spec.energy_preset),
        float_accuracy=evaluate(float_model, spikes, data.validation.y),
        seconds=time.perf_counter() - start,
    )
