"""Training time and memory at the size users train: Fashion-MNIST through 784-512-10 at T=25.

    python bench/train_profile.py --samples 640 --repeats 15 --threads 1

Times one epoch (``fit``) over the first ``--samples`` training images for three
networks of the same shape on the same spikes, interleaved ``--repeats`` times
(median): plain snnTorch float (``nn.Linear`` + ``snn.Leaky``), the toolkit's float
network, and its 4-bit QAT network. Each epoch is measured in wall seconds and in
the process's CPU seconds. With ``--threads 1`` the CPU seconds are the work done,
whatever else the machine runs, while the wall seconds also count the time spent
waiting for a core; so the ratios and the projection to a whole epoch of 60,000
images come from CPU seconds (one core): CPU seconds per image x 60,000, with the
subset's encoding time replaced by the whole split's (a large split is encoded batch
by batch, which costs more per image). A second table, measured first (it also warms
the models up), splits one minibatch into forward, backward and optimizer step (CPU
ms, median over the same minibatches, which the three networks take in turns). A third times one QAT
minibatch with one torch thread and with one per core: with OpenMP's default wait
policy, threads that spin waiting for each other lose badly to other processes on a
shared machine (``OMP_WAIT_POLICY=PASSIVE`` makes them sleep instead).

Then trains the QAT network for ``--full-batches`` minibatches of the whole shuffled
training split (60,000 images), evaluates it on the whole test split, and reports the
process's peak memory (resident set) over all of it. Ends with one JSON object, also
written to ``--json``.
"""
from __future__ import annotations

import argparse
import itertools
import json
import os
import resource
import statistics
import time
from pathlib import Path

import numpy as np
import torch

from provenance import ROOT, command, commit
from spine import PlainSnnTorch
from tables import print_table

from pynq_snn.overlay.encoding import encode_batches
from pynq_snn.quant.network import QuantSpikingMLP
from pynq_snn.training.data import encode_test_split, load_dataset
from pynq_snn.training.data.dataset import Split
from pynq_snn.training.network import NetworkConfig, SpikingMLP
from pynq_snn.training.options import TrainOptions
from pynq_snn.training.trainer import evaluate, fit, spike_count_loss

FULL_EPOCH = 60_000
PHASES = ("forward", "backward", "step")


def timed(fn):
    """``fn()``'s result, its wall seconds and the process's CPU seconds (all threads, user + system)."""
    wall, cpu = time.perf_counter(), time.process_time()
    result = fn()
    return result, time.perf_counter() - wall, time.process_time() - cpu


def epoch_seconds(models, subset, encoding, batch_size, repeats):
    """Median wall and CPU seconds of one ``fit`` epoch per model, the models interleaved
    (each repeat starts one model later, so no model always follows the same one)."""
    seconds = {name: ([], []) for name in models}
    names = list(models)
    for repeat in range(repeats):
        for name in names[repeat % len(names):] + names[: repeat % len(names)]:
            _, wall, cpu = timed(lambda: fit(models[name], subset, encoding, 1, np.random.default_rng(0),
                                             batch_size=batch_size, progress=False))
            seconds[name][0].append(wall)
            seconds[name][1].append(cpu)
    return {name: (statistics.median(w), statistics.median(c)) for name, (w, c) in seconds.items()}


def phase_milliseconds(models, subset, encoding, batch_size):
    """Median CPU ms per minibatch of each phase of a training step, per model; the models
    take turns on each minibatch."""
    phases = {name: {phase: [] for phase in PHASES} for name in models}
    optimizers = {name: torch.optim.Adam(model.parameters(), lr=1e-3) for name, model in models.items()}
    labels = torch.as_tensor(subset.y, dtype=torch.long)
    batches = encode_batches(encoding, subset.x, np.random.default_rng(0), batch_size)
    for first, spikes in zip(range(0, len(subset.y), batch_size), batches):
        x = torch.from_numpy(spikes).float()
        for name, model in models.items():
            model.train()
            out, *_, forward = timed(lambda: model(x).spikes)
            loss = spike_count_loss(out, labels[first: first + batch_size])
            optimizers[name].zero_grad()
            *_, backward = timed(loss.backward)
            *_, step = timed(optimizers[name].step)
            for phase, seconds in zip(PHASES, (forward, backward, step)):
                phases[name][phase].append(seconds * 1e3)
    return {name: {phase: statistics.median(ms) for phase, ms in by_phase.items()} for name, by_phase in phases.items()}


