"""``pynq-snn sweep``: its flags, and what it prints. The sweep is :mod:`pynq_snn.training.sweep`.

Three uses of one command:

* ``pynq-snn sweep [space and limits]``: run (or continue) a study until it holds
  ``--trials`` complete trials, then print the Pareto front;
* ``pynq-snn sweep --report``: print the front of a study and write its figure;
* ``pynq-snn sweep --export N --out model.snn``: write trial N's network as an artifact.

Building the parser imports neither Optuna nor torch.
"""
from __future__ import annotations

import argparse
import sys
from dataclasses import asdict
from typing import List, Tuple

from .cli_types import SEED_MAX, int_in
from .host.energy import PRESETS
from .overlay.core_build import DEFAULT_BUILD
from .training.data import DATASETS, DEFAULT_DATA_SEED
from .training.neurons import NEURONS
from .training.options import (TrainOptions, gain_shift_help, izhikevich_threshold_help, per_data_set,
                               scale_percentile_help, weight_decay_help)
from .training.sweep.spec import dimension_help
from .training.sweep.space import PARSERS, flag

DEFAULT_STUDY = "sweep"
DEFAULT_TRIALS = 60


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Add ``sweep`` and every flag it takes to the command line's subparsers."""
    from .training.sweep.spec import SweepSpec  # the defaults below are the spec's

    p = sub.add_parser(
        "sweep",
        help="multi-objective sweep (Optuna): accuracy vs energy vs IP cycles; the Pareto front; export a trial",
        description="Train many networks drawn from a search space and find the Pareto front of 4-bit accuracy "
                    "(validation split, emulator), energy per sample and IP cycles per sample. A range LO:HI or a "
                    "list A,B searches a dimension; one value fixes it. Networks that do not fit the chip are "
                    "pruned before training. The study lives in a database and continues where it stopped.",
    )
    p.add_argument("--data", choices=DATASETS, default=TrainOptions.data,
                   help=f"data set (default {TrainOptions.data}); the objectives are measured on a validation "
                        "part of its training split, never on the test split")
    p.add_argument("--data-seed", type=int_in(0, SEED_MAX), default=DEFAULT_DATA_SEED,
                   help=f"fixes the data set, its train/test split and the validation part "
                        f"(default {DEFAULT_DATA_SEED})")
    p.add_argument("--seed", type=int_in(0, SEED_MAX), default=TrainOptions.seed,
                   help=f"every trial's training seed (initialization, shuffling, encoding draws), and the "
                        f"sampler's (default {TrainOptions.seed})")
    study = p.add_argument_group("study and workers")
    study.add_argument("--study", default=DEFAULT_STUDY, help=f"study name (default {DEFAULT_STUDY})")
    study.add_argument("--storage", default=None,
                       help="study database: sqlite:///FILE (default sqlite:///sweep.db) or "
                            "postgresql://USER:PASSWORD@HOST:PORT/DATABASE, shared by any number of machines")
    study.add_argument("--trials", type=int, default=DEFAULT_TRIALS,
                       help=f"complete trials the study should hold; a study that holds some continues; "
                            f"K workers may finish up to K-1 more (default {DEFAULT_TRIALS})")
    study.add_argument("--workers", type=int, default=1,
                       help="worker processes on this machine (default 1); other machines join by running the "
                            "same sweep against the same PostgreSQL database")
    study.add_argument("--device", choices=("auto", "cpu", "cuda"), default="auto",
                       help="where the workers train: cuda (a GPU torch sees), cpu, or auto: the GPU when there "
                            "is one, and it says so (default auto)")
    study.add_argument("--heartbeat", type=int, default=30,
                       help="seconds between a running trial's heartbeats; a trial silent for twice that is "
                            "failed and retried (default 30)")
    objectives = p.add_argument_group("objectives and limits")
    objectives.add_argument("--energy-preset", choices=list(PRESETS), default=SweepSpec.energy_preset,
                            help=f"energy model of the energy objective (default {SweepSpec.energy_preset}: "
                                 f"{PRESETS[SweepSpec.energy_preset].description})")
    objectives.add_argument("--max-neurons", type=int, default=DEFAULT_BUILD.neurons,
                            help=f"the chip's neurons, all layers, each padded to {DEFAULT_BUILD.lanes} (default "
                                 f"{DEFAULT_BUILD.neurons}, the IP's); a multiple of 32")
    objectives.add_argument("--max-synapses", type=int, default=DEFAULT_BUILD.synapses,
                            help=f"the chip's 4-bit weights, rows padded to {DEFAULT_BUILD.lanes} (default "
                                 f"{DEFAULT_BUILD.synapses}, the IP's); a multiple of {DEFAULT_BUILD.lanes}")
    space = p.add_argument_group("search space (LO:HI or A,B searches, one value fixes)")
    for name in PARSERS:
        space.add_argument(flag(name), dest=name, default=None, metavar="SPACE", help=dimension_help(name))
    space.add_argument("--output-neuron", choices=list(NEURONS), default=None,
                       help="neuron model of the output layer (default: the hidden layers')")
    training = p.add_argument_group("training")
    training.add_argument("--validation", type=float, default=SweepSpec.validation_fraction,
                          help=f"share of the training split held out to measure the objectives "
                               f"(default {SweepSpec.validation_fraction})")
    training.add_argument("--train-samples", type=int, default=None,
                          help="fit on at most this many training samples (default: all), for quick sweeps")
    training.add_argument("--batch-size", type=int, default=TrainOptions.batch_size,
                          help=f"samples per minibatch (default {TrainOptions.batch_size})")
    training.add_argument("--lr", type=float, default=None,
                          help=f"float learning rate (default: {per_data_set(lambda d: f'{d.lr:g}')})")
    training.add_argument("--qat-lr", type=float, default=None,
                          help=f"QAT learning rate (default: {per_data_set(lambda d: f'{d.qat_lr:g}')})")
    training.add_argument("--weight-decay", type=float, default=None, help=weight_decay_help())
    training.add_argument("--scale-percentile", type=float, default=None, help=scale_percentile_help())
    training.add_argument("--izhikevich-gain-shift", type=int, default=TrainOptions.izhikevich_gain_shift,
                          metavar="SHIFT", help=gain_shift_help())
    training.add_argument("--izhikevich-threshold", type=float, default=None, metavar="V_TH",
                          help=izhikevich_threshold_help())
    results = p.add_argument_group("results")
    results.add_argument("--report", action="store_true",
                         help="train nothing: print the study's Pareto front and write its figure (--plot)")
    results.add_argument("--plot", default=None,
                         help="PNG of accuracy against energy, latency as colour, the front highlighted "
                              "(default with --report: STUDY-front.png)")
    results.add_argument("--export", type=int, default=None, metavar="TRIAL",
                         help="train nothing: write trial TRIAL's network as an artifact to --out")
    results.add_argument("--out", default=None, help="artifact file for --export (e.g. model.snn)")
    p.add_argument("--json", action="store_true", help="print a JSON summary on the last line")
    p.add_argument("--quiet", action="store_true", help="no progress bar")


