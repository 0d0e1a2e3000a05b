"""The neuron models the SNN core IP runs, one :class:`~.model.NeuronModel` each.

:data:`MODELS` is the one registry: the artifact checks a layer's parameters against
its schema, the emulator steps its integer update, the stream formats pack its
descriptor fields and its states, and the register map reports its ``CAP_MODELS``
bit, all from here. ``NEURON_MODELS.md`` beside this file lists what else a new model
touches.

>>> sorted(MODELS)
['izhikevich', 'lif']
>>> MODELS["izhikevich"].state_names, model_of_code(0).name
(('v', 'u'), 'lif')
"""
from __future__ import annotations

from typing import Dict

from . import izhikevich, lif
from .model import NeuronModel

#: Every model the IP knows, by its artifact name.
MODELS: Dict[str, NeuronModel] = {model.name: model for model in (lif.MODEL, izhikevich.MODEL)}

#: ``CAP_MODELS`` of a build with every model: one bit per model, bit ``code``.
ALL_MODELS_MASK = sum(model.capability_bit for model in MODELS.values())


def model_of_code(code: int) -> NeuronModel:
    """The model with hardware code ``code``; KeyError if there is none."""
    for model in MODELS.values():
        if model.code == code:
            return model
    raise KeyError(f"no neuron model has hardware code {code}")


__all__ = ["ALL_MODELS_MASK", "MODELS", "NeuronModel", "model_of_code"]
