"""Bit-exactness check: the quantized torch model against the emulator.

Both run the same encoded inputs; every output spike, every entry of every layer's
raster and every final state integer is compared. The torch model computes with its
own Brevitas weights and the torch code of the contract, the emulator with the
artifact's integers and its numpy code; neither calls the other.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import torch

from .overlay.artifact import Artifact
from .overlay.emulator import emulate
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


@torch.no_grad()
def compare(model: QuantSpikingNetwork, artifact: Artifact, spikes: np.ndarray) -> VerifyReport:
    """Run both on input spikes uint8 [T, N, C] and count the integers that differ."""
    model.eval()
    ours = model(torch.from_numpy(spikes).float())
    emulated = emulate(artifact, spikes, record_rasters=True)
    torch_rasters = [r.numpy().astype(np.uint8) for r in ours.rasters]
    raster_diff = sum(int((a != b).sum()) for a, b in zip(torch_rasters, emulated.rasters))
    raster_size = sum(r.size for r in emulated.rasters)
    state_diff, state_size = 0, 0
    for torch_state, emu_state in zip(ours.final_states, emulated.final_states):
        for name, value in emu_state.items():
            state_diff += int((torch_state[name].numpy().astype(np.int64) != value).sum())
            state_size += value.size
    return VerifyReport(
        n_samples=spikes.shape[1],
        output_spike_mismatches=int((torch_rasters[-1] != emulated.output_spikes).sum()),
        raster_mismatches=raster_diff,
        state_mismatches=state_diff,
        output_spikes_compared=emulated.output_spikes.size,
        raster_entries_compared=raster_size,
        states_compared=state_size,
    )
