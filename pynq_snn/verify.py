"""Bit-exactness check: the quantized torch model against the emulator.

Both run the same encoded inputs; every output spike, every entry of every layer's
raster and every final state integer is compared. The torch model computes with its
own Brevitas weights and the torch code of the contract, the emulator with the
artifact's integers and its numpy code; neither calls the other. The torch model
computes on its own device (a GPU too: ``devices.py`` says why that is exact).
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Iterable, Mapping, Sequence

import numpy as np
import torch

from .devices import model_device
from .overlay.artifact import Artifact
from .overlay.emulator import EmulatorResult, emulate
from .quant.network import QuantSpikingNetwork


@dataclass(frozen=True)
class VerifyReport:
    """Mismatch counts (0 is the only passing answer) and how many entries were compared."""

    n_samples: int
    output_spike_mismatches: int
    raster_mismatches: int
    state_mismatches: int
    output_spikes_compared: int
    raster_entries_compared: int
    states_compared: int

    @property
    def ok(self) -> bool:
        return self.output_spike_mismatches == 0 and self.raster_mismatches == 0 and self.state_mismatches == 0

    def to_dict(self) -> dict:
        return {**asdict(self), "ok": self.ok}


#: Bytes a comparison holds per sample, timestep and input channel or neuron: the torch
#: model's currents, spikes and stacked rasters (float32), the emulator's rasters and the
#: comparison's masks (a byte each), rounded up.
BYTES_PER_VALUE = 32


def batch_bytes(artifact: Artifact) -> int:
    """Bytes one sample of ``artifact`` takes in a comparison: ``T * (n_inputs + neurons) * BYTES_PER_VALUE``."""
    return artifact.n_steps * sum(artifact.sizes) * BYTES_PER_VALUE


def combine(reports: Iterable[VerifyReport]) -> VerifyReport:
    """The reports of consecutive batches as one: every count summed."""
    reports = list(reports)
    if not reports:
        raise ValueError("no batches were compared")
    return VerifyReport(**{f.name: sum(getattr(r, f.name) for r in reports) for f in fields(VerifyReport)})


@torch.no_grad()
def compare(model: QuantSpikingNetwork, artifact: Artifact, spikes: np.ndarray) -> VerifyReport:
    """Run both on input spikes uint8 [T, N, C] and count the integers that differ; the model
    runs on its device."""
    model.eval()
    ours = model(torch.from_numpy(spikes).to(model_device(model)).float())
    return count_mismatches(
        [r.cpu().numpy() for r in ours.rasters],
        [{name: value.cpu().numpy() for name, value in state.items()} for state in ours.final_states],
        emulate(artifact, spikes, record_rasters=True),
    )


def count_mismatches(
    rasters: Sequence[np.ndarray],
    final_states: Sequence[Mapping[str, np.ndarray]],
    emulated: EmulatorResult,
) -> VerifyReport:
    """Count the entries of every layer's raster ([T, N, n], 0/1) and of every final state register
    (``[N, n]``, by the emulator's state names) that differ from the emulator's, which must have
    recorded its rasters; the output spikes are the last raster."""
    raster_diff = sum(int((np.asarray(a) != b).sum()) for a, b in zip(rasters, emulated.rasters))
    state_diff, state_size = 0, 0
    for other, emu_state in zip(final_states, emulated.final_states):
        for name, value in emu_state.items():
            state_diff += int((np.asarray(other[name]).astype(np.int64) != value).sum())
            state_size += value.size
    return VerifyReport(
        n_samples=emulated.output_spikes.shape[1],
        output_spike_mismatches=int((np.asarray(rasters[-1]) != emulated.output_spikes).sum()),
        raster_mismatches=raster_diff,
        state_mismatches=state_diff,
        output_spikes_compared=emulated.output_spikes.size,
        raster_entries_compared=sum(r.size for r in emulated.rasters),
        states_compared=state_size,
    )
