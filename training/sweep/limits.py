"""The chip a sweep designs for: the IP's default build, with its neuron and synapse limits
tightened when a smaller chip is studied.

A network fits when :func:`~pynq_snn.overlay.capacity.check_fits` accepts it for
:meth:`ChipLimits.build`: at most ``neurons`` neurons and ``synapses`` weights, counted
as the IP stores them (each layer padded to whole words of 16 neurons), and the
build's limits on layers, fan-in and timesteps. The check runs on a trial's topology
before anything is trained.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import List, Sequence

from ...overlay.capacity import CapacityError, Requirements, check_fits
from ...overlay.core_build import DEFAULT_BUILD, CoreBuild


@dataclass(frozen=True)
class ChipLimits:
    """At most ``neurons`` neurons (all layers) and ``synapses`` 4-bit weights.

    ``neurons`` must be a multiple of 32 and ``synapses`` of the IP's lanes (16): the
    IP's memories come in those units. The defaults are the default build's.
    """

    neurons: int = DEFAULT_BUILD.neurons
    synapses: int = DEFAULT_BUILD.synapses

    def build(self) -> CoreBuild:
        """The default build with these limits; ValueError names the flag of a bad one."""
        lanes = DEFAULT_BUILD.lanes
        if isinstance(self.synapses, bool) or not isinstance(self.synapses, int) or self.synapses < lanes \
                or self.synapses % lanes:
            raise ValueError(f"--max-synapses {self.synapses}: must be a positive multiple of the IP's {lanes} lanes")
        try:
            return replace(DEFAULT_BUILD, neurons=self.neurons, weight_words=self.synapses // lanes)
        except ValueError as exc:
            raise ValueError(f"--max-neurons {self.neurons}: {exc}") from None

    def violations(self, sizes: Sequence[int], steps: int) -> List[str]:
        """Every limit the network ``sizes`` with ``steps`` timesteps breaks (empty: it fits)."""
        try:
            check_fits(Requirements.from_sizes(list(sizes), steps), self.build())
        except CapacityError as exc:
            return exc.violations
        return []
