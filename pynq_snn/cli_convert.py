"""``pynq-snn train --ann qcfs`` and ``pynq-snn convert``: their flags and what they print.

The chain is :mod:`pynq_snn.conversion`. ``train --ann qcfs`` trains a QCFS ANN with the
data, seed and split rules of SNN training and writes an ANN checkpoint; ``convert``
turns one into the IP's IF neurons for ``--steps`` timesteps, optionally fine-tunes it in
spikes, and writes the artifact with the converted network's checkpoint beside it, so
that ``run`` and ``verify`` take it as any other. Building the parsers imports no torch.
"""
from __future__ import annotations

import argparse
from typing import List, Tuple

from .cli_types import int_in
from .training.ann_options import ANN_KINDS, DEFAULT_LEVELS, QcfsOptions
from .training.options import TrainOptions, per_data_set

#: ``train``'s flags that only an SNN takes, by destination, with their defaults.
SNN_ONLY = {"neuron": TrainOptions.neuron, "output_neuron": None, "preset": TrainOptions.preset,
            "learn_params": False, "qat_epochs": None, "encoding": None, "steps": None, "beta": None,
            "threshold": TrainOptions.threshold, "spike_grad": TrainOptions.spike_grad,
            "qat_lr": None}


def add_ann_options(parser: argparse.ArgumentParser) -> None:
    """``--ann`` and ``--levels`` on ``train``'s parser."""
    group = parser.add_argument_group("an ANN to convert (pynq-snn convert)")
    group.add_argument("--ann", choices=ANN_KINDS, default=None,
                       help="train this ANN instead of an SNN and write its checkpoint for pynq-snn convert: qcfs, "
                            "4-bit weights and no bias as the IP, quantization-clip-floor-shift activations; it takes "
                            "--data, --data-dir, --data-seed, --seed, --hidden, --epochs (default: "
                            f"{per_data_set(lambda d: d.qcfs_epochs())}), --lr and --batch-size")
    group.add_argument("--levels", type=int, default=None,
                       help=f"with --ann qcfs: the activation's levels L (default {DEFAULT_LEVELS})")


def train_ann(args: argparse.Namespace) -> Tuple[dict, List[str]]:
    """``train --ann``: the JSON summary and the lines to print. ValueError, one line, for a flag
    that only an SNN takes."""
    from .conversion import save_ann, train_qcfs
    from .devices import compute

    if args.ann is None:
        raise ValueError("--levels is the QCFS ANN's: add --ann qcfs")
    given = [f"--{name.replace('_', '-')}" for name, default in SNN_ONLY.items() if getattr(args, name) != default]
    if given:
        raise ValueError(f"--ann {args.ann} trains an ANN, which does not take {', '.join(given)}")
    options = QcfsOptions(data=args.data, data_dir=args.data_dir, seed=args.seed, data_seed=args.data_seed,
                          hidden=args.hidden, levels=DEFAULT_LEVELS if args.levels is None else args.levels,
                          epochs=args.epochs, lr=args.lr, batch_size=args.batch_size)
    where = compute(args.device, args.threads)
    ann = train_qcfs(options, progress=not args.quiet, device=where.device)
    save_ann(ann, args.out)
    sizes = ann.model.sizes
    summary = {**where.to_dict(), "checkpoint": str(args.out), "ann": args.ann, "levels": ann.model.levels,
               "sizes": sizes, "accuracy": ann.accuracy, "level_accuracy": ann.level_accuracy,
               "lambdas": ann.model.lambdas(), "epochs": ann.options.epochs}
    return summary, [
        f"QCFS ANN {'-'.join(map(str, sizes))}, L={ann.model.levels}, 4-bit weights, no bias, data {options.data}",
        f"test accuracy: {ann.accuracy:.2%} ({ann.options.epochs} epochs); {ann.level_accuracy:.2%} read from "
        f"its {ann.model.levels} output levels, as IF neurons count them at T = {ann.model.levels}",
        where.line(),
        f"wrote {args.out}; convert it: pynq-snn convert {args.out} --steps T --out model.snn",
    ]


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Add ``convert`` and its own flags to the command line's subparsers; return its parser, to
    which the command line adds ``--device`` and ``--threads`` as for its other torch commands."""
    p = sub.add_parser(
        "convert",
        help="convert a QCFS ANN (train --ann qcfs) to the IP's integrate-and-fire neurons; fine-tune in spikes",
        description="Each QCFS layer becomes a layer of integrate-and-fire neurons (the contract's LIF with "
                    "beta_q = 256, subtractive reset) with threshold lambda_l / lambda_(l-1) and initial membrane "
                    "at half of it, reading out by spike count. Writes the artifact and, beside it, the converted "
                    "network's checkpoint, which pynq-snn verify finds.",
    )
    p.add_argument("ann", help="ANN checkpoint written by pynq-snn train --ann qcfs")
    p.add_argument("--steps", type=int_in(1), required=True, help="timesteps T per sample of the rate-coded input")
    p.add_argument("--out", required=True, help="artifact to write (e.g. model.snn)")
    p.add_argument("--checkpoint", default=None,
                   help="the converted network's checkpoint (default: --out with the suffix .pt)")
    p.add_argument("--finetune-epochs", type=int_in(0), default=0,
                   help="epochs of surrogate-gradient 4-bit QAT at --steps after conversion (default 0: none)")
    p.add_argument("--finetune-lr", type=float, default=None,
                   help="fine-tuning's learning rate, annealed to 0 as QAT's "
                        f"(default: {per_data_set(lambda d: f'{d.finetune_lr:g}')})")
    p.add_argument("--json", action="store_true", help="print a JSON summary on the last line")
    p.add_argument("--quiet", action="store_true", help="no progress bars")
    return p


def convert(args: argparse.Namespace) -> Tuple[dict, List[str]]:
    """``convert``: the JSON summary and the lines to print. Errors are ValueErrors, one line each."""
    from .conversion import checkpoint_beside, convert_checkpoint
    from .devices import compute

    where = compute(args.device, args.threads)
    ann, converted, artifact = convert_checkpoint(args.ann, args.out, args.steps, args.finetune_epochs,
                                                  args.checkpoint, args.finetune_lr, progress=not args.quiet,
                                                  device=where.device)
    seed = ann.options.seed
    accuracy = converted.accuracy(seed)
    tuned = f", fine-tuned {args.finetune_epochs} epochs" if args.finetune_epochs else ""
    checkpoint = str(checkpoint_beside(args.out, args.checkpoint))
    summary = {**where.to_dict(), "artifact": str(args.out), "checkpoint": checkpoint, "sizes": list(artifact.sizes),
               "steps": args.steps, "levels": ann.model.levels, "finetune_epochs": args.finetune_epochs,
               "ann_accuracy": ann.accuracy, "snn_accuracy": accuracy,
               "thresholds": [layer.params["threshold"] for layer in artifact.layers],
               "v_init": [layer.params["v_init"] for layer in artifact.layers]}
    return summary, [
        f"converted {'-'.join(map(str, artifact.sizes))} (L={ann.model.levels}) to IF neurons over {args.steps} "
        f"timesteps{tuned}",
        f"test accuracy: ANN {ann.accuracy:.2%}, SNN {accuracy:.2%} (rate-coded test split, --seed {seed})",
        where.line(),
        f"wrote {args.out} and its checkpoint {checkpoint}; check it: pynq-snn verify {args.out} --seed {seed}",
    ]
