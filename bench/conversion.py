"""ANN-to-SNN conversion over training seeds: one JSON file per seed, `table` and `plot` combine them.

    python bench/conversion.py run digits --seeds 0 1 2
    python bench/conversion.py run fashion-mnist --seeds 0 1 2
    python bench/conversion.py table                    # mean +- std per case, for the README
    python bench/conversion.py plot                     # accuracy against T, one PNG per case

A run trains the 4-bit QCFS ANN (``pynq-snn train --ann qcfs``'s defaults unless ``--levels``
and ``--epochs`` say otherwise), converts it to IF neurons at each T of ``--steps``, runs
each on the emulator over the whole rate-coded test split (encoded with the seed), verifies
it against the quantized torch model, and does the same after ``--finetune-epochs`` of
surrogate-gradient QAT at that T. The energy per sample (``pynq_snn/conversion_energy.py``:
E_AC = 0.9 pJ per synaptic event and neuron update, E_MAC = 4.6 pJ) is compared with the
ANN's MACs, dense and with zero inputs skipped. The same ANN is also trained with a float
bias per neuron, which the IP cannot run, to measure what training without one costs. Each file, under ``bench/results/conversion/``,
records its command and the git commit. ``table`` and ``plot`` show the directly trained
4-bit SNN of the same seeds beside them, from ``bench/accuracy.py``'s results as they
stand (run it for the seeds that lack one).
"""
from __future__ import annotations

import argparse
import json
import resource
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

from provenance import ROOT, command, commit
from tables import print_table

RESULTS = ROOT / "bench" / "results" / "conversion"
ACCURACY = ROOT / "bench" / "results" / "accuracy"
CASES = ("digits", "fashion-mnist")
STEPS = (4, 8, 16, 32, 64)
FINETUNE_EPOCHS = 2
#: The files the results depend on: a result from a tree that differs here says so (``+changes``).
SOURCES = ("training", "quant", "pynq_snn", "host/energy.py", "overlay/encoding.py", "overlay/emulator.py",
           "bench/conversion.py")
#: Test samples per chunk when verifying (bounds the memory of the torch model's rasters).
VERIFY_CHUNK = 1000


def measure(converted, ann, inputs, seed: int) -> dict:
    """Emulator accuracy, verify mismatches and energy of one converted network on the test split."""
    from pynq_snn.conversion_energy import compare_energy
    from pynq_snn.host.evaluate import run_artifact
    from pynq_snn.quant.export import to_artifact
    from pynq_snn.training.data import encode_test_split
    from pynq_snn.verify import compare

    artifact = to_artifact(converted.model, converted.encoding.to_dict())
    spikes = encode_test_split(converted.dataset, converted.encoding, seed)
    report = run_artifact(artifact, spikes, converted.dataset.test.y)
    mismatches = 0
    for first in range(0, spikes.shape[1], VERIFY_CHUNK):
        check = compare(converted.model, artifact, spikes[:, first: first + VERIFY_CHUNK])
        mismatches += check.output_spike_mismatches + check.raster_mismatches + check.state_mismatches
    history = converted.finetune_history
    return {"accuracy": report.accuracy, "verify_mismatches": int(mismatches),
            "energy": compare_energy(report, ann.model, inputs).to_dict(),
            "finetune_epoch_s": statistics.mean(e.seconds for e in history) if history else None}


def direct_snn(case: str, seed: int, sizes):
    """The directly trained 4-bit SNN of ``case``, ``seed`` and ``sizes`` with the data set's default
    training (epochs, weight decay, weight scale), as ``bench/accuracy.py run`` recorded it, or None."""
    from dataclasses import asdict

    from accuracy import result_name

    from pynq_snn.training.options import TrainOptions

    path = ACCURACY / result_name(case, asdict(TrainOptions(data=case).resolved()), seed)
    if not path.is_file():
        return None
    record = json.loads(path.read_text())
    if record["sizes"] != sizes:
        return None
    return {"file": str(path.relative_to(ROOT)), "quant_accuracy": record["quant_accuracy"],
            "steps": record["options"]["steps"], "commit": record["commit"]}


def with_biases(sizes, levels):
    """The QCFS network of ``sizes`` and ``levels`` with a float bias per neuron in every layer,
    ``h(W x + b)``: what the IP cannot run, trained only to measure what its lack costs."""
    import torch

    from pynq_snn.quant.qcfs import QcfsNet

    class Biased(torch.nn.Module):
        def __init__(self, linear: torch.nn.Module):
            super().__init__()
            self.linear = linear
            self.bias = torch.nn.Parameter(torch.zeros(linear.out_features))

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return self.linear(x) + self.bias

    model = QcfsNet(sizes, levels)
    for layer in model.layers:
        layer.linear = Biased(layer.linear)
    return model