def encoding_seconds(encoding, x, batch_size):
    """CPU seconds to encode the images ``x`` minibatch by minibatch, as ``fit`` does."""
    _, _, cpu = timed(lambda: sum(1 for _ in encode_batches(encoding, x, np.random.default_rng(0), batch_size)))
    return cpu


def thread_milliseconds(model, subset, encoding, batch_size, counts, repeats):
    """Median wall and CPU ms of one training minibatch (forward and backward) of ``model``
    with each number of torch threads in ``counts``, the counts taking turns."""
    spikes = torch.from_numpy(next(encode_batches(encoding, subset.x[:batch_size], np.random.default_rng(0),
                                                  batch_size))).float()
    labels = torch.as_tensor(subset.y[:batch_size], dtype=torch.long)
    before = torch.get_num_threads()
    times = {n: ([], []) for n in counts}
    for _, n in itertools.product(range(repeats), counts):
        torch.set_num_threads(n)
        model.zero_grad()
        _, wall, cpu = timed(lambda: spike_count_loss(model(spikes).spikes, labels).backward())
        times[n][0].append(wall * 1e3)
        times[n][1].append(cpu * 1e3)
    torch.set_num_threads(before)
    return {n: (statistics.median(w), statistics.median(c)) for n, (w, c) in times.items()}


