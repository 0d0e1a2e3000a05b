"""Open an SNN device, load an artifact, run batches: the same calls on the board and off it.

    from pynq_snn.host.device import open_device
    device = open_device()             # the board when there is one, else the emulator
    device.load(artifact)
    result = device.run(spikes, labels)  # spikes uint8 [T, N, n_inputs]
    result.accuracy, result.predictions, result.cycles, result.latency_s

Both backends run the same driver (``overlay/driver.py``): on a PYNQ board it talks
to the IP through its registers and the AXI DMA; elsewhere to the register-level
emulated core, whose arithmetic is the bit-exact functional emulator.
"""
from __future__ import annotations

import importlib.util
import sys
import warnings
from dataclasses import dataclass
from typing import Dict, Optional, Tuple

import numpy as np

from ..overlay.artifact import Artifact
from ..overlay.core_build import CoreBuild
from ..overlay.cycles import CLOCK_MHZ
from ..overlay.driver import ALL_OUTPUTS, DeviceError, SnnCore
from ..overlay.emulated_core import EmulatedCore
from ..overlay.emulator import check_input, emulate
from .energy import EnergyEstimate, estimate_energy
from .labels import check_labels

BACKENDS = ("auto", "board", "emulator")


@dataclass(frozen=True)
class DeviceResult:
    """One batch on a device.

    Attributes:
        output_spikes: uint8 [T, N, n_out], the output layer's raster.
        spike_counts: int64 [N, n_out], output spikes per sample and neuron.
        final_states: per layer, {"v": int32 [N, n]} (and "u" for Izhikevich layers).
        predictions: int64 [N], most output spikes, ties to the lowest index.
        accuracy: share of predictions equal to the labels, when labels were given.
        cycles: the IP's active cycles for the batch (its CYCLES register).
        ip_seconds: ``cycles`` at the PL clock: the IP's own compute time.
        latency_s: wall time of the batch on the host, registers and DMA included.
        power_w: the board's measured power during the batch (PYNQ's rails), else None.
        backend: "board" or "emulator".
    """

    output_spikes: np.ndarray
    spike_counts: np.ndarray
    final_states: Tuple[Dict[str, np.ndarray], ...]
    predictions: np.ndarray
    accuracy: Optional[float]
    cycles: int
    ip_seconds: float
    latency_s: float
    power_w: Optional[float]
    backend: str

    @property
    def samples_per_second(self) -> float:
        """Throughput seen by the host (wall time)."""
        return len(self.predictions) / self.latency_s if self.latency_s > 0 else float("inf")


def on_pynq_board() -> bool:
    """Whether pynq is installed and finds a device to program (a PYNQ board's image)."""
    try:
        if importlib.util.find_spec("pynq") is None:
            return False
        with warnings.catch_warnings():  # off the board pynq warns, over two lines, that XRT finds no device
            warnings.simplefilter("ignore")
            import pynq

            return len(pynq.Device.devices) > 0
    except Exception:  # pynq raises RuntimeError and others when no device exists
        return False


class Device:
    """A backend with an SNN core: load artifacts, run batches, read results.

    Use :func:`open_device` rather than this constructor.
    """

    def __init__(self, core: SnnCore, backend: str, reason: str = "", rails=None) -> None:
        self.core = core
        self.backend = backend
        self.reason = reason
        self._rails = rails
        self.artifact: Optional[Artifact] = None

    @property
    def capacity(self) -> CoreBuild:
        """The IP's build, what it holds, as its capability registers report it."""
        return self.core.capacity

    def load(self, artifact: Artifact) -> None:
        """Load ``artifact`` (checked against the IP's capacity first)."""
        if not isinstance(artifact, Artifact):
            raise TypeError(f"load() takes an Artifact, got {type(artifact).__name__}")
        self.core.load(artifact)
        self.artifact = artifact

    def run(self, spikes: np.ndarray, labels: Optional[np.ndarray] = None) -> DeviceResult:
        """Run the loaded network on spikes uint8/bool [T, N, n_inputs] (time-major); ``labels``, if
        given, are N class indices of the network's outputs (ValueError otherwise)."""
        if self.artifact is None:
            raise DeviceError("no network loaded: call load(artifact) first")
        check_input(self.artifact, spikes)
        if labels is not None:
            labels = check_labels(labels, spikes.shape[1], self.artifact.n_outputs)
        power = self._power_w() if self._rails is not None else None
        result = self.core.run(spikes, ALL_OUTPUTS)
        if self._rails is not None:
            power = (power + self._power_w()) / 2
        out = result.outputs
        predictions = np.argmax(out.counts, axis=1)
        accuracy = None if labels is None else float(np.mean(predictions == labels))
        return DeviceResult(
            output_spikes=out.raster, spike_counts=out.counts, final_states=out.states,
            predictions=predictions, accuracy=accuracy, cycles=result.cycles,
            ip_seconds=result.cycles / (CLOCK_MHZ * 1e6), latency_s=result.seconds, power_w=power,
            backend=self.backend,
        )

    def estimate_energy(self, spikes: np.ndarray, model: str = "neuromorphic") -> EnergyEstimate:
        """Energy of running ``spikes`` by the counts-times-energy model of ``host/energy.py``.

        The per-layer counts come from the functional emulator, which equals the IP bit for
        bit, so they are the IP's counts on either backend.
        """
        if self.artifact is None:
            raise DeviceError("no network loaded: call load(artifact) first")
        counts = emulate(self.artifact, spikes, record_output=False, build=self.capacity).counts
        return estimate_energy(int(counts.neuron_updates.sum()), int(counts.synaptic_events.sum()),
                               counts.n_samples, self.artifact.sizes, model)

    def _power_w(self) -> float:
        return float(sum(rail.power.value for rail in self._rails.values() if rail.power is not None))

    def close(self) -> None:
        """Soft-reset the core (the board keeps its bitstream)."""
        self.core.soft_reset()

    def __enter__(self) -> "Device":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __repr__(self) -> str:
        cap = self.capacity
        return (f"Device(backend={self.backend!r}, lanes={cap.lanes}, neurons={cap.neurons}, "
                f"synapses={cap.synapses}, layers={cap.layers})")


