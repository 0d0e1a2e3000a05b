"""Accuracy over training seeds: each seed's run writes one JSON file, `table` combines them.

    python bench/accuracy.py run digits --seeds 0 1 2 3 4
    python bench/accuracy.py run randman --seeds 0 1 2 3 4
    python bench/accuracy.py run fashion-mnist --seeds 0 1 2        # 4-bit LIF, and plain snnTorch beside it
    python bench/accuracy.py run fashion-mnist-izh --seeds 0 1 2    # 4-bit normalized Izhikevich, LIF output
    python bench/accuracy.py table                                  # mean +- std per case, for the README

A run trains with the toolkit's defaults (``training/options.py``) unless ``--epochs``,
``--qat-epochs``, ``--weight-decay``, ``--scale-percentile`` and ``--izhikevich-gain-shift``
say otherwise, exports the 4-bit network, runs it on the emulator and
verifies it against the quantized torch model over the whole test split. Its "float"
is the float warm-up's network, trained for the float epochs at a constant rate; "float,
same budget" trains that network on, unquantized, for the QAT epochs with QAT's annealed
rate, so it has had what the 4-bit network had but the quantization (``--no-same-budget`` skips
it, for a long QAT budget whose float twin would cost as much again). With
``--snntorch`` (the default for the Fashion-MNIST LIF case) the same run also trains a
plain snnTorch network (``nn.Linear`` + ``snn.Leaky``) of the same shape for the same
number of epochs (float + QAT) on the same inputs, with the same weight decay. ``--threads`` sets torch's threads
(recorded): on a machine shared with other work one thread runs several times faster
than one per core, whose threads spin waiting for each other. Each file, under
``bench/results/accuracy/``, records its command, the git commit, the options, the
accuracies, seconds per epoch and the process's peak memory.
"""
from __future__ import annotations

import argparse
import copy
import json
import resource
import statistics
import sys
import time
from collections import defaultdict
from dataclasses import asdict, replace
from pathlib import Path
from typing import Optional

import numpy as np
import torch

from provenance import ROOT, command, commit
from tables import print_table

RESULTS = ROOT / "bench" / "results" / "accuracy"
#: The training options of each case (beyond the seed and the epochs).
CASES = {
    "digits": dict(data="digits"),
    "randman": dict(data="randman"),
    "fashion-mnist": dict(data="fashion-mnist"),
    "fashion-mnist-izh": dict(data="fashion-mnist", neuron="izh-norm", output_neuron="lif"),
}
#: The files the results depend on: a result from a tree that differs here says so (``+changes``).
SOURCES = ("training", "quant", "pynq_snn", "overlay/encoding.py", "overlay/emulator.py", "bench/accuracy.py")
#: Test samples per chunk when verifying (bounds the memory of the torch model's rasters).
VERIFY_CHUNK = 1000


