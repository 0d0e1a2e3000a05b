"""How a batch's output-stream words differ from the functional emulator.

Shared by the RTL bench (``core_tb.py``) and the emulated core's tests: both check
their output words against the emulator the same way.
"""
from __future__ import annotations

import numpy as np

from pynq_snn.overlay import stream


def output_problems(words, artifact, spikes, out_mode: int, want) -> list:
    """Differences between ``words`` and the emulator's result ``want`` for ``spikes``
    (uint8 [T, N, n_inputs]) under ``out_mode``, as strings; empty when they agree."""
    steps, n_samples, _ = spikes.shape
    expected = stream.output_words(artifact, steps, n_samples, out_mode)
    if len(words) != expected:
        return [f"output has {len(words)} words, expected {expected}"]
    got = stream.unpack_outputs(words, artifact, steps, n_samples, out_mode)
    problems = []
    if got.raster is not None and not np.array_equal(got.raster, want.output_spikes):
        problems.append(f"raster differs in {int((got.raster != want.output_spikes).sum())} places")
    if got.counts is not None and not np.array_equal(got.counts, want.spike_counts):
        problems.append("counts differ")
    if got.states is not None:
        for index, (mine, emu) in enumerate(zip(got.states, want.final_states)):
            for name in emu:
                if not np.array_equal(np.asarray(mine[name], np.int64), np.asarray(emu[name], np.int64)):
                    problems.append(f"layer {index} final {name} differs")
    return problems
