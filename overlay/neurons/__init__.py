"""The neuron models the SNN core IP runs, one :class:`~.model.NeuronModel` each.

:data:`MODELS` is the one registry: the artifact checks a layer's parameters against
its schema, the emulator steps its integer update, the stream formats pack its
descriptor fields and its states, and the register map reports its ``CAP_MODELS``
bit, all from here. ``NEURON_MODELS.md`` beside this file lists what else a new model
touches.

>>> sorted(MODELS)
['izhikevich', 'lif']
>>> MODELS["izhikevich"].state_names, MODELS_BY_CODE[0].name
(('v', 'u'), 'lif')
"""
from __future__ import annotations

from typing import Dict

from . import izhikevich, lif
from .model import NeuronModel

#: Every model the IP knows, by its artifact name.
MODELS: Dict[str, NeuronModel] = {model.name: model for model in (lif.MODEL, izhikevich.MODEL)}

#: The same models by hardware code (descriptor field ``D1[1:0]``).
MODELS_BY_CODE: Dict[int, NeuronModel] = {model.code: model for model in MODELS.values()}

#: ``CAP_MODELS`` of a build with every model: one bit per model, bit ``code``.
ALL_MODELS_MASK = sum(model.capability_bit for model in MODELS.values())

__all__ = ["ALL_MODELS_MASK", "MODELS", "MODELS_BY_CODE", "NeuronModel"]