def run_seed(case: str, options, snntorch_too: bool, artifact_dir=None, same_budget=True) -> dict:
    """Train ``case`` with ``options`` (a ``TrainOptions``, its seed set), export, emulate and verify it;
    the record that goes into its file. With ``artifact_dir``, the exported network is also written
    there as ``<case>_seed<seed>.snn``."""
    from pynq_snn.host.evaluate import run_artifact
    from pynq_snn.overlay.artifact import save
    from pynq_snn.pipeline import train, training_meta
    from pynq_snn.quant.export import to_artifact
    from pynq_snn.verify import compare

    source = commit(SOURCES)  # before training: the code that runs, not what the tree holds when it ends
    result = train(options, progress=True)
    spikes, labels = result.test_spikes, result.dataset.test.y
    artifact = to_artifact(result.quant_model, result.encoding.to_dict(), training_meta(result))
    if artifact_dir is not None:
        save(artifact, Path(artifact_dir) / f"{case}_seed{options.seed}.snn")
    report = run_artifact(artifact, spikes, labels)
    mismatches = 0
    for first in range(0, spikes.shape[1], VERIFY_CHUNK):
        check = compare(result.quant_model, artifact, spikes[:, first: first + VERIFY_CHUNK])
        mismatches += check.output_spike_mismatches + check.raster_mismatches + check.state_mismatches
    record = {
        "case": case, "seed": options.seed, "command": command(), "commit": source,
        "options": asdict(result.options), "sizes": list(artifact.sizes), "test_samples": int(len(labels)),
        "float_accuracy": result.float_accuracy, "quant_accuracy": result.quant_accuracy,
        "emulator_accuracy": report.accuracy, "verify_mismatches": int(mismatches),
        "torch_threads": torch.get_num_threads(),
        "float_epoch_s": statistics.mean(e.seconds for e in result.float_history),
        "qat_epoch_s": statistics.mean(e.seconds for e in result.qat_history),
    }
    if same_budget:
        record["float_same_budget_accuracy"] = float_same_budget(result)
    if snntorch_too:
        record.update(plain_snntorch(result))
    record["peak_rss_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB
    return record


def float_same_budget(result) -> float:
    """Test accuracy of the float warm-up's network trained on as QAT trains the 4-bit one (its epochs,
    annealed learning rate and weight decay), but unquantized: the float network of the same budget."""
    from pynq_snn.training.trainer import evaluate, fit

    options = result.options
    model = copy.deepcopy(result.float_model)
    fit(model, result.dataset.train, result.encoding, options.qat_epochs, np.random.default_rng([options.seed, 1]),
        lr=options.qat_lr, batch_size=options.batch_size, anneal=True, weight_decay=options.weight_decay,
        desc="float, QAT's schedule")
    return evaluate(model, result.test_spikes, result.dataset.test.y)


def plain_snntorch(result) -> dict:
    """Plain snnTorch of the same shape, trained for float + QAT epochs at the float learning rate
    and the same weight decay."""
    from spine import PlainSnnTorch

    from pynq_snn.training.trainer import evaluate, fit

    options = result.options
    torch.manual_seed(options.seed)
    model = PlainSnnTorch(result.quant_model.config.sizes, options.beta, options.threshold)
    history = fit(model, result.dataset.train, result.encoding, options.float_epochs + options.qat_epochs,
                  np.random.default_rng(options.seed), lr=options.lr, batch_size=options.batch_size, desc="snnTorch",
                  weight_decay=options.weight_decay)
    return {"snntorch_accuracy": evaluate(model, result.test_spikes, result.dataset.test.y),
            "snntorch_epoch_s": statistics.mean(e.seconds for e in history)}


def decay_of(options: dict) -> float:
    """A result's weight decay; results from before the option trained without (0)."""
    return options.get("weight_decay", 0.0)


def percentile_of(options: dict) -> float:
    """A result's weight-scale percentile; results from before the option used the largest weight (100)."""
    return options.get("scale_percentile", 100.0)


def has_izhikevich(options: dict) -> bool:
    """Whether a result's network has Izhikevich layers."""
    from pynq_snn.training.neurons import neuron_kind

    return any(neuron_kind(name).presets for name in (options["neuron"], options["output_neuron"] or options["neuron"]))


def gain_of(options: dict) -> int:
    """A result's Izhikevich current gain shift: 0 for a network without Izhikevich layers, and for
    results from before the option."""
    return options.get("izhikevich_gain_shift", 0) if has_izhikevich(options) else 0


def threshold_of(options: dict) -> Optional[float]:
    """A result's Izhikevich threshold: ``None`` (the preset's) for a network without Izhikevich layers,
    and for results from before the option."""
    return options.get("izhikevich_threshold") if has_izhikevich(options) else None


def result_name(case: str, options: dict, seed: int) -> str:
    """``<case>_e<float>-<QAT>[_wd<decay>][_p<percentile>][_g<shift>][_vth<v_th>]_seed<seed>.json``: one file
    per case, budget, weight decay, weight-scale percentile, Izhikevich current gain and threshold, and seed."""
    decay = f"_wd{decay_of(options):g}" if decay_of(options) else ""
    percentile = f"_p{percentile_of(options):g}" if percentile_of(options) != 100 else ""
    gain = f"_g{gain_of(options)}" if gain_of(options) else ""
    threshold = f"_vth{threshold_of(options):g}" if threshold_of(options) is not None else ""
    return (f"{case}_e{options['float_epochs']}-{options['qat_epochs']}{decay}{percentile}{gain}{threshold}"
            f"_seed{seed}.json")


def mean_std(values) -> str:
    """``mean ± std`` in percent (sample standard deviation; one value has none)."""
    values = [100 * v for v in values]
    spread = f" ± {statistics.stdev(values):.2f}" if len(values) > 1 else ""
    return f"{statistics.mean(values):.2f}{spread}%"


def table() -> None:
    """One row per case and training budget, over every seed found."""
    groups = defaultdict(list)
    for path in sorted(RESULTS.glob("*.json")):
        record = json.loads(path.read_text())
        o = record["options"]
        key = (record["case"], o["neuron"], o["output_neuron"] or o["neuron"], "-".join(map(str, record["sizes"])),
               o["steps"] or "default", o["float_epochs"], o["qat_epochs"], o["lr"], o["qat_lr"], decay_of(o),
               percentile_of(o), gain_of(o), threshold_of(o) or 0.0)  # 0: the preset's (thresholds are > 0)
        groups[key].append(record)
    rows = []
    for key, records in sorted(groups.items()):
        case, neuron, output, sizes, _, float_epochs, qat_epochs, lr, qat_lr, decay, percentile, gain, threshold = key
        records.sort(key=lambda r: r["seed"])
        snntorch = [r["snntorch_accuracy"] for r in records if "snntorch_accuracy" in r]
        snntorch_seeds = [str(r["seed"]) for r in records if "snntorch_accuracy" in r]
        same_budget = [r["float_same_budget_accuracy"] for r in records if "float_same_budget_accuracy" in r]
        rows.append([
            case, sizes, neuron if neuron == output else f"{neuron}, {output} output",
            f"{float_epochs} + {qat_epochs} (lr {lr:g}, {qat_lr:g}" + (f"; weight decay {decay:g}" if decay else "")
            + (f"; scale at percentile {percentile:g}" if percentile != 100 else "")
            + (f"; Izhikevich current x 2^{gain}" if gain else "")
            + (f"; Izhikevich threshold {threshold:g}" if threshold else "") + ")",
            ", ".join(str(r["seed"]) for r in records), mean_std([r["float_accuracy"] for r in records]),
            "-" if not same_budget else mean_std(same_budget),
            mean_std([r["quant_accuracy"] for r in records]),
            f"{min(r['quant_accuracy'] for r in records):.2%}",
            mean_std([r["emulator_accuracy"] for r in records]), sum(r["verify_mismatches"] for r in records),
            "-" if not snntorch else mean_std(snntorch) + (
                f" (seeds {', '.join(snntorch_seeds)})" if len(snntorch) < len(records) else ""),
            f"{statistics.mean(r['qat_epoch_s'] / r['float_epoch_s'] for r in records):.2f}",
            "-" if not snntorch else
            f"{statistics.mean(r['qat_epoch_s'] / r['snntorch_epoch_s'] for r in records if 'snntorch_epoch_s' in r):.2f}",
            f"{max(r['peak_rss_mib'] for r in records):.0f}",
        ])
    print_table("Accuracy over training seeds (test split, mean ± std)",
                ["data", "network", "neurons", "epochs (float + QAT), learning rates, weight decay, weight scale, gain, threshold",
                 "seeds", "float", "float, same budget", "4-bit QAT", "4-bit worst seed",
                 "emulator", "verify mismatches", "plain snnTorch (same budget)", "QAT / float epoch",
                 "QAT / snnTorch epoch", "peak memory (MiB)"], rows)


def main() -> None:
    from pynq_snn.training.options import (TrainOptions, check_izhikevich_threshold_fits, gain_shift_help,
                                           izhikevich_threshold_help)

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("run", help="train and measure the seeds of one case, one JSON file each")
    p.add_argument("case", choices=tuple(CASES))
    p.add_argument("--seeds", type=int, nargs="+", required=True)
    p.add_argument("--epochs", type=int, default=None, help="float epochs (default: the data set's)")
    p.add_argument("--qat-epochs", type=int, default=None, help="QAT epochs (default: the data set's)")
    p.add_argument("--weight-decay", type=float, default=None,
                   help="AdamW's decay of the synaptic weights (default: the data set's)")
    p.add_argument("--scale-percentile", type=float, default=None,
                   help="percentile of |w| that sets each layer's 4-bit scale (default: the data set's)")
    p.add_argument("--izhikevich-gain-shift", type=int, default=TrainOptions.izhikevich_gain_shift, metavar="SHIFT",
                   help=gain_shift_help())
    p.add_argument("--izhikevich-threshold", type=float, default=None, metavar="V_TH",
                   help=izhikevich_threshold_help())
    p.add_argument("--threads", type=int, default=None,
                   help="torch threads (default: torch's, one per core; on a shared machine 1 is much faster)")
    p.add_argument("--snntorch", action=argparse.BooleanOptionalAction, default=None,
                   help="also train plain snnTorch of the same shape and budget (default: for fashion-mnist)")
    p.add_argument("--same-budget", action=argparse.BooleanOptionalAction, default=True,
                   help="also train the float warm-up on for the QAT epochs, unquantized (default: yes)")
    p.add_argument("--artifact-dir", type=Path, default=None,
                   help="also write each seed's exported network there, as <case>_seed<seed>.snn")
    sub.add_parser("table", help="combine every result into the README's table")
    args = parser.parse_args()
    if args.command == "table":
        table()
        return
    try:  # before anything is written, so that a bad option fails at once with one line
        options = TrainOptions(**CASES[args.case], float_epochs=args.epochs, qat_epochs=args.qat_epochs,
                               weight_decay=args.weight_decay, scale_percentile=args.scale_percentile,
                               izhikevich_gain_shift=args.izhikevich_gain_shift,
                               izhikevich_threshold=args.izhikevich_threshold)
        check_izhikevich_threshold_fits(options.izhikevich_threshold, options.neuron_models(), [options.preset])
    except ValueError as error:
        parser.error(str(error))
    if args.threads:
        torch.set_num_threads(args.threads)
    RESULTS.mkdir(parents=True, exist_ok=True)
    if args.artifact_dir is not None:  # before training, so that a bad folder fails at once
        args.artifact_dir.mkdir(parents=True, exist_ok=True)
    snntorch_too = args.case == "fashion-mnist" if args.snntorch is None else args.snntorch
    for seed in args.seeds:
        start = time.perf_counter()
        record = run_seed(args.case, replace(options, seed=seed), snntorch_too, args.artifact_dir, args.same_budget)
        path = RESULTS / result_name(args.case, record["options"], seed)
        path.write_text(json.dumps(record, indent=1) + "\n")
        print(f"{args.case} seed {seed}: 4-bit {record['quant_accuracy']:.2%}, float {record['float_accuracy']:.2%}, "
              f"{record['verify_mismatches']} mismatches, {time.perf_counter() - start:.0f} s -> {path.name}",
              file=sys.stderr, flush=True)


if __name__ == "__main__":
    main()
