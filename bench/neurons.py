"""Bench for the neuron models: accuracy, activity, energy and training time per
model and data set; surrogate gradients compared; membrane traces of each
Izhikevich preset, float against fixed point, written to a PNG.

    python bench/neurons.py            # tables and bench/izhikevich_traces.png
    python bench/neurons.py --quick    # a smoke run with few epochs
    python bench/neurons.py --threads 1  # one torch thread: faster on a shared machine
"""
from __future__ import annotations

import argparse
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import torch  # noqa: E402

from pynq_snn.host.evaluate import run_artifact  # noqa: E402
from pynq_snn.pipeline import train  # noqa: E402
from pynq_snn.quant.export import to_artifact  # noqa: E402
from pynq_snn.quant.qizhikevich import QuantIzhikevich  # noqa: E402
from pynq_snn.training import surrogate  # noqa: E402
from pynq_snn.training.neurons import NEURONS  # noqa: E402
from pynq_snn.training.neurons.izhikevich import Izhikevich  # noqa: E402
from pynq_snn.training.options import TrainOptions  # noqa: E402
from tables import print_table  # noqa: E402

#: (label, train options) per row of the model table.
MODELS = [
    ("LIF", dict(neuron="lif")),
    ("normalized Izhikevich RS (LIF output)", dict(neuron="izh-norm", output_neuron="lif")),
    ("standard Izhikevich RS (LIF output)", dict(neuron="izh", output_neuron="lif")),
]
SURROGATES = ["atan", "fast_sigmoid", "sigmoid", "sine", "power", "piecewise_quadratic", "triangular"]


def model_rows(epochs):
    rows = []
    for data in ("digits", "randman"):
        for label, kw in MODELS:
            result = train(TrainOptions(data=data, **kw, **epochs), progress=False)
            artifact = to_artifact(result.quant_model, result.encoding.to_dict())
            report = run_artifact(artifact, result.test_spikes, result.dataset.test.y)
            seconds = [e.seconds for e in result.float_history] + [e.seconds for e in result.qat_history]
            rows.append([
                data, label, f"{result.float_accuracy:.2%}", f"{result.quant_accuracy:.2%}",
                f"{sum(report.spikes_per_sample):.0f}", f"{report.synaptic_events / report.n_samples:.0f}",
                f"{report.energy.per_sample_nj:.0f}", f"{sum(seconds[:len(result.float_history)]) / max(len(result.float_history), 1):.2f}",
                f"{sum(seconds[len(result.float_history):]) / max(len(result.qat_history), 1):.2f}",
            ])
    return rows


def surrogate_rows(epochs, target=0.95):
    rows = []
    for name in SURROGATES:
        result = train(TrainOptions(data="digits", spike_grad=name, **epochs), progress=False)
        history = result.float_history + result.qat_history
        reached = next((e.epoch + (0 if i < len(result.float_history) else len(result.float_history))
                        for i, e in enumerate(history) if e.train_accuracy >= target), None)
        rows.append([name, surrogate.SURROGATES[name][1], f"{result.float_accuracy:.2%}",
                     f"{result.quant_accuracy:.2%}", reached if reached is not None else "not reached"])
    return rows


def traces(path: Path, steps: int = 300):
    """Membrane potential under constant input: float model vs the contract's integers."""
    drives = {"izh-norm": 0.05, "izh": 5.0}
    # Weight scales typical of trained layers: 2**-4 (normalized) and 2**0 (mV), so Q is 12 and 5.
    weight_shifts = {"izh-norm": 4, "izh": 0}
    presets = [(model, name) for model in drives for name in NEURONS[model].presets]
    fig, axes = plt.subplots(len(presets), 1, figsize=(9, 1.6 * len(presets)), sharex=True)
    for ax, (model, name) in zip(axes, presets):
        params = NEURONS[model].preset(name)
        neuron = Izhikevich(params)
        current = torch.full((1,), drives[model], dtype=torch.float64)
        v = u = None
        float_v = []
        for _ in range(steps):
            _, v, u = neuron(current, v, u)
            float_v.append(float(v))
        fixed = QuantIzhikevich(params)
        q = fixed.quantize(weight_shifts[model], fan_in=1)
        drive = torch.full((1,), float(round(drives[model] * 2 ** q)), dtype=torch.float64)
        vq = uq = None
        fixed_v = []
        for _ in range(steps):
            _, vq, uq = fixed(drive, vq, uq)
            fixed_v.append(float(vq) / 2 ** q)
        ax.plot(float_v, lw=0.9, label="float")
        ax.plot(fixed_v, lw=0.9, ls="--", label="fixed point")
        ax.set_ylabel(f"{model} {name}\nQ={q}", rotation=0, ha="right", va="center", fontsize=8)
    axes[0].legend(loc="upper right", fontsize=7)
    axes[-1].set_xlabel("timestep")
    fig.suptitle("Izhikevich presets under constant input: membrane v, float vs fixed point")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    print(f"\nwrote {path}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2 float + 1 QAT epochs: a smoke run")
    parser.add_argument("--threads", type=int, default=None,
                        help="torch threads (default: torch's, one per core; on a shared machine 1 is much faster)")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    epochs = dict(float_epochs=2, qat_epochs=1) if args.quick else {}
    print_table("Neuron models (test split; spikes and energy per sample on the emulator)",
          ["data", "model", "float", "4-bit", "spikes/sample", "synaptic events/sample",
           "energy nJ/sample (neuromorphic)", "float epoch (s)", "QAT epoch (s)"], model_rows(epochs))
    print_table("Surrogate gradients (LIF, digits; epochs counted over float then QAT training)",
          ["surrogate", "alpha", "float", "4-bit", "epochs to 95% train accuracy"], surrogate_rows(epochs))
    traces(Path(__file__).with_name("izhikevich_traces.png"))


if __name__ == "__main__":
    main()
