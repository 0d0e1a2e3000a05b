"""Whether a network fits a build of the SNN core IP, and what to shrink when it does not.

A build (:class:`~.core_build.CoreBuild`) has fixed memories: a weight memory, a
neuron-state memory, a layer table and a timestep counter. A network fits when every
one of its needs is within the matching limit; :func:`check_fits` reports every limit
a network breaks at once, each with the numbers and what to shrink.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import List, Sequence, Tuple

from .core_build import DEFAULT_BUILD, CoreBuild, padded


@dataclass(frozen=True)
class Requirements:
    """What a network needs of the IP, counted in neurons, weights, layers, inputs and steps.

    Attributes:
        neurons: non-input neurons over all layers.
        max_neurons_per_layer: neurons of the widest layer.
        synapses: weights over all layers (sum of n_in * n_out).
        layers: layers with weights.
        max_fan_in: inputs of the layer with the most inputs.
        steps: timesteps per sample.
        sizes: the topology ``(n_inputs, n_hidden..., n_outputs)`` when known; with it,
            a too-wide layer or a too-large fan-in is named by its layer index.
    """

    neurons: int
    max_neurons_per_layer: int
    synapses: int
    layers: int
    max_fan_in: int
    steps: int
    sizes: Tuple[int, ...] = ()

    @classmethod
    def from_sizes(cls, sizes: Sequence[int], steps: int) -> "Requirements":
        """Requirements of a feed-forward network.

        Args:
            sizes: ``[n_inputs, n_hidden..., n_outputs]``, at least two positive integers.
            steps: timesteps per sample, a positive integer.
        """
        sizes = tuple(sizes)
        if len(sizes) < 2:
            raise ValueError(f"sizes must list the inputs and at least one layer, got {list(sizes)}")
        for size in sizes:
            if not isinstance(size, int) or isinstance(size, bool) or size < 1:
                raise ValueError(f"every size must be an integer >= 1, got {list(sizes)}")
        if not isinstance(steps, int) or isinstance(steps, bool) or steps < 1:
            raise ValueError(f"steps must be an integer >= 1, got {steps!r}")
        layers = sizes[1:]
        return cls(
            neurons=sum(layers),
            max_neurons_per_layer=max(layers),
            synapses=sum(n_in * n_out for n_in, n_out in zip(sizes[:-1], sizes[1:])),
            layers=len(layers),
            max_fan_in=max(sizes[:-1]),
            steps=steps,
            sizes=sizes,
        )


class CapacityError(MemoryError):
    """The network does not fit the IP. ``violations`` lists every broken limit."""

    def __init__(self, violations: Sequence[str]) -> None:
        self.violations: List[str] = list(violations)
        lines = "\n".join(f"  - {v}" for v in self.violations)
        super().__init__(f"the network does not fit the SNN core IP:\n{lines}")


def _layer_name(index: int, sizes: Tuple[int, ...]) -> str:
    """``layer 0 (hidden, 784 -> 512)``: index into the weight layers, role and shape."""
    role = "output" if index == len(sizes) - 2 else "hidden"
    return f"layer {index} ({role}, {sizes[index]} -> {sizes[index + 1]})"


def _memory_violations(req: Requirements, build: CoreBuild) -> List[str]:
    """The state and weight memories. With the topology known, each layer counts padded to
    whole words of ``build.lanes`` neurons, as the IP stores it; without it, the raw totals."""
    stored_neurons, stored_synapses = req.neurons, req.synapses
    if req.sizes:
        stored_neurons = sum(padded(n_out, build.lanes) for n_out in req.sizes[1:])
        stored_synapses = sum(n_in * padded(n_out, build.lanes) for n_in, n_out in zip(req.sizes[:-1], req.sizes[1:]))
    memories = (  # name, needed, as stored, held, counted as, padded per, unit, what to shrink
        ("neurons", req.neurons, stored_neurons, build.neurons, "in all layers", "layer", "neurons", ""),
        ("synapses", req.synapses, stored_synapses, build.synapses, "weights", "row", "weights",
         "fewer or smaller layers"),
    )
    found = []
    for name, needed, stored, held, counted, per, unit, shrink in memories:
        if stored <= held:
            continue
        advice = [shrink] if shrink else []
        if stored == needed:
            text = f"{name}: {needed} {counted}, the IP holds {held}: remove {needed - held} {unit}"
        else:
            advice.append(f"widths that are multiples of {build.lanes} waste nothing")
            text = (f"{name}: {needed} {counted}, {stored} with each {per} padded to {build.lanes} lanes, "
                    f"the IP holds {held}: remove {stored - held} padded {unit}")
        found.append(text + (f" ({'; '.join(advice)})" if advice else ""))
    return found


def _violations(req: Requirements, build: CoreBuild) -> List[str]:
    found = []
    if req.layers > build.layers:
        found.append(
            f"layers: {req.layers} layers, the IP holds {build.layers}: remove {req.layers - build.layers}"
        )
    if req.sizes:
        for index, n_out in enumerate(req.sizes[1:]):
            if n_out > build.neurons_per_layer:
                found.append(
                    f"{_layer_name(index, req.sizes)}: {n_out} neurons, the IP holds "
                    f"{build.neurons_per_layer} per layer: shrink it by {n_out - build.neurons_per_layer}"
                )
        for index, n_in in enumerate(req.sizes[:-1]):
            if n_in > build.fan_in:
                found.append(
                    f"{_layer_name(index, req.sizes)}: fan-in of {n_in} inputs, the IP takes "
                    f"{build.fan_in} per layer: remove {n_in - build.fan_in} inputs to it"
                )
    else:
        if req.max_neurons_per_layer > build.neurons_per_layer:
            found.append(
                f"widest layer: {req.max_neurons_per_layer} neurons, the IP holds "
                f"{build.neurons_per_layer} per layer: shrink it by "
                f"{req.max_neurons_per_layer - build.neurons_per_layer}"
            )
        if req.max_fan_in > build.fan_in:
            found.append(
                f"largest fan-in: {req.max_fan_in} inputs, the IP takes {build.fan_in} per layer: "
                f"remove {req.max_fan_in - build.fan_in} inputs to that layer"
            )
    found.extend(_memory_violations(req, build))
    if req.steps > build.steps:
        found.append(
            f"timesteps: {req.steps} per sample, the IP counts up to {build.steps}: "
            f"use {req.steps - build.steps} fewer timesteps"
        )
    return found


def check_fits(requirements: Requirements, build: CoreBuild = DEFAULT_BUILD) -> None:
    """Return None if the network fits ``build``; else raise :class:`CapacityError` listing
    every limit it breaks.

    The limits: ``build.layers`` layers; per layer ``build.neurons_per_layer`` neurons and
    ``build.fan_in`` inputs; ``build.steps`` timesteps; and the memories, each layer padded
    to whole words of ``build.lanes`` as the IP stores it: ``sum_l ceil(n_out_l / lanes) *
    lanes <= build.neurons`` and ``sum_l n_in_l * ceil(n_out_l / lanes) * lanes <=
    build.synapses``.

    Example:
        >>> import numpy as np
        >>> from pynq_snn.overlay.artifact import Artifact, Layer
        >>> from pynq_snn.overlay.capacity import check_fits
        >>> def network(neurons):  # 3 inputs, one layer of LIF neurons
        ...     layer = Layer("lif", np.zeros((neurons, 3), dtype=np.int8), weight_shift=2, frac_bits=4,
        ...                   params={"beta": 230, "threshold": 64})
        ...     return Artifact(n_inputs=3, layers=(layer,), encoding={"kind": "raster", "steps": 4}, meta={})
        >>> check_fits(network(2).requirements())  # fits: returns None
        >>> check_fits(network(2000).requirements())
        Traceback (most recent call last):
        ...
        pynq_snn.overlay.capacity.CapacityError: the network does not fit the SNN core IP:
          - layer 0 (output, 3 -> 2000): 2000 neurons, the IP holds 1024 per layer: shrink it by 976
          - neurons: 2000 in all layers, the IP holds 1024: remove 976 neurons
    """
    violations = _violations(requirements, build)
    if violations:
        raise CapacityError(violations)
