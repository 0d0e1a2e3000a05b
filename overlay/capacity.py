"""The SNN core IP's fixed capacity, and the check that a network fits in it.

The IP is synthesized once with fixed memories: a weight memory, a neuron-state
memory, a layer table and a timestep counter. A network fits when every one of its
needs is within the matching limit; :func:`check_fits` reports every limit a network
breaks at once, each with the numbers and what to shrink.
"""
from __future__ import annotations

from dataclasses import dataclass, fields
from typing import List, Sequence, Tuple

from . import formats


#: ``Capacity.lanes`` must be a multiple of this: 32-bit stream words of 4-bit weights.
LANE_MULTIPLE = 8


def padded(n: int, lanes: int) -> int:
    """``n`` neurons rounded up to whole words of ``lanes``: ``ceil(n / lanes) * lanes``."""
    return -(-n // lanes) * lanes


@dataclass(frozen=True)
class Capacity:
    """What the IP holds. Every field is a count (no units beyond "how many").

    The defaults are sized for the ZU3EG of the Ultra96-V2: its 216 BRAM36 blocks
    hold 7.6 Mbit, and the weight memory of 512 Ki 4-bit weights takes 2 Mbit of it,
    which leaves room for the neuron states and the spike buffers. They hold the
    784-512-10 MNIST topology with 4-bit weights.

    Attributes:
        neurons: non-input neurons over all layers together (one 16-bit state each).
        neurons_per_layer: neurons of one layer (the width of the spike buffer).
        synapses: weights over all layers together (4 bits each).
        layers: layers with weights (the input is not a layer).
        fan_in: inputs of one layer, the first layer's input channels included.
        steps: timesteps per sample (the width of the timestep counter).
        lanes: weights read per cycle (the IP's ``LANES``), a multiple of 8. The weight
            memory holds words of ``lanes`` weights and the state memory words of ``lanes``
            states, so each layer is padded to a multiple of ``lanes`` neurons: it takes
            ``ceil(n_out / lanes) * lanes`` of ``neurons`` and ``n_in`` times that of ``synapses``.
            ``synapses`` is therefore ``WEIGHT_WORDS * lanes`` (32768 * 16) and ``neurons``
            the state words times ``lanes`` (64 * 16).
    """

    neurons: int = 1024
    neurons_per_layer: int = 1024
    synapses: int = 512 * 1024
    layers: int = 8
    fan_in: int = 1024
    steps: int = formats.STEPS_MAX
    lanes: int = 16

    def __post_init__(self) -> None:
        for field in fields(self):
            value = getattr(self, field.name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ValueError(f"capacity {field.name} must be an integer >= 1, got {value!r}")
        if self.lanes % LANE_MULTIPLE:
            raise ValueError(
                f"capacity lanes must be a multiple of {LANE_MULTIPLE} (a weight word is sent as whole "
                f"32-bit stream words of {LANE_MULTIPLE} weights), got {self.lanes}"
            )


@dataclass(frozen=True)
class Requirements:
    """What a network needs of the IP, in the units of :class:`Capacity`.

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


def _memory_violations(req: Requirements, cap: Capacity) -> List[str]:
    """The state and weight memories. With the topology known, each layer counts padded to
    whole words of ``cap.lanes`` neurons, as the IP stores it; without it, the raw totals."""
    found = []
    neurons, synapses = req.neurons, req.synapses
    if req.sizes:
        neurons = sum(padded(n_out, cap.lanes) for n_out in req.sizes[1:])
        synapses = sum(n_in * padded(n_out, cap.lanes) for n_in, n_out in zip(req.sizes[:-1], req.sizes[1:]))
    why = f"widths that are multiples of {cap.lanes} waste nothing"
    if neurons > cap.neurons:
        if neurons == req.neurons:
            found.append(
                f"neurons: {req.neurons} in all layers, the IP holds {cap.neurons}: "
                f"remove {req.neurons - cap.neurons} neurons"
            )
        else:
            found.append(
                f"neurons: {req.neurons} in all layers, {neurons} with each layer padded to {cap.lanes} lanes, "
                f"the IP holds {cap.neurons}: remove {neurons - cap.neurons} padded neurons ({why})"
            )
    if synapses > cap.synapses:
        if synapses == req.synapses:
            found.append(
                f"synapses: {req.synapses} weights, the IP holds {cap.synapses}: "
                f"remove {req.synapses - cap.synapses} weights (fewer or smaller layers)"
            )
        else:
            found.append(
                f"synapses: {req.synapses} weights, {synapses} with each row padded to {cap.lanes} lanes, "
                f"the IP holds {cap.synapses}: remove {synapses - cap.synapses} padded weights "
                f"(fewer or smaller layers; {why})"
            )
    return found


def _violations(req: Requirements, cap: Capacity) -> List[str]:
    found = []
    if req.layers > cap.layers:
        found.append(
            f"layers: {req.layers} layers, the IP holds {cap.layers}: remove {req.layers - cap.layers}"
        )
    if req.sizes:
        for index, n_out in enumerate(req.sizes[1:]):
            if n_out > cap.neurons_per_layer:
                found.append(
                    f"{_layer_name(index, req.sizes)}: {n_out} neurons, the IP holds "
                    f"{cap.neurons_per_layer} per layer: shrink it by {n_out - cap.neurons_per_layer}"
                )
        for index, n_in in enumerate(req.sizes[:-1]):
            if n_in > cap.fan_in:
                found.append(
                    f"{_layer_name(index, req.sizes)}: fan-in of {n_in} inputs, the IP takes "
                    f"{cap.fan_in} per layer: remove {n_in - cap.fan_in} inputs to it"
                )
    else:
        if req.max_neurons_per_layer > cap.neurons_per_layer:
            found.append(
                f"widest layer: {req.max_neurons_per_layer} neurons, the IP holds "
                f"{cap.neurons_per_layer} per layer: shrink it by "
                f"{req.max_neurons_per_layer - cap.neurons_per_layer}"
            )
        if req.max_fan_in > cap.fan_in:
            found.append(
                f"largest fan-in: {req.max_fan_in} inputs, the IP takes {cap.fan_in} per layer: "
                f"remove {req.max_fan_in - cap.fan_in} inputs to that layer"
            )
    found.extend(_memory_violations(req, cap))
    if req.steps > cap.steps:
        found.append(
            f"timesteps: {req.steps} per sample, the IP counts up to {cap.steps}: "
            f"use {req.steps - cap.steps} fewer timesteps"
        )
    return found


def check_fits(requirements: Requirements, capacity: Capacity = Capacity()) -> None:
    """Return None if the network fits ``capacity``; else raise :class:`CapacityError`
    listing every limit it breaks."""
    violations = _violations(requirements, capacity)
    if violations:
        raise CapacityError(violations)
