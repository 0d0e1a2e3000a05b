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
from .network import QuantSpikingNetwork


def to_artifact(
    model: QuantSpikingNetwork,
    encoding: dict,
    meta: Optional[dict] = None,
    build: CoreBuild = DEFAULT_BUILD,
) -> Artifact:
    """Build the artifact of ``model``; raise CapacityError if the IP's ``build`` cannot hold it.

    Example:
        >>> import torch
        >>> from pynq_snn.quant.export import to_artifact
        >>> from pynq_snn.quant.network import QuantSpikingMLP
        >>> from pynq_snn.training.network import NetworkConfig
        >>> _ = torch.manual_seed(0)
        >>> model = QuantSpikingMLP(NetworkConfig(sizes=[3, 2]))  # 3 inputs, 2 LIF neurons, untrained
        >>> artifact = to_artifact(model, {"kind": "raster", "steps": 4})
        >>> artifact.sizes, artifact.layers[0].neuron, artifact.layers[0].weight_shift
        ((3, 2), 'lif', 4)
        >>> artifact.layers[0].weights  # Brevitas's 4-bit integers; the weight is w * 2**-weight_shift
        array([[ 0,  5, -7],
               [-7, -4,  2]], dtype=int8)
    """
    layers = []
    with torch.no_grad():
        for layer in model.layers:
            weights, shift = layer.integer_weights()
            fmt = layer.integer_format()
            layers.append(
                Layer(
                    neuron=layer.hardware,
                    weights=weights.cpu().numpy().astype(np.int8),
                    weight_shift=shift,
                    frac_bits=fmt.frac_bits,
                    params=dict(fmt.params),
                )
            )
    artifact = Artifact(
        n_inputs=model.n_inputs,
        layers=tuple(layers),
        encoding=dict(encoding),
        meta=dict(meta or {}),
    )
    check_fits(artifact.requirements(), build)
    return artifact