def _front_report(study, spec, args) -> List[str]:
    from .training.sweep.front import front_lines, trial_points
    from .training.sweep.plot import save_front_plot

    points = trial_points(study)
    lines = [f"Pareto front of {len(points)} complete trials (validation split, one training seed per trial):"]
    lines += front_lines(points, spec.objectives()) if points else ["(no complete trial yet)"]
    plot = args.plot or (f"{args.study}-front.png" if args.report else None)
    if plot and points:
        title = f"{spec.data}: {len(points)} trials, limits {spec.limits.neurons} neurons, " \
                f"{spec.limits.synapses} synapses"
        lines.append(f"wrote {save_front_plot(points, spec.objectives(), plot, title=title)}")
    return lines


def _summary(study, spec, args) -> dict:
    from .training.sweep.front import trial_points

    return {"study": args.study, "data": spec.data, "objectives": [o.name for o in spec.objectives()],
            "front": [asdict(p) for p in trial_points(study) if p.on_front]}


def sweep(args: argparse.Namespace) -> Tuple[dict, List[str]]:
    """Run, report or export (module docstring): the JSON summary and the lines to print.

    Errors are ValueErrors, one line each."""
    try:
        import optuna  # noqa: F401
    except ImportError:
        raise ValueError("pynq-snn sweep needs Optuna: pip install 'pynq-snn[sweep]'") from None
    from .training.sweep.storage import DEFAULT_STORAGE, open_storage
    from .training.sweep.study import find_sweep

    storage = args.storage or DEFAULT_STORAGE
    if args.report and args.export is not None:
        raise ValueError("choose one of --report and --export")
    if args.export is not None:
        from .training.sweep.export import export_trial

        if not args.out:
            raise ValueError("--export needs --out FILE, the artifact to write")
        study, spec = find_sweep(open_storage(storage), args.study)
        artifact = export_trial(study, args.export, args.out)
        trial = study.trials[args.export]
        lines = [f"exported trial {args.export} ({'-'.join(map(str, artifact.sizes))} {artifact.meta['neuron']}, "
                 f"validation accuracy {trial.values[0]:.2%}) to {args.out}",
                 f"its test accuracy: pynq-snn run {args.out} --seed {spec.seed}"]
        return {"artifact": args.out, "trial": args.export, "sizes": list(artifact.sizes)}, lines
    if args.report:
        study, spec = find_sweep(open_storage(storage), args.study)
        return _summary(study, spec, args), _front_report(study, spec, args)
    return _run(args, storage)