def full_split(qat, dataset, options, n_batches):
    """Train ``qat`` on ``n_batches`` minibatches of the shuffled training split; its test accuracy."""
    rng = np.random.default_rng(0)
    order = rng.permutation(len(dataset.train.y))
    optimizer = torch.optim.Adam(qat.parameters(), lr=options.qat_lr)
    batches = encode_batches(dataset.encoding, dataset.train.x[order], rng, options.batch_size)
    qat.train()
    for first, spikes in itertools.islice(zip(range(0, len(order), options.batch_size), batches), n_batches):
        loss = spike_count_loss(qat(torch.from_numpy(spikes).float()).spikes,
                                torch.as_tensor(dataset.train.y[order[first: first + options.batch_size]]))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return evaluate(qat, encode_test_split(dataset, dataset.encoding, 0), dataset.test.y)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=3200, help="training images per timed epoch")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--full-batches", type=int, default=20, help="QAT minibatches over the whole split")
    parser.add_argument("--threads", type=int, default=None, help="torch threads (default: torch's)")
    parser.add_argument("--json", type=Path, default=ROOT / "bench" / "results" / "train_profile.json",
                        help="where the JSON record is written")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    dataset = load_dataset("fashion-mnist")
    options = TrainOptions(data="fashion-mnist").resolved()
    sizes = [dataset.n_inputs, *options.hidden, dataset.n_classes]
    torch.manual_seed(0)
    float_model = SpikingMLP(NetworkConfig.from_options(options, sizes))  # the defaults' weight scale too
    models = {
        "plain snnTorch float": PlainSnnTorch(sizes, options.beta, options.threshold),
        "float": float_model,
        "4-bit QAT": QuantSpikingMLP.from_float(float_model),
    }
    subset = Split(dataset.train.x[: args.samples], dataset.train.y[: args.samples])
    phases = phase_milliseconds(models, subset, dataset.encoding, options.batch_size)  # also warms every model up
    epoch = epoch_seconds(models, subset, dataset.encoding, options.batch_size, args.repeats)
    # fit encodes a small split's draws at once and a large one's batch by batch: the projection
    # swaps the subset's encoding time for the whole split's
    encode_subset = encoding_seconds(dataset.encoding, subset.x, options.batch_size)
    encode_full = encoding_seconds(dataset.encoding, dataset.train.x, options.batch_size)
    projected = {name: (cpu - encode_subset) / args.samples * FULL_EPOCH + encode_full
                 for name, (_, cpu) in epoch.items()}
    base = epoch["plain snnTorch float"][1]
    threads = torch.get_num_threads()
    print_table(f"One epoch over {args.samples} images, {'-'.join(map(str, sizes))}, T={dataset.encoding.steps}, "
                f"{threads} thread(s), median of {args.repeats}",
                ["network", "wall s", "CPU s", "CPU / plain snnTorch", f"projected CPU s per {FULL_EPOCH:,} images"],
                [[name, f"{wall:.2f}", f"{cpu:.2f}", f"{cpu / base:.2f}", f"{projected[name]:.0f}"]
                 for name, (wall, cpu) in epoch.items()])
    print(f"\nEncoding (rate, T={dataset.encoding.steps}) takes {encode_full:.1f} CPU s per {FULL_EPOCH:,} images, "
          f"{encode_full / -(-FULL_EPOCH // options.batch_size) * 1e3:.1f} ms per minibatch; it is part of every epoch.")
    print_table(f"One minibatch of {options.batch_size} by phase (CPU ms, median)", ["network", *PHASES, "total"],
                [[name, *(f"{ms[p]:.1f}" for p in PHASES), f"{sum(ms.values()):.1f}"] for name, ms in phases.items()])

    counts = sorted({1, os.cpu_count() or 1})
    by_threads = thread_milliseconds(models["4-bit QAT"], subset, dataset.encoding, options.batch_size, counts,
                                     args.repeats * 3)
    print_table(f"One 4-bit QAT minibatch (forward and backward) by torch threads, median of {args.repeats * 3} "
                f"(OMP_WAIT_POLICY={os.environ.get('OMP_WAIT_POLICY', 'unset')})",
                ["threads", "wall ms", "CPU ms"], [[n, f"{w:.0f}", f"{c:.0f}"] for n, (w, c) in by_threads.items()])

    accuracy = full_split(models["4-bit QAT"], dataset, options, args.full_batches)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\nQAT over {args.full_batches} minibatches of the whole split, then the whole test split: "
          f"test accuracy {accuracy:.2%}, peak resident memory {peak:.0f} MiB\n")
    record = {
        "command": command(), "commit": commit(("training", "quant", "overlay/encoding.py", "bench")),
        "network": "-".join(map(str, sizes)), "steps": dataset.encoding.steps, "threads": threads,
        "epoch_samples": args.samples, "repeats": args.repeats,
        "epoch_wall_seconds": {name: wall for name, (wall, _) in epoch.items()},
        "epoch_cpu_seconds": {name: cpu for name, (_, cpu) in epoch.items()},
        "qat_over_plain_snntorch_cpu": epoch["4-bit QAT"][1] / base,
        "qat_over_float_cpu": epoch["4-bit QAT"][1] / epoch["float"][1],
        "qat_over_plain_snntorch_wall": epoch["4-bit QAT"][0] / epoch["plain snnTorch float"][0],
        "projected_cpu_seconds_per_full_epoch": projected,
        "encoding_cpu_seconds": {"epoch_subset": encode_subset, "full_split": encode_full},
        "minibatch_cpu_ms_by_phase": phases,
        "qat_minibatch_ms_by_threads": {n: {"wall": w, "cpu": c} for n, (w, c) in by_threads.items()},
        "omp_wait_policy": os.environ.get("OMP_WAIT_POLICY"),
        "full_split_qat_batches": args.full_batches, "test_accuracy_after_them": accuracy,
        "peak_rss_mib": peak,
    }
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(record, indent=1) + "\n")
    print(json.dumps(record, indent=1))


if __name__ == "__main__":
    main()
