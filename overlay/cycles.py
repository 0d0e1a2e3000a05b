"""Exact cycle model of the SNN core IP (``REGISTERS.md``, "Cycle model").

The IP's ``CYCLES`` register counts every cycle of a command from the one after
``RUN``/``LOAD`` is accepted up to the one that raises ``DONE``, except the cycles
spent waiting on a stream (``STALLS`` counts those). It does not depend on the DMA,
so these formulas give it exactly, in clock cycles of ``aclk``:

    LOAD = 2 + 1 + 8 L + (LANES/8) * sum_l n_in_l * R_l

    RUN  = 2 + sum_samples [ sum_t ( sum_l (K + B_l + E_{l,t} C_l + R_l) + Raster )
                             + Counts + States ]

with ``R_l = ceil(n_out_l / LANES)`` state words, ``C_l = ceil(R_l / BANKS)`` cycles per
input spike (a row read ``BANKS`` words at a time), ``B_l = ceil(n_in_l / 32)`` input
words, ``E_{l,t}`` the input spikes of layer ``l`` at step ``t``, ``K`` =
:data:`LAYER_FIXED` the fixed cycles of a layer's step (its setup and the pipelines'
fill and drain), ``Raster = ceil(n_out_L / 32)``, ``Counts = ceil(n_out_L / 2)`` and
``States = sum_l n_out_l`` when ``OUT_MODE`` selects them (else 0). ``E`` enters
linearly, so only its total per layer over the batch matters: the emulator counts it,
``Counts.input_spikes``.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import List, Sequence, Tuple

from .artifact import Artifact
from .core_build import DEFAULT_BUILD, SPIKES_PER_WORD, ceil_div, check_banks, check_lanes, row_words
from .stream import check_out_mode, check_run, image_words, section_words

#: The clock the IP is built for, MHz: the block design's PL clock (``bitstreams/build.tcl``).
#: A target: no bitstream has been built. The static timing estimate of the mapped
#: netlist (``bench/ip_timing.py``) puts the default build at 254 MHz.
CLOCK_MHZ = 200.0

#: The fixed cycles of every command: the "2 +" of both formulas (the start and DONE).
COMMAND_OVERHEAD = 2
#: Cycles a layer's step spends latching its descriptor into the datapath's registers.
LAYER_SETUP = 2
#: The scan's last cycle, which finds no spike pending and no input word left.
SCAN_END = 1
#: Cycles after the scan for the last row chunk to reach the accumulators
#: (``rtl/snn_synapse_fetch.v``: 10 edges from issue to accumulator, less the scan's end).
ACCUMULATE_DRAIN = 9
#: Cycles after the update's last word for it to be written back (``rtl/snn_lane.v``: 15).
UPDATE_DRAIN = 14
#: ``K``, the fixed cycles of one layer's step.
LAYER_FIXED = LAYER_SETUP + SCAN_END + ACCUMULATE_DRAIN + UPDATE_DRAIN
#: What a RUN has counted when it first waits for the input stream: its start and layer 0's setup.
RUN_BEFORE_INPUT = 1 + LAYER_SETUP


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
        setup: latching each layer's descriptor, ``S * T * L * LAYER_SETUP``.
        fetch: reading the input spike words, ``S * T * sum_l B_l``.
        accumulate: a row chunk of ``banks`` weight words per cycle for each input spike,
            ``sum_l C_l * sum_{samples, t} E_{l,t}``.
        drain: the scan's end and the pipelines' drains,
            ``S * T * L * (SCAN_END + ACCUMULATE_DRAIN + UPDATE_DRAIN)``.
        update: the neuron updates, ``lanes`` neurons a cycle, ``S * T * sum_l R_l``.
        output: the output sections, ``S * (T * Raster + Counts + States)``.
        overhead: the command's start and end, 2.
        total: the sum of the above: the ``CYCLES`` register after the run.
    """

    setup: int
    fetch: int
    accumulate: int
    drain: int
    update: int
    output: int
    overhead: int
    total: int


def _layer_terms(
    artifact: Artifact, layer_input_spikes: Sequence[int], steps: int, n_samples: int, lanes: int, banks: int
) -> Tuple[int, int, List[Tuple[int, int, int, int]]]:
    """``(steps, n_samples, [(B_l, R_l, C_l, E_l) per layer])`` with every argument checked: ``B_l =
    ceil(n_in_l / 32)``, ``R_l = ceil(n_out_l / lanes)``, ``C_l = ceil(R_l / banks)`` and ``E_l`` the
    layer's input spikes, an integer in [0, n_in_l * steps * n_samples]."""
    lanes = check_lanes(lanes)
    banks = check_banks(banks)
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
        rows = row_words(layer.n_out, lanes)
        terms.append((ceil_div(layer.n_in, SPIKES_PER_WORD), rows, ceil_div(rows, banks), int(value)))
    return steps, n_samples, terms


def run_breakdown(
    artifact: Artifact,
    layer_input_spikes: Sequence[int],
    steps: int,
    n_samples: int,
    out_mode: int,
    lanes: int,
    banks: int = DEFAULT_BUILD.banks,
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
        banks: the IP's ``BANKS``, a power of two (default: the default build's).
    """
    out_mode = check_out_mode(out_mode)
    steps, n_samples, terms = _layer_terms(artifact, layer_input_spikes, steps, n_samples, lanes, banks)
    layer_steps = n_samples * steps * len(terms)
    parts = dict(
        setup=layer_steps * LAYER_SETUP,
        fetch=n_samples * steps * sum(in_words for in_words, _, _, _ in terms),
        accumulate=sum(spikes * chunks for _, _, chunks, spikes in terms),
        drain=layer_steps * (SCAN_END + ACCUMULATE_DRAIN + UPDATE_DRAIN),
        update=n_samples * steps * sum(rows for _, rows, _, _ in terms),
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
    banks: int = DEFAULT_BUILD.banks,
) -> List[int]:
    """Active cycles spent on each layer over the batch: its setup, scan, update and drains,
    ``S*T*(K + B_l + R_l) + C_l * sum E_l`` (the output and the command overhead belong to
    no layer). Arguments as :func:`run_breakdown`.
    """
    steps, n_samples, terms = _layer_terms(artifact, layer_input_spikes, steps, n_samples, lanes, banks)
    return [n_samples * steps * (LAYER_FIXED + in_words + rows) + spikes * chunks
            for in_words, rows, chunks, spikes in terms]


def run_cycles(
    artifact: Artifact,
    layer_input_spikes: Sequence[int],
    steps: int,
    n_samples: int,
    out_mode: int,
    lanes: int,
    banks: int = DEFAULT_BUILD.banks,
) -> int:
    """Active cycles of one ``RUN`` (the ``CYCLES`` register after it); arguments as
    :func:`run_breakdown`, of which this is the ``total``."""
    return run_breakdown(artifact, layer_input_spikes, steps, n_samples, out_mode, lanes, banks).total