def run_seed(case: str, seed: int, levels, epochs, finetune_epochs: int, steps, source: str) -> dict:
    """Train, convert, fine-tune and measure one seed of ``case``; the record that goes into its file,
    with ``source``, the commit of the code that runs."""
    from dataclasses import asdict

    from pynq_snn.conversion import convert, load_data, train_qcfs
    from pynq_snn.training.ann import rates
    from pynq_snn.training.ann_options import DEFAULT_LEVELS, QcfsOptions

    options = QcfsOptions(data=case, seed=seed, levels=levels or DEFAULT_LEVELS, epochs=epochs)
    ann = train_qcfs(options, progress=True)
    biased = train_qcfs(options, progress=True, network=with_biases)
    dataset = load_data(ann.options)
    inputs = rates(dataset.test.x, dataset.encoding)
    per_steps = []
    for t in steps:
        start = time.perf_counter()
        converted = measure(convert(ann, t, dataset=dataset, progress=False), ann, inputs, seed)
        tuned = measure(convert(ann, t, finetune_epochs, dataset=dataset, progress=True), ann, inputs, seed)
        per_steps.append({"steps": t, "converted": converted, "finetuned": tuned})
        print(f"{case} seed {seed} T={t}: converted {converted['accuracy']:.2%}, fine-tuned {tuned['accuracy']:.2%}, "
              f"{time.perf_counter() - start:.0f} s", file=sys.stderr, flush=True)
    return {
        "case": case, "seed": seed, "command": command(), "commit": source,
        "options": asdict(ann.options), "sizes": ann.model.sizes, "test_samples": int(len(dataset.test.y)),
        "ann_accuracy": ann.accuracy, "ann_level_accuracy": ann.level_accuracy, "lambdas": ann.model.lambdas(),
        "ann_bias_accuracy": biased.accuracy, "ann_bias_level_accuracy": biased.level_accuracy,
        "ann_epoch_s": statistics.mean(e.seconds for e in ann.history), "finetune_epochs": finetune_epochs,
        "steps": per_steps,
        "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,  # Linux: KiB
    }


def mean_std(values, percent: bool = True, digits: int = 2) -> str:
    """``mean ± std`` (sample standard deviation; one value has none), in percent if ``percent``."""
    values = [100 * v if percent else v for v in values]
    spread = f" ± {statistics.stdev(values):.{digits}f}" if len(values) > 1 else ""
    return f"{statistics.mean(values):.{digits}f}{spread}" + ("%" if percent else "")


def groups():
    """Every result file, grouped by case, network, levels, ANN epochs and fine-tuning epochs."""
    found = defaultdict(list)
    for path in sorted(RESULTS.glob("*.json")):
        record = json.loads(path.read_text())
        o = record["options"]
        key = (record["case"], "-".join(map(str, record["sizes"])), o["levels"], o["epochs"], record["finetune_epochs"])
        found[key].append(record)
    return {key: sorted(records, key=lambda r: r["seed"]) for key, records in sorted(found.items())}


def _at(records, t: int, which: str):
    return [next(s for s in r["steps"] if s["steps"] == t)[which] for r in records]


def table() -> None:
    """Accuracy against T, and the energy ratio per T, over every seed found."""
    for (case, sizes, levels, epochs, tuned), records in groups().items():
        steps = [s["steps"] for s in records[0]["steps"]]
        seeds = ", ".join(str(r["seed"]) for r in records)
        direct = [(r["seed"], direct_snn(case, r["seed"], r["sizes"])) for r in records]
        direct = [(seed, d) for seed, d in direct if d]
        rows = [["4-bit QCFS ANN", mean_std([r["ann_accuracy"] for r in records])] + ["" for _ in steps],
                [f"4-bit QCFS ANN, read from its {levels} output levels", mean_std([r["ann_level_accuracy"]
                                                                                    for r in records])]
                + ["" for _ in steps]]
        biased = [r["ann_bias_accuracy"] for r in records if "ann_bias_accuracy" in r]
        if biased:
            rows.append([f"the same with a float bias per neuron (the IP has none; {len(biased)} seeds)",
                         mean_std(biased)] + ["" for _ in steps])
        rows.append(["converted (IF)", ""] + [mean_std([m["accuracy"] for m in _at(records, t, "converted")])
                                              for t in steps])
        rows.append([f"converted + {tuned} epoch{'' if tuned == 1 else 's'} of fine-tuning", ""]
                    + [mean_std([m["accuracy"] for m in _at(records, t, "finetuned")]) for t in steps])
        if direct:
            rows.append([f"directly trained 4-bit SNN, T = {direct[0][1]['steps'] or 'its default'} "
                         f"(bench/accuracy.py, seeds {', '.join(str(seed) for seed, _ in direct)})",
                         mean_std([d["quant_accuracy"] for _, d in direct])] + ["" for _ in steps])
        mismatches = sum(m["verify_mismatches"] for t in steps for w in ("converted", "finetuned")
                         for m in _at(records, t, w))
        print_table(f"{case} {sizes}, L = {levels}, {epochs} ANN epochs: test accuracy over seeds {seeds} "
                    f"(mean ± std; verify mismatches, all runs: {mismatches})",
                    ["network", "no T"] + [f"T = {t}" for t in steps], rows)
        rows = []
        for t in steps:
            energy = [m["energy"] for m in _at(records, t, "converted")]
            rows.append([t, mean_std([e["synaptic_events"] for e in energy], False, 0),
                         mean_std([e["snn_nj"] for e in energy], False, 3),
                         mean_std([e["ann_dense_nj"] for e in energy], False, 3),
                         mean_std([e["ann_nonzero_nj"] for e in energy], False, 3),
                         mean_std([e["ratio_dense"] for e in energy], False, 3),
                         mean_std([e["ratio_nonzero"] for e in energy], False, 3)])
        print_table(f"{case} {sizes}: energy per sample of the converted SNN against the ANN (45 nm: "
                    "E_AC 0.9 pJ, E_MAC 4.6 pJ; nJ, mean ± std)",
                    ["T", "synaptic events", "SNN", "ANN dense", "ANN zeros skipped", "SNN / ANN dense",
                     "SNN / ANN zeros skipped"], rows)


