"""What the IP knows of one neuron model: the descriptor every layer of the stack reads.

A :class:`NeuronModel` holds, for one model the IP runs, everything that is said
about that model anywhere in the runtime: its name in the artifact, its hardware
code (descriptor field ``D1[1:0]`` and bit ``code`` of ``CAP_MODELS``), its integer
parameters with their inclusive ranges, its state registers, the integer update of
one timestep, the rules a layer must satisfy beyond the ranges, and how its
parameters travel in a layer descriptor of the network image (``REGISTERS.md``).

Layers are read by duck typing (``n_out``, ``weight_shift``, ``frac_bits``,
``params``), so this module imports nothing from the artifact.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Mapping, Tuple

import numpy as np

#: A model's state tuple: its registers in ``state_names`` order, then cached values.
State = Tuple[np.ndarray, ...]


@dataclass(frozen=True)
class NeuronModel:
    """One neuron model of the IP.

    Attributes:
        name: the artifact's name of the model (``Layer.neuron``).
        code: the hardware code, ``D1[1:0]`` of a layer descriptor; the build supports
            the model when bit ``code`` of ``CAP_MODELS`` is set.
        params: integer parameter name -> ``(min, max)``, both inclusive. Every model
            has a ``threshold`` in state LSBs.
        state_names: the architectural state registers, in state-tuple order; the
            final states of a run are reported under these names, and the output
            stream carries them as the 16-bit halves of one state word, the first in
            bits [15:0] and the second in bits [31:16] (so a model has one or two).
        initial_state: ``initial_state(n_samples, layer)``: the state tuple of a fresh
            sample, arrays [n_samples, n_out].
        step: ``step(state, drive, layer) -> (state, spikes)``: one timestep, ``drive``
            the synaptic current in state LSBs (``I << F``), spikes bool [N, n_out].
        layer_problems: ``layer_problems(layer) -> [str]``: the rules of the model beyond
            the parameter ranges, each broken one as a sentence (empty when it holds).
        to_descriptor: ``to_descriptor(layer) -> {field: int}``: the descriptor fields
            the model sets (``beta``, ``square_shift`` and the 16-bit fields of D2..D7 by
            name); every other field is 0.
        from_descriptor: ``from_descriptor(fields, frac_bits) -> (weight_shift, params)``:
            the inverse, from every decoded field (the artifact's checks then refuse
            what leaves its formats although the IP would run it).
        descriptor_problems: ``descriptor_problems(fields) -> [(word, reason)]``: the
            fields of a descriptor that the IP refuses with ``PARAM`` for this model
            (beyond the checks common to every model), each with the index of the
            descriptor word (0..7) that carries it.
        why_high: parameter name -> why a value above its range cannot run, for the
            error that refuses one (empty where the range is the field's).
        defaults: parameter name -> the value a layer that omits the parameter takes:
            the parameters added after the artifact's format version 1 (LIF ``v_init``),
            which files of that version lack.
    """

    name: str
    code: int
    params: Mapping[str, Tuple[int, int]]
    state_names: Tuple[str, ...]
    initial_state: Callable[[int, Any], State]
    step: Callable[[State, np.ndarray, Any], Tuple[State, np.ndarray]]
    layer_problems: Callable[[Any], List[str]]
    to_descriptor: Callable[[Any], Dict[str, int]]
    from_descriptor: Callable[[Mapping[str, int], int], Tuple[int, Dict[str, int]]]
    descriptor_problems: Callable[[Mapping[str, int]], List[Tuple[int, str]]]
    why_high: Mapping[str, str] = field(default_factory=dict)
    defaults: Mapping[str, int] = field(default_factory=dict)

    @property
    def capability_bit(self) -> int:
        """The model's bit in ``CAP_MODELS``: ``1 << code``."""
        return 1 << self.code
