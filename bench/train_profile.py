"""Training time and memory at the size users train: Fashion-MNIST through 784-512-10 at T=25.

    python bench/train_profile.py --samples 640 --repeats 3 --threads 1

Times one epoch over the first ``--samples`` training images for three networks of the
same shape on the same spikes, interleaved ``--repeats`` times (median): plain snnTorch
float (``nn.Linear`` + ``snn.Leaky``), the toolkit's float network, and its 4-bit QAT
network. Then trains the QAT network for ``--full-batches`` minibatches of the whole
shuffled training split (60,000 images) and evaluates it on the whole test split, and
reports the process's peak memory (resident set) over all of it.
"""
from __future__ import annotations

import argparse
import itertools
import json
import resource
import statistics
import time

import numpy as np
import torch

from provenance import command, commit
from spine import PlainSnnTorch

from pynq_snn.overlay.encoding import encode_batches
from pynq_snn.quant.network import QuantSpikingMLP
from pynq_snn.training.data import encode_test_split, load_dataset
from pynq_snn.training.data.dataset import Split
from pynq_snn.training.network import NetworkConfig, SpikingMLP
from pynq_snn.training.options import TrainOptions
from pynq_snn.training.trainer import evaluate, fit, spike_count_loss


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=3200, help="training images per timed epoch")
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--full-batches", type=int, default=50, help="QAT minibatches over the whole split")
    parser.add_argument("--threads", type=int, default=None, help="torch threads (default: torch's)")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    dataset = load_dataset("fashion-mnist")
    options = TrainOptions(data="fashion-mnist").resolved()
    sizes = [dataset.n_inputs, *options.hidden, dataset.n_classes]
    torch.manual_seed(0)
    float_model = SpikingMLP(NetworkConfig(sizes=sizes, beta=options.beta, threshold=options.threshold))
    models = {
        "plain snnTorch float": PlainSnnTorch(sizes, options.beta, options.threshold),
        "float": float_model,
        "4-bit QAT": QuantSpikingMLP.from_float(float_model),
    }
    subset = Split(dataset.train.x[: args.samples], dataset.train.y[: args.samples])
    seconds = {name: [] for name in models}
    for _, (name, model) in itertools.product(range(args.repeats), models.items()):
        start = time.perf_counter()
        fit(model, subset, dataset.encoding, 1, np.random.default_rng(0), batch_size=options.batch_size,
            progress=False)
        seconds[name].append(time.perf_counter() - start)
    epoch = {name: statistics.median(s) for name, s in seconds.items()}

    qat = models["4-bit QAT"]
    rng = np.random.default_rng(0)
    order = rng.permutation(len(dataset.train.y))
    optimizer = torch.optim.Adam(qat.parameters(), lr=options.qat_lr)
    batches = encode_batches(dataset.encoding, dataset.train.x[order], rng, options.batch_size)
    qat.train()
    for first, spikes in itertools.islice(zip(range(0, len(order), options.batch_size), batches), args.full_batches):
        loss = spike_count_loss(qat(torch.from_numpy(spikes).float()).spikes,
                                torch.as_tensor(dataset.train.y[order[first: first + options.batch_size]]))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    test_spikes = encode_test_split(dataset, dataset.encoding, 0)
    accuracy = evaluate(qat, test_spikes, dataset.test.y)
    record = {
        "command": command(), "commit": commit(("training", "quant", "overlay/encoding.py", "bench")),
        "network": "-".join(map(str, sizes)), "steps": dataset.encoding.steps, "threads": torch.get_num_threads(),
        "epoch_samples": args.samples, "epoch_seconds": epoch,
        "qat_over_plain_snntorch": epoch["4-bit QAT"] / epoch["plain snnTorch float"],
        "qat_over_float": epoch["4-bit QAT"] / epoch["float"],
        "full_split_qat_batches": args.full_batches, "test_accuracy_after_them": accuracy,
        "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }
    print(json.dumps(record, indent=1))


if __name__ == "__main__":
    main()
