"""Bench for the spine: accuracy, bit-exactness, emulator throughput, QAT cost.

Prints one markdown table per question. Speed figures are ratios against a
baseline measured in the same run (plain snnTorch on the same network), because
absolute seconds on a shared machine are noise.

    python bench/spine.py            # both data sets, default epochs
    python bench/spine.py --quick    # a smoke run with few epochs
    python bench/spine.py --threads 1  # one torch thread: faster on a shared machine
"""
from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
import snntorch as snn
import torch
from snntorch import surrogate as snn_surrogate
from torch import nn

from pynq_snn.host.evaluate import run_artifact
from pynq_snn.overlay.emulator import emulate
from pynq_snn.pipeline import train
from pynq_snn.quant.export import to_artifact
from pynq_snn.training.network import NetworkOutput
from pynq_snn.training.options import TrainOptions
from pynq_snn.training.trainer import fit
from pynq_snn.verify import compare
from tables import print_table


class PlainSnnTorch(nn.Module):
    """The baseline: nn.Linear + snn.Leaky, layer by layer, as an snnTorch user writes it.

    The steps are taken with ``unbind``, as the toolkit's networks take them
    (``run_neuron``), so that a speed ratio measures the neurons and quantization,
    not the cost of indexing ``cur[t]`` under autograd.
    """

    def __init__(self, sizes, beta, threshold):
        super().__init__()
        self.fcs = nn.ModuleList(nn.Linear(a, b, bias=False) for a, b in zip(sizes[:-1], sizes[1:]))
        self.lifs = nn.ModuleList(
            snn.Leaky(beta=beta, threshold=threshold, spike_grad=snn_surrogate.atan(), reset_mechanism="subtract")
            for _ in sizes[1:]
        )

    def forward(self, x):
        for fc, lif in zip(self.fcs, self.lifs):
            cur = fc(x)
            mem = lif.reset_mem()
            out = []
            for step in cur.unbind(0):
                spk, mem = lif(step, mem)
                out.append(spk)
            x = torch.stack(out)
        return NetworkOutput(spikes=x)


def median_seconds(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2 float + 1 QAT epochs: a smoke run")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=None,
                        help="torch threads (default: torch's, one per core; on a shared machine 1 is much faster)")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)

    accuracy_rows, speed_rows = [], []
    for data in ("digits", "randman"):
        epochs = dict(float_epochs=2, qat_epochs=1) if args.quick else {}
        result = train(TrainOptions(data=data, seed=args.seed, **epochs), progress=False)
        options = result.options
        dataset, spikes = result.dataset, result.test_spikes
        artifact = to_artifact(result.quant_model, result.encoding.to_dict())
        report = run_artifact(artifact, spikes, dataset.test.y)
        check = compare(result.quant_model, artifact, spikes)
        sizes = "-".join(map(str, artifact.sizes))
        accuracy_rows.append([
            data, sizes, artifact.n_steps, f"{result.float_accuracy:.2%}", f"{result.quant_accuracy:.2%}",
            f"{report.accuracy:.2%}", f"{(result.quant_accuracy - result.float_accuracy) * 100:+.2f}",
            check.output_spike_mismatches + check.raster_mismatches + check.state_mismatches,
            f"{report.spikes_per_sample[-1]:.1f}", f"{report.synaptic_events / report.n_samples:.0f}",
            f"{report.energy.per_sample_nj:.1f}",
        ])

        # Emulator vs snnTorch float inference of the same network, whole test split as one batch.
        baseline = PlainSnnTorch(result.quant_model.config.sizes, options.beta, options.threshold)
        with torch.no_grad():
            for fc, layer in zip(baseline.fcs, result.float_model.layers):
                fc.weight.copy_(layer.linear.weight)
        x = torch.from_numpy(spikes).float()
        with torch.no_grad():
            t_torch = median_seconds(lambda: baseline(x), 5)
        t_emu = median_seconds(lambda: emulate(artifact, spikes), 5)

        # One training epoch: plain snnTorch float vs our QAT, same data, batch and optimizer.
        common = dict(split=dataset.train, encoding=result.encoding, epochs=1, batch_size=options.batch_size,
                      progress=False)
        t_plain = median_seconds(lambda: fit(baseline, rng=np.random.default_rng(0), **common), 3)
        t_qat = median_seconds(lambda: fit(result.quant_model, rng=np.random.default_rng(0), **common), 3)
        n = spikes.shape[1]
        speed_rows.append([
            data, sizes, n, f"{n / t_torch:.0f}", f"{n / t_emu:.0f}", f"{t_torch / t_emu:.2f}",
            f"{t_plain:.2f}", f"{t_qat:.2f}", f"{t_qat / t_plain:.2f}",
        ])

    print_table("Accuracy and bit-exactness (test split)",
          ["data", "network", "steps", "float", "4-bit QAT", "emulator", "4-bit - float (pts)",
           "verify mismatches", "output spikes/sample", "synaptic events/sample", "energy nJ/sample (neuromorphic preset)"],
          accuracy_rows)
    print_table("Speed (ratios measured in the same run)",
          ["data", "network", "test samples", "snnTorch float inference (samples/s)", "emulator (samples/s)",
           "emulator / snnTorch", "snnTorch float epoch (s)", "QAT epoch (s)", "QAT / float"],
          speed_rows)


if __name__ == "__main__":
    main()
