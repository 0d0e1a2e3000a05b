"""Export a quantized network to the deployment artifact (``overlay/artifact.py``).

The integers come from Brevitas's quant tensors (``quant_weight().int()`` and its
power-of-two scale) and from the same :class:`~.fixed_point.LayerFormat` the
network computes with, so the artifact holds exactly what QAT trained. The
capacity check runs before anything is returned.
"""
from __future__ import annotations

from typing import Optional

import numpy as np
import torch

from ..overlay.artifact import Artifact, Layer
from ..overlay.capacity import check_fits
from ..overlay.core_build import DEFAULT_BUILD, CoreBuild
from .network import QuantSpikingMLP


def to_artifact(
    model: QuantSpikingMLP,
    encoding: dict,
    meta: Optional[dict] = None,
    build: CoreBuild = DEFAULT_BUILD,
) -> Artifact:
    """Build the artifact of ``model``; raise CapacityError if the IP's ``build`` cannot hold it."""
    layers = []
    with torch.no_grad():
        for layer in model.layers:
            weights, shift = layer.integer_weights()
            fmt = layer.integer_format()
            layers.append(
                Layer(
                    neuron=layer.artifact_neuron,
                    weights=weights.cpu().numpy().astype(np.int8),
                    weight_shift=shift,
                    frac_bits=fmt.frac_bits,
                    params=dict(fmt.params),
                )
            )
    artifact = Artifact(
        n_inputs=model.config.sizes[0],
        layers=tuple(layers),
        encoding=dict(encoding),
        meta=dict(meta or {}),
    )
    check_fits(artifact.requirements(), build)
    return artifact
