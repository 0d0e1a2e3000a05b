"""Exact cycle model of the SNN core IP (``REGISTERS.md``, "Cycle model").

The IP's ``CYCLES`` register counts every cycle of a command from the one after
``RUN``/``LOAD`` is accepted up to the one that raises ``DONE``, except the cycles
spent waiting on a stream (``STALLS`` counts those). It does not depend on the DMA,
so these formulas give it exactly, in clock cycles of ``aclk``:

    LOAD = 2 + 1 + 8 L + (LANES/8) * sum_l n_in_l * R_l

    RUN  = 2 + sum_samples [ sum_l R_l
                             + sum_t ( sum_l (B_l + E_{l,t} R_l + 1 + R_l + 1) + Raster )
                             + Counts + States ]

with ``R_l = ceil(n_out_l / LANES)`` state words, ``B_l = ceil(n_in_l / 32)`` input
words, ``E_{l,t}`` the input spikes of layer ``l`` at step ``t``, ``Raster =
ceil(n_out_L / 32)``, ``Counts = ceil(n_out_L / 2)`` and ``States = sum_l n_out_l``
when ``OUT_MODE`` selects them (else 0). ``E`` enters linearly, so only its total per
layer over the batch matters: the emulator counts it, ``Counts.input_spikes``.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import List, Sequence, Tuple

from .artifact import Artifact
from .core_build import SPIKES_PER_WORD, ceil_div, check_lanes, row_words
from .stream import check_out_mode, check_run, image_words, section_words

#: The IP's clock in the overlay's block design (``bitstreams/build.tcl``), MHz: the
#: target, not a closed timing (no bitstream has been built here).
CLOCK_MHZ = 100.0

#: The fixed cycles of every command: the "2 +" of both formulas.
COMMAND_OVERHEAD = 2


def load_cycles(artifact: Artifact, lanes: int) -> int:
    """Active cycles of ``LOAD`` of ``artifact``: ``2 + 1 + 8 L + (lanes/8) * sum_l n_in_l * R_l``.

    One cycle per image word (header, descriptors, weight stream words) plus 2; equal
    to ``2 + stream.image_words(artifact, lanes)``.
    """
    return COMMAND_OVERHEAD + image_words(artifact, lanes)


@dataclass(frozen=True)
class CycleBreakdown:
    """Active cycles of one ``RUN``, by phase (clock cycles; sums over the whole batch).

    With ``S`` samples of ``T`` steps, over layers ``l``:

    Attributes:
        reset: clearing the states at each sample's start, ``S * sum_l R_l``.
        fetch: reading the input spike words, ``S * T * sum_l B_l``.
        accumulate: adding a weight word per input spike and row word,
            ``sum_l R_l * sum_{samples, t} E_{l,t}``.
        drain: letting the last addition land, ``S * T * L`` (the ``+ 1`` of the accumulate phase).
        update: the neuron updates, ``lanes`` neurons a cycle through a two-stage pipeline,
            ``S * T * sum_l (R_l + 1)``.
        output: the output sections, ``S * (T * Raster + Counts + States)``.
        overhead: the command's start and end, 2.
        total: the sum of the above: the ``CYCLES`` register after the run.
    """

    reset: int
    fetch: int
    accumulate: int
    drain: int
    update: int
    output: int
    overhead: int
    total: int


def _layer_terms(
    artifact: Artifact, layer_input_spikes: Sequence[int], steps: int, n_samples: int, lanes: int
) -> Tuple[int, int, List[Tuple[int, int, int]]]:
    """``(steps, n_samples, [(B_l, R_l, E_l) per layer])`` with every argument checked: ``B_l =
    ceil(n_in_l / 32)``, ``R_l = ceil(n_out_l / lanes)`` and ``E_l`` the layer's input spikes, an
    integer in [0, n_in_l * steps * n_samples]."""
    lanes = check_lanes(lanes)
    steps, n_samples = check_run(steps, n_samples)
    try:
        values = list(layer_input_spikes)
    except TypeError:
        raise ValueError(
            f"layer_input_spikes must be a sequence of one integer per layer, got {type(layer_input_spikes).__name__}"
        ) from None
    if len(values) != len(artifact.layers):
        raise ValueError(
            f"layer_input_spikes has {len(values)} entries, the network has {len(artifact.layers)} layers"
        )
    terms = []
    for index, (value, layer) in enumerate(zip(values, artifact.layers)):
        most = layer.n_in * steps * n_samples
        if not hasattr(value, "__index__") or isinstance(value, bool) or not 0 <= int(value) <= most:
            raise ValueError(
                f"layer {index}: input spikes must be an integer in [0, {most}] (n_in {layer.n_in} x "
                f"{steps} steps x {n_samples} samples), got {value!r}"
            )
        terms.append((ceil_div(layer.n_in, SPIKES_PER_WORD), row_words(layer.n_out, lanes), int(value)))
    return steps, n_samples, terms


def run_breakdown(
    artifact: Artifact,
    layer_input_spikes: Sequence[int],
    steps: int,
    n_samples: int,
    out_mode: int,
    lanes: int,
) -> CycleBreakdown:
    """Active cycles of one ``RUN``, phase by phase (see :class:`CycleBreakdown`).

    Args:
        artifact: the loaded network.
        layer_input_spikes: per layer, its input spikes summed over all samples and steps
            (channels < n_in), i.e. ``sum_{samples, t} E_{l,t}``; for layer 0 the input
            stream's spikes, for layer ``l > 0`` the spikes of layer ``l - 1``.
        steps: ``STEPS``, timesteps per sample, 1..65535.
        n_samples: ``SAMPLES``, samples in the run, 1..65535.
        out_mode: ``OUT_MODE``, 0..7 (bit 0 RASTER, bit 1 COUNTS, bit 2 STATES).
        lanes: the IP's ``LANES``, a power of two, at least 8.
    """
    out_mode = check_out_mode(out_mode)
    steps, n_samples, terms = _layer_terms(artifact, layer_input_spikes, steps, n_samples, lanes)
    step_count = n_samples * steps
    parts = dict(
        reset=n_samples * sum(rows for _, rows, _ in terms),
        fetch=step_count * sum(in_words for in_words, _, _ in terms),
        accumulate=sum(spikes * rows for _, rows, spikes in terms),
        drain=step_count * len(terms),
        update=step_count * sum(rows + 1 for _, rows, _ in terms),
        output=n_samples * sum(section_words(artifact, steps, out_mode)),
        overhead=COMMAND_OVERHEAD,
    )
    return CycleBreakdown(**parts, total=sum(parts.values()))


def layer_cycles(
    artifact: Artifact,
    layer_input_spikes: Sequence[int],
    steps: int,
    n_samples: int,
    lanes: int,
) -> List[int]:
    """Active cycles spent on each layer over the batch: its fetch, accumulate, drain
    and update phases, ``S*T*(B_l + 1 + R_l + 1) + R_l * sum E_l`` (the reset, output
    and command overhead belong to no layer). Arguments as :func:`run_breakdown`.
    """
    steps, n_samples, terms = _layer_terms(artifact, layer_input_spikes, steps, n_samples, lanes)
    return [n_samples * steps * (in_words + 1 + rows + 1) + spikes * rows for in_words, rows, spikes in terms]


def run_cycles(
    artifact: Artifact,
    layer_input_spikes: Sequence[int],
    steps: int,
    n_samples: int,
    out_mode: int,
    lanes: int,
) -> int:
    """Active cycles of one ``RUN`` (the ``CYCLES`` register after it); arguments as
    :func:`run_breakdown`, of which this is the ``total``."""
    return run_breakdown(artifact, layer_input_spikes, steps, n_samples, out_mode, lanes).total