def plot(out_dir: Path) -> None:
    """One PNG per case: accuracy against T, converted and fine-tuned, the ANN and the direct SNN as lines."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    for (case, sizes, levels, epochs, tuned), records in groups().items():
        steps = [s["steps"] for s in records[0]["steps"]]
        fig, ax = plt.subplots(figsize=(6, 4))
        tuned_label = f"+ {tuned} epoch{'' if tuned == 1 else 's'} of fine-tuning"
        for which, label in (("converted", "converted (IF)"), ("finetuned", tuned_label)):
            values = [[100 * m["accuracy"] for m in _at(records, t, which)] for t in steps]
            ax.errorbar(steps, [statistics.mean(v) for v in values],
                        yerr=[statistics.stdev(v) if len(v) > 1 else 0 for v in values], marker="o", label=label,
                        capsize=3)
        ax.axhline(100 * statistics.mean(r["ann_accuracy"] for r in records), color="k", ls="--",
                   label=f"4-bit QCFS ANN (L = {levels})")
        direct = [d for d in (direct_snn(case, r["seed"], r["sizes"]) for r in records) if d]
        if direct:
            ax.axhline(100 * statistics.mean(d["quant_accuracy"] for d in direct), color="gray", ls=":",
                       label="directly trained 4-bit SNN")
        ax.set_xscale("log", base=2)
        ax.set_xticks(steps, [str(t) for t in steps])
        ax.set_xlabel("timesteps T")
        ax.set_ylabel("test accuracy (%)")
        ax.set_title(f"{case} {sizes}: mean over seeds {', '.join(str(r['seed']) for r in records)}")
        ax.grid(alpha=0.3)
        ax.legend(loc="lower right")
        fig.tight_layout()
        path = out_dir / f"conversion_{case}.png"
        fig.savefig(path, dpi=120)
        plt.close(fig)
        print(f"wrote {path.relative_to(ROOT)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("run", help="train, convert and measure the seeds of one case, one JSON file each")
    p.add_argument("case", choices=CASES)
    p.add_argument("--seeds", type=int, nargs="+", required=True)
    p.add_argument("--levels", type=int, default=None, help="QCFS levels (default: train --ann qcfs's)")
    p.add_argument("--epochs", type=int, default=None, help="ANN epochs (default: train --ann qcfs's)")
    p.add_argument("--finetune-epochs", type=int, default=FINETUNE_EPOCHS,
                   help=f"fine-tuning epochs at each T (default {FINETUNE_EPOCHS})")
    p.add_argument("--steps", type=int, nargs="+", default=list(STEPS), help=f"the T to convert to (default {STEPS})")
    sub.add_parser("table", help="combine every result into the README's tables")
    p = sub.add_parser("plot", help="accuracy against T, one PNG per case")
    p.add_argument("--out-dir", type=Path, default=ROOT / "bench", help="folder of the PNGs (default bench/)")
    args = parser.parse_args()
    if args.command == "table":
        table()
        return
    if args.command == "plot":
        plot(args.out_dir)
        return
    RESULTS.mkdir(parents=True, exist_ok=True)
    source = commit(SOURCES)  # at the start: the code this process runs, not what the tree holds later
    for seed in args.seeds:
        start = time.perf_counter()
        record = run_seed(args.case, seed, args.levels, args.epochs, args.finetune_epochs, args.steps, source)
        o = record["options"]
        path = RESULTS / f"{args.case}_L{o['levels']}_e{o['epochs']}_ft{args.finetune_epochs}_seed{seed}.json"
        path.write_text(json.dumps(record, indent=1) + "\n")
        print(f"{args.case} seed {seed}: ANN {record['ann_accuracy']:.2%}, {time.perf_counter() - start:.0f} s "
              f"-> {path.name}", file=sys.stderr, flush=True)


if __name__ == "__main__":
    main()
