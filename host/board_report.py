"""What the board notebooks show of a shipped test set run on a device, as lines of text.

A timed run (the whole test set as one batch and one sample alone, each the median of
``repeats`` wall times), its accuracy, latency, throughput, the IP's cycles and the
board's power; the estimated energy; and whether the accuracy is the one recorded in the
artifact when its test set was made. Imports numpy only, like the rest of the runtime.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import List, Optional

import numpy as np

from ..overlay.cycles import CLOCK_MHZ
from .device import Device, DeviceResult


@dataclass(frozen=True)
class TimedRun:
    """``result`` of the first run of the whole batch (a warm-up too); ``batch_s`` and
    ``single_s``, the median wall times in seconds of the batch and of its first sample alone,
    over ``repeats`` runs each."""

    result: DeviceResult
    labels: np.ndarray
    batch_s: float
    single_s: float
    repeats: int

    def lines(self) -> List[str]:
        """Backend, accuracy, latency, throughput (samples/s of wall time), IP cycles and power."""
        result, n = self.result, len(self.labels)
        lines = [
            f"backend:         {result.backend}",
            f"accuracy:        {result.accuracy:.2%} ({int(np.sum(result.predictions == self.labels))} of {n})",
            f"latency (wall):  {self.batch_s * 1e3:.1f} ms for {n} samples (median of {self.repeats}), "
            f"{self.single_s * 1e3:.2f} ms for one sample",
            f"throughput:      {n / self.batch_s:.0f} samples/s (host wall time)",
            f"IP cycles:       {result.cycles} = {result.ip_seconds * 1e3:.2f} ms at {CLOCK_MHZ:g} MHz "
            f"({result.cycles / n:.0f} cycles, {result.ip_seconds / n * 1e6:.1f} us per sample; "
            f"{n / result.ip_seconds:.0f} samples/s of IP time)",
        ]
        if result.power_w is None:
            return lines + ["power:           not measured off the board"]
        return lines + [
            f"power:           {result.power_w:.2f} W, the board's rails (the whole board, not the IP alone)",
            f"measured energy: {result.power_w * self.batch_s / n * 1e6:.1f} uJ per sample (board power x wall time)",
        ]


def timed_run(device: Device, spikes: np.ndarray, labels: np.ndarray, repeats: int) -> TimedRun:
    """Run spikes uint8 [T, N, C] with their labels [N] on ``device`` ``repeats`` (>= 1) times as
    one batch, and their first sample alone ``repeats`` times."""
    if repeats < 1:
        raise ValueError(f"repeats must be at least 1, got {repeats}")
    result = device.run(spikes, labels)
    batch = [result.latency_s] + [device.run(spikes, labels).latency_s for _ in range(repeats - 1)]
    single = [device.run(spikes[:, :1]).latency_s for _ in range(repeats)]
    return TimedRun(result, np.asarray(labels), float(np.median(batch)), float(np.median(single)), repeats)


def energy_lines(device: Device, spikes: np.ndarray) -> List[str]:
    """The estimated energy per sample of spikes [T, N, C] on ``device``'s network, in nJ: the
    neuromorphic preset (neuron updates + synaptic events) and the 45 nm preset beside a dense ANN."""
    n_samples = spikes.shape[1]
    neuromorphic = device.estimate_energy(spikes, model="neuromorphic")
    at_45nm = device.estimate_energy(spikes, model="45nm")
    return [
        f"neuromorphic preset:  {neuromorphic.per_sample_nj:.1f} nJ per sample "
        f"({neuromorphic.neuron_updates_nj / n_samples:.1f} neuron updates + "
        f"{neuromorphic.synaptic_events_nj / n_samples:.1f} synaptic events)",
        f"45 nm arithmetic:     {at_45nm.per_sample_nj:.2f} nJ per sample for the SNN, "
        f"{at_45nm.ann_per_sample_nj:.2f} nJ for a dense ANN (SNN/ANN = {at_45nm.snn_to_ann_ratio:.2f})",
    ]


def recorded_accuracy(meta: dict, test_data) -> Optional[float]:
    """The accuracy the artifact's ``meta`` records for the test set file ``test_data`` (a path;
    its name counts): ``test_accuracy``, else ``quant_accuracy`` (the files then hold the whole
    test split); None when the artifact records another file, or none."""
    if meta.get("test_data") != Path(test_data).name:
        return None
    return meta.get("test_accuracy", meta.get("quant_accuracy"))


def recorded_line(meta: dict, test_data, accuracy: float) -> Optional[str]:
    """Whether ``accuracy`` on ``test_data`` is the one ``meta`` records for it (the IP and the
    emulator are bit-exact with the 4-bit model, so it must be), as one line; None if none is recorded."""
    expected = recorded_accuracy(meta, test_data)
    if expected is None:
        return None
    same = abs(accuracy - expected) < 1e-9
    return f"matches the 4-bit model's accuracy recorded for these inputs ({expected:.2%}): {'yes' if same else 'NO'}"
