"""Throughput of the SNN core IP: cycles per sample, weight-memory use, and an HLS baseline.

Cycles come from the exact cycle model (``overlay/REGISTERS.md``) of the default
build (16 neurons updated and 256 weights accumulated per cycle), fed with the spike
counts the emulator measures; a run of the RTL in simulation (Verilator) confirms the
model on the trained digits network. Times are at the 200 MHz the block design asks
for (``cycles.CLOCK_MHZ``); the static timing estimate (``bench/ip_timing.py``) is
above it, and Vivado has not run. Rates: the digits network is the trained 64-128-10
LIF network shipped with the package (``digits.snn``) on its shipped test split
(``digits_test.npz``); 784-512-10 is run at the rates an MNIST network sees (input:
the mean MNIST pixel, 0.13, as a rate code; hidden: the digits network's measured
hidden rate).

The baseline is the float32 HLS prototype this IP replaces: 16 neurons per layer,
25 MHz, every weight re-sent over a 32-bit stream for every sample. Its model
here is generous to it: the weights stream at one per cycle (``W`` cycles), then
the T timesteps compute densely, 16 multiply-adds per cycle (``T * W / 16``).

    python bench/ip_throughput.py            # the cycle model, and the RTL on 16 samples
    python bench/ip_throughput.py --no-rtl   # the cycle model only
    python bench/ip_throughput.py --json     # ends with one JSON object, keyed by network
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

import numpy as np

from pynq_snn.host.inputs import load_inputs
from pynq_snn.host.shipped import shipped_file
from pynq_snn.overlay import cycles, registers
from pynq_snn.overlay.cycles import CLOCK_MHZ
from pynq_snn.overlay.artifact import Artifact, Layer, load
from pynq_snn.overlay.core_build import DEFAULT_BUILD
from pynq_snn.overlay.emulator import emulate
from tables import print_table

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "rtl"))
from rtl_sim import CORE_SOURCES, run_cocotb  # noqa: E402

BUILD = DEFAULT_BUILD
HLS_CLOCK_MHZ = 25
HLS_NEURONS = 16
MNIST_INPUT_RATE = 0.13
READOUT = registers.OUT_COUNTS  # what a classifier reads back


def hls_cycles(sizes, steps: int) -> int:
    """The HLS prototype per sample: stream every weight, then T dense steps at 16 MACs a cycle."""
    weights = sum(a * b for a, b in zip(sizes[:-1], sizes[1:]))
    return weights + steps * weights // HLS_NEURONS


def zero_network(sizes, steps: int) -> Artifact:
    """Only the shape matters to the cycle model: a LIF network of zero weights."""
    layers = [Layer("lif", np.zeros((b, a), np.int8), 0, 0, {"beta": 256, "threshold": 1})
              for a, b in zip(sizes[:-1], sizes[1:])]
    return Artifact(sizes[0], layers, {"kind": "raster", "steps": steps}, {})


def throughput_row(name, artifact, spikes_in, n_samples, rates):
    steps = artifact.n_steps
    total = cycles.run_cycles(artifact, spikes_in, steps, n_samples, READOUT, BUILD.lanes, BUILD.banks)
    per_layer = cycles.layer_cycles(artifact, spikes_in, steps, n_samples, BUILD.lanes, BUILD.banks)
    events = [e * layer.n_out for e, layer in zip(spikes_in, artifact.layers)]
    per_sample = total / n_samples
    layer0 = events[0] / per_layer[0]
    return {
        "row": [
            name, steps, " / ".join(f"{r:.3f}" for r in rates), f"{per_sample:,.0f}",
            f"{per_sample / CLOCK_MHZ:,.1f}", f"{CLOCK_MHZ * 1e6 / per_sample:,.0f}",
            f"{sum(events) / total:.1f}", f"{layer0:.1f}", f"{layer0 / BUILD.weights_per_cycle:.0%}",
        ],
        "per_sample": per_sample,
        "json": {"cycles_per_sample": round(per_sample, 1), "events_per_cycle": round(sum(events) / total, 2),
                 "layer0_events_per_cycle": round(layer0, 2), "clock_mhz": CLOCK_MHZ},
    }


def rtl_check(artifact_path: Path, spikes, workdir: Path):
    """Load and run on the default build of the RTL, counts read back; return its report (see core_tb)."""
    np.save(workdir / "inputs.npy", spikes)
    env = {"SNN_RTL_ARTIFACT": str(artifact_path), "SNN_RTL_INPUTS": str(workdir / "inputs.npy"),
           "SNN_RTL_OUT_MODE": str(READOUT), "SNN_RTL_ARTIFACT_REPORT": str(workdir / "report.json")}
    total, failed, results = run_cocotb("snn_core", CORE_SOURCES, "core_tb", workdir / "build", env=env,
                                        testcase=["artifact_file_runs_as_the_cycle_model_says"])
    if total == 0 or failed:
        raise RuntimeError(f"the RTL run failed, see {results}")
    return json.loads((workdir / "report.json").read_text())


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-rtl", action="store_true", help="skip the RTL simulation")
    parser.add_argument("--rtl-samples", type=int, default=16)
    parser.add_argument("--json", action="store_true", help="end with one JSON object keyed by network name")
    args = parser.parse_args()

    digits_path = shipped_file("digits.snn")
    digits = load(digits_path)
    spikes = load_inputs(shipped_file("digits_test.npz")).spikes
    steps, n_samples, _ = spikes.shape
    counts = emulate(digits, spikes).counts
    digits_in = counts.input_spikes
    rates = [e / (layer.n_in * steps * n_samples) for e, layer in zip(digits_in, digits.layers)]

    mnist = zero_network([784, 512, 10], steps)
    mnist_rates = [MNIST_INPUT_RATE, rates[1]]
    mnist_in = [round(r * layer.n_in * steps) for r, layer in zip(mnist_rates, mnist.layers)]

    rows = [
        throughput_row("digits 64-128-10 (trained)", digits, digits_in, n_samples, rates),
        throughput_row("784-512-10", mnist, mnist_in, 1, mnist_rates),
    ]
    print_table(
        f"Cycles per sample (cycle model, LANES = {BUILD.lanes}, BANKS = {BUILD.banks}, counts read back, "
        f"{CLOCK_MHZ:g} MHz)",
        ["network", "T", "input rates per layer", "cycles / sample", "us / sample", "samples / s",
         "synaptic events / cycle", "layer 0: events / cycle", f"of {BUILD.weights_per_cycle} weights / cycle"],
        [r["row"] for r in rows],
    )

    hls_rows = []
    for (name, artifact), ours in zip([("digits 64-128-10", digits), ("784-512-10", mnist)], rows):
        hls = hls_cycles(artifact.sizes, artifact.n_steps)
        hls_us = hls / HLS_CLOCK_MHZ
        ours_us = ours["per_sample"] / CLOCK_MHZ
        hls_rows.append([name, f"{ours['per_sample']:,.0f}", f"{hls:,}", f"{hls / ours['per_sample']:.1f}x",
                         f"{ours_us:,.1f}", f"{hls_us:,.1f}", f"{hls_us / ours_us:.0f}x"])
    print_table(
        f"Against the float32 HLS prototype ({HLS_NEURONS} neurons per layer, {HLS_CLOCK_MHZ} MHz, "
        "weights re-sent per sample)",
        ["network", "IP cycles / sample", "HLS cycles / sample", "cycle ratio", f"IP us @ {CLOCK_MHZ:g} MHz",
         f"HLS us @ {HLS_CLOCK_MHZ} MHz", "time ratio"],
        hls_rows,
    )

    names = ["digits 64-128-10", "784-512-10"]
    if not args.no_rtl:
        sample = spikes[:, : args.rtl_samples]
        with tempfile.TemporaryDirectory() as tmp:
            report = rtl_check(digits_path, sample, Path(tmp))
        print_table(
            "Cycle model against the RTL (Verilator, default build)",
            ["network", "samples", "LOAD cycles RTL / model", "RUN cycles RTL / model", "outputs equal the emulator"],
            [["digits 64-128-10 (trained)", report["samples"],
              f"{report['load_cycles']:,} / {report['load_cycles_model']:,}",
              f"{report['run_cycles']:,} / {report['run_cycles_model']:,}",
              "yes" if report["outputs_equal_the_emulator"] else "NO"]],
        )
    if args.json:
        print(json.dumps({name: row["json"] for name, row in zip(names, rows)}))


if __name__ == "__main__":
    main()