def _run(args: argparse.Namespace, storage: str) -> Tuple[dict, List[str]]:
    from .devices import resolve_device
    from .training.sweep.limits import ChipLimits
    from .training.sweep.run import run_sweep
    from .training.sweep.spec import build_spec
    from .training.sweep.storage import open_storage
    from .training.sweep.study import find_sweep

    device = resolve_device(args.device).type  # before any work: --device cuda without a GPU stops here
    spec = build_spec(
        args.data, {name: getattr(args, name) for name in PARSERS},
        data_seed=args.data_seed, seed=args.seed, limits=ChipLimits(args.max_neurons, args.max_synapses),
        energy_preset=args.energy_preset, output_neuron=args.output_neuron, validation_fraction=args.validation,
        train_samples=args.train_samples, batch_size=args.batch_size, lr=args.lr, qat_lr=args.qat_lr,
        weight_decay=args.weight_decay, scale_percentile=args.scale_percentile,
        izhikevich_gain_shift=args.izhikevich_gain_shift, izhikevich_threshold=args.izhikevich_threshold,
    )
    outcome = run_sweep(spec, storage, args.study, args.trials, args.workers, args.heartbeat, progress=not args.quiet,
                        device=device)
    for lost in outcome.lost_workers:
        print(f"warning: {lost} ended early; the others failed and retried its running trial", file=sys.stderr)
    if outcome.complete < args.trials:
        raise ValueError(f"the study holds {outcome.complete} of {args.trials} complete trials: every worker "
                         f"ended early ({'; '.join(outcome.lost_workers) or 'no worker ran'})")
    study, _ = find_sweep(open_storage(storage), args.study)
    lines = [
        f"study {args.study!r}: {outcome.complete} complete, {outcome.pruned} pruned (did not fit the chip), "
        f"{outcome.failed} failed trials; this run {outcome.seconds:.0f} s, training on {device}",
        f"searched: {', '.join(flag(n) for n in spec.space.searched())}",
    ] + _front_report(study, spec, args) + [
        f"export a trial: pynq-snn sweep --storage {storage} --study {args.study} --export TRIAL --out model.snn",
    ]
    summary = {**_summary(study, spec, args), "complete": outcome.complete, "pruned": outcome.pruned,
               "failed": outcome.failed, "seconds": outcome.seconds, "lost_workers": outcome.lost_workers,
               "device": device}
    return summary, lines
