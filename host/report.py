"""A run report as text: the lines ``pynq-snn run`` and ``pynq-snn demo`` print.

One line per figure of a :class:`~pynq_snn.host.evaluate.RunReport`, labels padded to
one column: accuracy, spike rates (spikes per neuron per step), spikes, synaptic events
and neuron updates per sample, energy in nJ per sample, the emulator's throughput in
samples per second, and the IP's cycles per sample with their time in microseconds at
the IP's clock. Imports numpy only, like the rest of the runtime.
"""
from __future__ import annotations

from typing import List

from ..overlay.cycles import CLOCK_MHZ
from .evaluate import RunReport


def report_lines(report: RunReport, accuracy: bool = True) -> List[str]:
    """Human-readable lines of ``report``; ``accuracy=False`` leaves out the accuracy line."""
    rates = ", ".join(f"{r:.4f}" for r in report.spike_rates)
    per_sample = ", ".join(f"{s:.1f}" for s in report.spikes_per_sample)
    e, vs, n = report.energy, report.energy_vs_ann, report.n_samples
    lines: List[str] = []
    if accuracy:
        lines.append(f"accuracy:               {report.accuracy:.2%}" if report.accuracy is not None
                     else "accuracy: (no labels)")
    lines += [
        f"spike rate per layer:   {rates} (spikes per neuron per step)",
        f"spikes per sample:      {per_sample} (per layer)",
        f"synaptic events:        {report.synaptic_events} ({report.synaptic_events / n:.0f} per sample)",
        f"neuron updates:         {report.neuron_updates} ({report.neuron_updates / n:.0f} per sample)",
        f"estimated energy:       {e.per_sample_nj:.2f} nJ per sample ({e.model} preset)",
        f"SNN vs ANN at 45 nm:    {vs.per_sample_nj:.2f} nJ vs {vs.ann_per_sample_nj:.2f} nJ per sample for a dense "
        f"ANN of the same shape (SNN/ANN = {vs.snn_to_ann_ratio:.2f})",
        f"emulator throughput:    {report.samples_per_second:.0f} samples/s",
    ]
    if report.ip_cycles is not None:
        cycles = report.ip_cycles / n
        lines.append(
            f"IP cycles (model):      {cycles:.0f} per sample ({cycles / CLOCK_MHZ:.1f} us at {CLOCK_MHZ:g} MHz, "
            "spike counts read back)"
        )
    return lines