def _board_device(bitstream: str, timeout_s: float) -> Device:
    from ..overlay.pynq_overlay import SnnOverlay

    overlay = SnnOverlay(bitstream)
    rails = None
    try:
        import pynq

        rails = {name: rail for name, rail in pynq.get_rails().items() if rail.power is not None} or None
    except Exception:  # boards without PMBus power monitoring
        rails = None
    return Device(overlay.core(timeout_s), "board", f"PYNQ board, {bitstream}", rails)


def open_device(backend: str = "auto", bitstream: str = "snn.bit", timeout_s: float = 10.0,
                quiet: bool = False) -> Device:
    """Open the SNN core on the board or the emulator.

    Args:
        backend: "board" (fail if there is none), "emulator", or "auto": the board when
            this runs on a PYNQ board with the bitstream present, else the emulator, and
            it says so on stderr (unless ``quiet``).
        bitstream: the overlay's ``.bit`` (its ``.hwh`` beside it), a path or a name in
            the package's bitstreams folder.
        timeout_s: the longest wait for one command, in seconds.

    Example:
        >>> import numpy as np
        >>> from pynq_snn.host.device import open_device
        >>> from pynq_snn.overlay.artifact import Artifact, Layer
        >>> layer = Layer("lif", np.array([[7, -3, 5], [2, 6, -7]], dtype=np.int8), weight_shift=2,
        ...               frac_bits=4, params={"beta": 230, "threshold": 64})  # 3 inputs, 2 LIF neurons
        >>> artifact = Artifact(n_inputs=3, layers=(layer,), encoding={"kind": "raster", "steps": 4}, meta={})
        >>> device = open_device("emulator")  # "auto": the board when there is one
        >>> device.load(artifact)
        >>> spikes = np.array([[[1, 0, 1]], [[0, 1, 0]], [[1, 1, 1]], [[0, 0, 0]]], dtype=np.uint8)  # [T, N, C]
        >>> result = device.run(spikes)
        >>> result.backend, result.spike_counts, result.predictions, result.cycles
        ('emulator', array([[3, 0]]), array([0]), 127)
    """
    if backend not in BACKENDS:
        raise ValueError(f"backend must be one of {', '.join(BACKENDS)}, got {backend!r}")
    if backend == "emulator":
        return Device(SnnCore(EmulatedCore(), timeout_s), "emulator", "asked for")
    board = on_pynq_board()
    if backend == "board":
        if not board:
            raise DeviceError("no PYNQ board found (pynq is not installed or finds no device); "
                              "use backend='emulator' off the board")
        return _board_device(bitstream, timeout_s)
    if board:
        try:
            from ..overlay.pynq_overlay import bitstream_path

            bitstream_path(bitstream)
            return _board_device(bitstream, timeout_s)
        except FileNotFoundError as missing:
            reason = str(missing)
    else:
        reason = "no PYNQ board found"
    if not quiet:
        print(f"pynq-snn: {reason}; running on the bit-exact emulator", file=sys.stderr)
    return Device(SnnCore(EmulatedCore(), timeout_s), "emulator", reason)

