"""Command line: ``pynq-snn {train,export,import,run,encode,verify,info,demo,sweep,convert}``.

Every command that reads data takes ``--data`` and ``--data-seed`` (the data set
and its train/test split, one default for all commands) and ``--seed`` (weight
initialization, shuffling and spike-encoding draws). ``--json`` prints one JSON
object on the last line. Errors print one line naming the problem and exit with
status 2; ``verify`` exits with 1 when any integer differs. A command whose extra
is not installed (on the board: train, export, verify, ...) says which one, exit 2.
"""
from __future__ import annotations

import argparse
import json
import sys
from functools import partial
from pathlib import Path
from typing import Callable, List, Optional

import numpy as np

from . import __version__
from .cli_convert import add_ann_options, add_parser as add_convert_parser
from .cli_sweep import add_parser as add_sweep_parser
from .cli_types import SEED_MAX, int_in
from .extras import missing_extra
from .training.neurons import NEURONS
from .training.data import DATASETS, DEFAULT_DATA_SEED, ENCODINGS, is_data_file
from .training.data.digits import STEPS as DIGITS_STEPS
from .training.options import (TrainOptions, gain_shift_help, izhikevich_threshold_help, per_data_set,
                               scale_percentile_help, weight_decay_help)

#: Exit status for bad input (usage, files, capacity) and for a failed verification.
EXIT_ERROR = 2
EXIT_MISMATCH = 1
#: Samples that ``verify`` compares at once, unless the working set holds fewer.
DEFAULT_VERIFY_BATCH = 1024


class _Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line, ``pynq-snn <command>: error: ...``, exit status 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(EXIT_ERROR, f"{self.prog}: error: {message}\n")


def _data_name(text: str) -> str:
    """A data set's name, or a path to your own ``.npz`` file."""
    if text in DATASETS or is_data_file(text):
        return text
    raise argparse.ArgumentTypeError(f"unknown data set {text!r}; choose one of {', '.join(DATASETS)} "
                                     "or a path to an .npz file")


def _add_data_options(parser: argparse.ArgumentParser, required: bool) -> None:
    parser.add_argument("--data", type=_data_name, metavar="{" + ",".join(DATASETS) + ",FILE.npz}",
                        default=TrainOptions.data if required else None,
                        help=f"data set, or your own .npz file with x_train, y_train, x_test, y_test "
                             f"(default: {TrainOptions.data} for train, the artifact's for run/verify)")
    parser.add_argument("--data-dir", default=None,
                        help="folder with the data set's files (looked at first; then Debian's package folder, "
                             "then a download when online)")
    parser.add_argument("--data-seed", type=int_in(0, SEED_MAX), default=DEFAULT_DATA_SEED,
                        help=f"fixes the data set and its train/test split (default {DEFAULT_DATA_SEED})")
    parser.add_argument("--seed", type=int_in(0, SEED_MAX), default=TrainOptions.seed,
                        help=f"fixes initialization, shuffling and spike-encoding draws (default {TrainOptions.seed})")


def _add_threads_option(parser: argparse.ArgumentParser, what: str) -> None:
    parser.add_argument("--threads", type=int_in(1), default=None,
                        help=f"CPU threads for {what} (default: the libraries' own choice over the cores this "
                             "process is given); the report says how many")


def _add_device_option(parser: argparse.ArgumentParser) -> None:
    """``--device auto|cpu|cuda`` (``devices.py``) and ``--threads``, for commands that compute with torch."""
    parser.add_argument("--device", choices=("auto", "cpu", "cuda"), default="auto",
                        help="where torch computes: cuda (a GPU torch sees), cpu, or auto: the GPU when there is "
                             "one, and it says so (default auto)")
    _add_threads_option(parser, "torch and numpy's BLAS")


def _add_epoch_options(parser: argparse.ArgumentParser, izhikevich: bool) -> None:
    """``--epochs`` and ``--qat-epochs``; ``izhikevich`` adds the Izhikevich hidden layers' defaults to the help."""
    epochs = (
        ("--epochs", "float warm-up", lambda d: d.float_epochs, lambda d: d.izhikevich_epochs[0]),
        ("--qat-epochs", "4-bit QAT", lambda d: d.qat_epochs, lambda d: d.izhikevich_epochs[1]),
    )
    for flag, what, lif, izh in epochs:
        note = f"; {per_data_set(izh)} with Izhikevich hidden layers" if izhikevich else ""
        parser.add_argument(flag, type=int_in(0), default=None,
                            help=f"{what} epochs (default: {per_data_set(lif)}{note})")


def _positive_ints(text: str) -> List[int]:
    try:
        values = [int(v) for v in text.split(",") if v.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated integers, got {text!r}")
    if not values or min(values) < 1:
        raise argparse.ArgumentTypeError(f"layer sizes must be >= 1, got {text!r}")
    return values


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="pynq-snn",
        description="Train 4-bit spiking networks, export them, and run them bit-exact on the SNN core IP's emulator.",
    )
    parser.add_argument("--version", action="version", version=f"pynq-snn {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("train", help="train a network: float warm-up, then 4-bit QAT; write a checkpoint")
    _add_data_options(p, required=True)
    p.add_argument("--neuron", choices=NEURONS, default=TrainOptions.neuron,
                   help="neuron model of every layer: lif, izh-norm (normalized Izhikevich) or izh (standard, mV)")
    p.add_argument("--output-neuron", choices=NEURONS, default=None,
                   help="neuron model of the output layer (default: --neuron)")
    p.add_argument("--preset", default=TrainOptions.preset,
                   help="Izhikevich preset: RS, IB, CH (izh-norm); RS, IB, CH, FS, LTS (izh) "
                        f"(default {TrainOptions.preset})")
    p.add_argument("--learn-params", action="store_true",
                   help="also train the Izhikevich coefficients and levels (a*, b*, c, d), clamped to the IP's formats")
    hidden = per_data_set(lambda d: ",".join(map(str, d.hidden)))
    p.add_argument("--hidden", type=_positive_ints, default=None,
                   help=f"hidden layer sizes, e.g. 128 or 256,128 (default {hidden})")
    _add_epoch_options(p, izhikevich=True)
    p.add_argument("--encoding", choices=tuple(ENCODINGS), default=None,
                   help="how intensities become spikes: rate (Bernoulli), latency (one spike, linear time, over all "
                        "steps), latency-log (log time), delta (changes of an .npz series) (default: the data set's, "
                        "rate for images)")
    p.add_argument("--steps", type=int, default=None,
                   help=f"timesteps per sample (default {DIGITS_STEPS} for the images, 50 for nmnist, 100 for shd "
                        "and randman; an .npz raster's own T)")
    p.add_argument("--beta", type=float, default=None,
                   help=f"LIF leak per step in [0, 1] (default: {per_data_set(lambda d: d.beta)})")
    p.add_argument("--threshold", type=float, default=TrainOptions.threshold,
                   help=f"firing threshold (default {TrainOptions.threshold})")
    p.add_argument("--spike-grad", default=TrainOptions.spike_grad,
                   help=f"surrogate gradient (default {TrainOptions.spike_grad})")
    p.add_argument("--batch-size", type=int_in(1), default=TrainOptions.batch_size,
                   help=f"samples per minibatch (default {TrainOptions.batch_size})")
    p.add_argument("--lr", type=float, default=None,
                   help=f"float learning rate (default: {per_data_set(lambda d: f'{d.lr:g}')}; "
                        f"with --ann qcfs: {per_data_set(lambda d: f'{d.ann_lr:g}')})")
    p.add_argument("--qat-lr", type=float, default=None,
                   help=f"QAT learning rate (default: {per_data_set(lambda d: f'{d.qat_lr:g}')})")
    p.add_argument("--weight-decay", type=float, default=None, help=weight_decay_help())
    p.add_argument("--scale-percentile", type=float, default=None, help=scale_percentile_help())
    p.add_argument("--izhikevich-gain-shift", type=int, default=TrainOptions.izhikevich_gain_shift, metavar="SHIFT",
                   help=gain_shift_help())
    p.add_argument("--izhikevich-threshold", type=float, default=None, metavar="V_TH",
                   help=izhikevich_threshold_help())
    p.add_argument("--out", required=True, help="checkpoint file to write (e.g. model.pt)")
    _add_device_option(p)
    p.add_argument("--json", action="store_true", help="print a JSON summary on the last line")
    p.add_argument("--quiet", action="store_true", help="no progress bars")
    add_ann_options(p)

    p = sub.add_parser("export", help="export a checkpoint to the deployment artifact (checks the IP's capacity)")
    p.add_argument("checkpoint", help="checkpoint written by train or import")
    p.add_argument("--out", required=True,
                   help="file to write (e.g. model.snn, model.onnx with --format onnx, model.nir with --format nir)")
    p.add_argument("--format", choices=("artifact", "onnx", "nir"), default="artifact",
                   help="artifact (default): the IP's binary file; onnx: one ONNX model of the whole network "
                        "(a Scan over the timesteps) that onnxruntime runs bit-exact; nir: a NIR graph whose "
                        "weights are the 4-bit integers times their scales")
    p.add_argument("--nir-extension", action="store_true",
                   help="with --format nir: write Izhikevich layers as the toolkit's pynq_snn.Izhikevich node, "
                        "which plain NIR lacks and only this toolkit reads (without it they are refused)")
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("import", help="read a NIR graph (snnTorch's export_to_nir, or export --format nir) into a "
                                      "checkpoint that export, run and verify take; lists all the IP cannot run")
    p.add_argument("graph", help="NIR file (e.g. model.nir)")
    p.add_argument("--out", required=True, help="checkpoint file to write (e.g. model.pt)")
    p.add_argument("--encoding", choices=("rate", "raster"), default=None,
                   help="how inputs become spikes (default: the graph's record, else rate)")
    p.add_argument("--steps", type=int, default=None,
                   help="timesteps per sample (default: the graph's record, else 25)")
    p.add_argument("--data", type=_data_name, metavar="{" + ",".join(DATASETS) + ",FILE.npz}", default=None,
                   help="the data set the network reads, recorded for run and verify (default: the graph's record)")
    p.add_argument("--data-seed", type=int, default=None,
                   help=f"its train/test split (default: the graph's record, else {DEFAULT_DATA_SEED})")
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("run", help="run an artifact over the test split, or over encoded inputs (--inputs): "
                                   "emulator, or the IP through its driver")
    p.add_argument("artifact", help="the .snn file (a bare name not found here: the one shipped with pynq-snn)")
    _add_data_options(p, required=False)
    p.add_argument("--inputs", metavar="FILE.npz", default=None,
                   help="encoded inputs instead of a data set: spikes uint8 [T, N, C] (or spikes_packed and shape), "
                        "optional labels [N]; pynq-snn encode writes one (a bare name not found here: the one "
                        "shipped with pynq-snn)")
    p.add_argument("--energy-model", default="neuromorphic", help="energy preset (default neuromorphic)")
    p.add_argument("--batch-size", type=int_in(1), default=1024,
                   help="samples the emulator takes at once (default 1024; fewer where T is long, to keep the "
                        "working set within its bound)")
    p.add_argument("--device", choices=("auto", "board", "emulator"),
                   help="also run through the IP's driver: the board, the emulated device, or the board when "
                        "there is one (auto; the default with --inputs); reports its cycles and latency and checks "
                        "its predictions")
    _add_threads_option(p, "the emulator's matrix products (numpy's BLAS)")
    p.add_argument("--bitstream", default="snn.bit",
                   help="the overlay's .bit (its .hwh beside it) for the board: a path or a name in pynq-snn's "
                        "bitstreams folder (default snn.bit)")
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("encode", help="write a data set's test split as encoded inputs (.npz) for run --inputs, "
                                      "on a machine without the data set's libraries")
    p.add_argument("artifact", nargs="?", default=None,
                   help="encode as this artifact's network reads: its encoding, timesteps and data set "
                        "(the inputs run ARTIFACT --data ... runs)")
    _add_data_options(p, required=False)
    p.add_argument("--encoding", choices=tuple(ENCODINGS), default=None,
                   help="without an artifact: how intensities become spikes (default: the data set's)")
    p.add_argument("--steps", type=int_in(1), default=None,
                   help="without an artifact: timesteps per sample (default: the data set's)")
    p.add_argument("--out", required=True, help="the .npz file to write (e.g. spikes.npz)")
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("verify", help="compare the quantized torch model (or an ONNX model) with the emulator, "
                                      "integer for integer")
    p.add_argument("artifact")
    p.add_argument("--model", default=None, help="checkpoint (default: the one the artifact was exported from)")
    p.add_argument("--onnx", default=None,
                   help="compare this ONNX model (export --format onnx), run by onnxruntime, with the emulator "
                        "instead of the quantized torch model")
    _add_data_options(p, required=False)
    _add_device_option(p)
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("info", help="topology, neuron models, bit widths and memory use against the IP's capacity")
    p.add_argument("artifact", help="the .snn file (a bare name not found here: the one shipped with pynq-snn)")
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("demo", help="the whole chain on the embedded default data: train, export, run, verify")
    p.add_argument("--data", choices=DATASETS, default=TrainOptions.data,
                   help=f"data set (default {TrainOptions.data})")
    p.add_argument("--seed", type=int_in(0, SEED_MAX), default=TrainOptions.seed,
                   help=f"fixes initialization, shuffling and spike-encoding draws (default {TrainOptions.seed})")
    p.add_argument("--out", default="runs/demo", help="folder for model.pt and model.snn (default runs/demo)")
    _add_epoch_options(p, izhikevich=False)
    p.add_argument("--json", action="store_true")

    add_sweep_parser(sub)
    _add_device_option(add_convert_parser(sub))
    return parser


def _emit(args, summary: dict, lines: List[str]) -> None:
    for line in lines:
        print(line)
    if getattr(args, "json", False):
        print(json.dumps(summary))


def train_options(args: argparse.Namespace) -> TrainOptions:
    """The training options that ``pynq-snn train``'s parsed arguments ask for."""
    return TrainOptions(
        data=args.data, data_dir=args.data_dir, encoding=args.encoding, neuron=args.neuron,
        output_neuron=args.output_neuron, preset=args.preset,
        learn_params=args.learn_params, seed=args.seed, data_seed=args.data_seed, hidden=args.hidden,
        float_epochs=args.epochs, qat_epochs=args.qat_epochs, steps=args.steps, lr=args.lr, qat_lr=args.qat_lr,
        weight_decay=args.weight_decay, scale_percentile=args.scale_percentile,
        izhikevich_gain_shift=args.izhikevich_gain_shift, izhikevich_threshold=args.izhikevich_threshold,
        batch_size=args.batch_size, beta=args.beta,
        threshold=args.threshold, spike_grad=args.spike_grad,
    )


def check_out_file(path: str) -> None:
    """ValueError unless ``--out path`` names a file that can be written: not a folder, in a folder
    that exists. Checked before any work, so that nothing is trained or exported in vain."""
    out = Path(path)
    if out.is_dir():
        raise ValueError(f"--out {path} is a folder: name the file to write")
    if not out.parent.is_dir():
        raise ValueError(f"--out {path}: the folder {out.parent} does not exist")


def _warn(command: str) -> Callable[[str], None]:
    """A warning printed as one line, ``pynq-snn <command>: warning: ...``, on stderr."""
    return lambda message: print(f"pynq-snn {command}: warning: {message}", file=sys.stderr)


def cmd_train(args) -> int:
    from .devices import compute
    from .pipeline import save_checkpoint, train

    check_out_file(args.out)
    if args.ann or args.levels is not None:
        from .cli_convert import train_ann

        _emit(args, *train_ann(args))
        return 0
    options = train_options(args)
    where = compute(args.device, args.threads)
    result = train(options, progress=not args.quiet, warn=_warn("train"), device=where.device)
    save_checkpoint(result, args.out)
    summary = {
        **where.to_dict(),
        "checkpoint": str(args.out),
        "sizes": result.quant_model.config.sizes,
        "float_accuracy": result.float_accuracy,
        "quant_accuracy": result.quant_accuracy,
        "float_seconds_per_epoch": _mean([e.seconds for e in result.float_history]),
        "qat_seconds_per_epoch": _mean([e.seconds for e in result.qat_history]),
    }
    _emit(args, summary, [
        f"network {'-'.join(map(str, summary['sizes']))} {options.neuron}, data {options.data}",
        f"test accuracy: float {result.float_accuracy:.2%}, 4-bit {result.quant_accuracy:.2%}",
        where.line(),
        f"wrote {args.out}",
    ])
    return 0


def _mean(values) -> Optional[float]:
    return sum(values) / len(values) if values else None


def cmd_export(args) -> int:
    from .pipeline import export_checkpoint

    check_out_file(args.out)
    artifact = export_checkpoint(args.checkpoint, args.out, args.format, args.nir_extension)
    req = artifact.requirements()
    _emit(args, {"artifact": str(args.out), "format": args.format, "sizes": list(artifact.sizes),
                 "synapses": req.synapses}, [
        f"exported {'-'.join(map(str, artifact.sizes))} ({req.synapses} synapses, {req.neurons} neurons) to {args.out}",
    ])
    return 0


def cmd_import(args) -> int:
    from .pipeline import import_nir
    from .quant.from_snntorch import ConversionError

    try:
        checkpoint = import_nir(args.graph, args.out, args.encoding, args.steps, args.data, args.data_seed)
    except ConversionError as exc:  # one line: every problem, separated
        raise ValueError(f"{args.graph} cannot run on the SNN core IP: {'; '.join(exc.problems)}") from exc
    model, encoding = checkpoint.model, checkpoint.encoding
    sizes = [model.n_inputs] + [layer.linear.out_features for layer in model.layers]
    _emit(args, {"checkpoint": str(args.out), "sizes": sizes, "neurons": [layer.hardware for layer in model.layers],
                 "encoding": encoding.to_dict(), "data": checkpoint.meta.get("data")}, [
        f"imported {'-'.join(map(str, sizes))} ({', '.join(layer.hardware for layer in model.layers)}) "
        f"from {args.graph}, {encoding.kind} coding over {encoding.steps} timesteps",
        f"wrote {args.out}",
    ])
    return 0


def _artifact_dataset(artifact, data: Optional[str], data_seed: int, data_dir: Optional[str] = None):
    """The artifact's data set (or ``data``) for ``data_seed``, as the artifact reads it:
    ``(name, dataset, encoding)``, the encoding the artifact's.

    The data set must be as wide as the artifact's input and encoded as it is (ValueError otherwise).
    """
    from .overlay.encoding import Encoding
    from .overlay.quote import quote
    from .training.data import load_dataset

    data = data or artifact.meta.get("data")
    if data is None:
        raise ValueError("the artifact does not record its data set: pass --data")
    if not isinstance(data, str):
        raise ValueError(f"the artifact records its data set as {quote(data)}, not a name: pass --data")
    recorded = artifact.meta.get("data_seed")
    if recorded is not None and recorded != data_seed:
        print(f"warning: the model was trained with --data-seed {quote(recorded)}, evaluating with {data_seed}: "
              "its test split may overlap the training data", file=sys.stderr)
    encoding = Encoding.from_dict(artifact.encoding)
    delta = "delta" if encoding.kind == "delta" else None  # a series, not spikes
    dataset = load_dataset(data, data_seed, data_dir, delta, steps=artifact.n_steps)  # a raster's T is the artifact's
    if dataset.n_inputs != artifact.n_inputs:
        raise ValueError(f"the artifact takes {artifact.n_inputs} input channels, {data} has {dataset.n_inputs}: "
                         "pass the --data it was trained on")
    return data, dataset, encoding


def _test_batches(artifact, data: Optional[str], data_seed: int, seed: int, batch_size: int,
                  data_dir: Optional[str] = None, bytes_per_sample: int = 0):
    """The artifact's data set (or ``data``) and its test split encoded with the artifact's encoding,
    in batches: ``(name, samples, batches)``, ``batches`` yielding ``(spikes [T, n, C], labels [n])``.

    A batch holds at most ``batch_size`` samples and a quarter of the working set, counting the
    encoded spikes and ``bytes_per_sample`` more per sample (what the caller holds for it).
    """
    from .overlay.encoding import encode_batches
    from .overlay.working_set import WORKING_SET_BYTES, samples_per_chunk

    data, dataset, encoding = _artifact_dataset(artifact, data, data_seed, data_dir)
    per_sample = artifact.n_steps * artifact.n_inputs + bytes_per_sample
    n_samples = len(dataset.test.y)
    size = min(batch_size, samples_per_chunk(n_samples, per_sample, WORKING_SET_BYTES // 4,
                                             "one sample of the test split"))
    spikes = encode_batches(encoding, dataset.test.x, np.random.default_rng(seed), size, WORKING_SET_BYTES // 4)
    labels = (dataset.test.y[first: first + size] for first in range(0, n_samples, size))
    return data, n_samples, zip(spikes, labels)


def _input_batches(artifact, path: str, batch_size: int):
    """The encoded inputs in the file ``path`` in batches: ``(file, samples, batches)`` as
    :func:`_test_batches` gives them, labels None when the file has none."""
    from .host.evaluate import check_batch_size
    from .host.inputs import load_inputs
    from .host.shipped import shipped_file
    from .overlay.emulator import check_input

    path = shipped_file(path)
    inputs = load_inputs(path)
    try:
        check_input(artifact, inputs.spikes)
    except ValueError as exc:
        raise ValueError(f"{path}: {exc}") from None
    n_samples, size, labels = inputs.spikes.shape[1], check_batch_size(batch_size), inputs.labels
    batches = ((inputs.spikes[:, first: first + size], None if labels is None else labels[first: first + size])
               for first in range(0, n_samples, size))
    return str(path), n_samples, batches


def cmd_run(args) -> int:
    from .host.evaluate import run_batches
    from .host.report import report_lines
    from .host.shipped import shipped_file
    from .host.threads import use_blas_threads
    from .overlay.artifact import load
    from .overlay.working_set import WORKING_SET_BYTES

    if args.inputs and args.data:
        raise ValueError("--inputs and --data name two sources of inputs: give one")
    threads = use_blas_threads(args.threads)
    artifact = load(shipped_file(args.artifact))
    if args.inputs:  # the file is read and checked before a device is opened
        source, n_samples, batches = _input_batches(artifact, args.inputs, args.batch_size)
        what, data = f"inputs {source}", None
    backend = args.device or ("auto" if args.inputs else None)
    device = None
    if backend:  # opened and loaded before the data set: a missing board or a refused network stops before any work
        from .host.device import open_device

        device = open_device(backend, bitstream=args.bitstream)
        device.load(artifact)
    if not args.inputs:
        data, n_samples, batches = _test_batches(artifact, args.data, args.data_seed, args.seed, args.batch_size,
                                                 args.data_dir)
        what, source = f"data {data} (test split, {n_samples} samples)", None
    on_device = []
    if device is not None:  # each batch also goes through the device, as it comes
        batches = _also_on(device, batches, on_device)
    report = run_batches(artifact, batches, args.energy_model, WORKING_SET_BYTES // 2)
    summary = {"artifact": str(args.artifact), "data": data, "inputs": source, "backend": "emulator",
               **report.to_dict(), "threads": {"blas": threads}}
    if source is not None:
        what += f" ({report.n_samples} samples{', labelled' if report.accuracy is not None else ', no labels'})"
    lines = [f"backend: emulator, {what}"] + report_lines(report)
    lines.append(f"CPU threads:            {threads} (numpy's BLAS, the emulator's products)")
    if device is not None:
        summary["device"], device_lines = _device_summary(on_device, report)
        lines += device_lines
    _emit(args, summary, lines)
    return 0 if device is None or summary["device"]["predictions_equal_the_emulator"] else 1


def _device_summary(on_device: list, report) -> tuple:
    """What the device's results over all batches add to a run's summary, and its lines: its
    accuracy (None without labels), cycles, latency and power, and whether its predictions
    equal the emulator's in ``report``."""
    n_samples = report.n_samples
    predictions = np.concatenate([r.predictions for r in on_device])
    labelled = all(r.accuracy is not None for r in on_device)
    accuracy = sum(r.accuracy * len(r.predictions) for r in on_device) / n_samples if labelled else None
    cycles = sum(r.cycles for r in on_device)
    ip_seconds, latency_s = sum(r.ip_seconds for r in on_device), sum(r.latency_s for r in on_device)
    powers = [r.power_w for r in on_device if r.power_w is not None]
    power_w = sum(powers) / len(powers) if powers else None
    same = bool(np.array_equal(predictions, report.predictions))
    backend = on_device[0].backend
    summary = {"backend": backend, "accuracy": accuracy, "cycles": cycles, "ip_seconds": ip_seconds,
               "latency_s": latency_s, "power_w": power_w, "predictions_equal_the_emulator": same}
    power = f"{power_w:.2f} W" if power_w is not None else "not measured"
    shown = f"accuracy {accuracy:.2%}" if accuracy is not None else "no labels"
    return summary, [
        f"device ({backend}):      {shown}, predictions equal the emulator's: {'yes' if same else 'NO'}",
        f"IP cycles:              {cycles} ({cycles / n_samples:.0f} per sample, "
        f"{ip_seconds * 1e6 / n_samples:.1f} us per sample at the IP's clock; rasters, counts and states read back)",
        f"device latency:         {latency_s * 1e3:.1f} ms for {n_samples} samples (host wall time); power {power}",
    ]


def cmd_encode(args) -> int:
    from .host.inputs import save_inputs
    from .host.shipped import shipped_file
    from .overlay.artifact import load
    from .training.data import encode_test_split, load_dataset

    check_out_file(args.out)
    if args.artifact is not None:
        if args.encoding or args.steps:
            raise ValueError("--encoding and --steps are the artifact's: leave them out, or the artifact")
        artifact = load(shipped_file(args.artifact))
        data, dataset, encoding = _artifact_dataset(artifact, args.data, args.data_seed, args.data_dir)
    else:
        if args.data is None:
            raise ValueError("name the data set with --data, or an artifact whose data set to encode")
        steps = {} if args.steps is None else {"steps": args.steps}
        dataset = load_dataset(args.data, args.data_seed, args.data_dir, args.encoding, **steps)
        data, encoding = args.data, dataset.encoding
    spikes = encode_test_split(dataset, encoding, args.seed)
    save_inputs(args.out, spikes, dataset.test.y, data=str(data), seed=args.seed, data_seed=args.data_seed)
    steps, n_samples, channels = spikes.shape
    _emit(args, {"inputs": str(args.out), "data": data, "encoding": encoding.to_dict(), "shape": list(spikes.shape),
                 "seed": args.seed, "data_seed": args.data_seed}, [
        f"encoded the test split of {data}: {n_samples} samples, {steps} timesteps, {channels} inputs, "
        f"{encoding.kind} coding (seed {args.seed})",
        f"wrote {args.out}",
    ])
    return 0


def _also_on(device, batches, results: list):
    """Pass ``batches`` on unchanged, running each on ``device`` first and keeping its result in ``results``."""
    for spikes, labels in batches:
        results.append(device.run(spikes, labels))
        yield spikes, labels


def _checkpoint_for(artifact, artifact_path, model: Optional[str]):
    """The checkpoint the artifact came from (``--model`` or the recorded one), hash-checked.

    A recorded checkpoint is followed only to a file inside the artifact's folder (or below
    it): a path that leads out of it, however written, is refused before anything is read.
    """
    from .overlay.quote import quote
    from .pipeline import file_sha256, load_checkpoint

    if model is None:
        recorded = artifact.meta.get("checkpoint")
        if recorded is None:
            raise ValueError("the artifact does not record its checkpoint: pass --model")
        if not isinstance(recorded, str) or not recorded:
            raise ValueError(f"the artifact records its checkpoint as {quote(recorded)}, not a file name: pass --model")
        folder = Path(artifact_path).resolve().parent
        model = (folder / recorded).resolve()
        if folder not in model.parents:
            raise ValueError(f"the artifact records its checkpoint as {quote(recorded)}, outside the artifact's "
                             "folder: pass --model")
    expected = artifact.meta.get("checkpoint_sha256")
    if not Path(model).is_file():
        raise FileNotFoundError(f"no checkpoint at {model}: pass --model")
    if expected is not None and file_sha256(model) != expected:
        raise ValueError(f"{model} is not the checkpoint this artifact was exported from (SHA-256 differs)")
    return load_checkpoint(model)


def cmd_verify(args) -> int:
    from .devices import compute
    from .overlay.artifact import load

    where = compute(args.device, args.threads)
    artifact = load(args.artifact)
    if args.onnx:  # the file is checked before any data is loaded
        from .quant.onnx_run import compare_onnx, open_session

        other, compare = "ONNX model in onnxruntime", partial(compare_onnx, open_session(args.onnx, artifact))
    else:
        from .verify import compare as compare_torch

        checkpoint = _checkpoint_for(artifact, args.artifact, args.model)
        other, compare = "quantized torch model", partial(compare_torch, checkpoint.model.to(where.device))
    from .verify import batch_bytes, combine

    data, _, batches = _test_batches(artifact, args.data, args.data_seed, args.seed, DEFAULT_VERIFY_BATCH,
                                     args.data_dir, batch_bytes(artifact))
    report = combine(compare(artifact, spikes) for spikes, _ in batches)
    verdict = "PASS: bit-exact" if report.ok else f"FAIL: the emulator differs from the {other}"
    _emit(args, {"artifact": str(args.artifact), "onnx": args.onnx, "data": data, **report.to_dict(),
                 **where.to_dict()}, [
        f"compared {report.n_samples} samples of {data}: {other} vs emulator",
        where.line(),
        f"output spike mismatches: {report.output_spike_mismatches} of {report.output_spikes_compared}",
        f"raster mismatches:       {report.raster_mismatches} of {report.raster_entries_compared}",
        f"final state mismatches:  {report.state_mismatches} of {report.states_compared}",
        verdict,
    ])
    return 0 if report.ok else EXIT_MISMATCH


def cmd_info(args) -> int:
    from .overlay import formats
    from .overlay.artifact import load
    from .overlay.core_build import DEFAULT_BUILD
    from .host.shipped import shipped_file

    artifact = load(shipped_file(args.artifact))
    req, cap = artifact.requirements(), DEFAULT_BUILD
    layers = [
        {"index": i, "neuron": l.neuron, "n_in": l.n_in, "n_out": l.n_out, "weight_shift": l.weight_shift,
         "frac_bits": l.frac_bits, **l.params}
        for i, l in enumerate(artifact.layers)
    ]
    usage = {
        "neurons": (req.neurons, cap.neurons),
        "synapses": (req.synapses, cap.synapses),
        "layers": (req.layers, cap.layers),
        "fan_in": (req.max_fan_in, cap.fan_in),
        "neurons_per_layer": (req.max_neurons_per_layer, cap.neurons_per_layer),
        "steps": (req.steps, cap.steps),
    }
    lines = [
        f"topology: {'-'.join(map(str, artifact.sizes))}, {artifact.n_steps} timesteps, "
        f"encoding {artifact.encoding['kind']}",
        f"bit widths: weights {formats.WEIGHT_BITS}-bit signed [{formats.WEIGHT_MIN}, {formats.WEIGHT_MAX}], "
        f"state {formats.STATE_BITS}-bit saturating, accumulator {formats.ACC_BITS}-bit",
    ]
    for layer in layers:
        lines.append(
            f"layer {layer['index']}: {layer['neuron']} {layer['n_in']} -> {layer['n_out']}, "
            f"weight scale 2^{-layer['weight_shift']}, F={layer['frac_bits']}, "
            + ", ".join(f"{k}={v}" for k, v in artifact.layers[layer['index']].params.items())
        )
    lines.append(f"weight memory: {req.synapses * formats.WEIGHT_BITS / 8 / 1024:.1f} KiB")
    for name, (used, limit) in usage.items():
        lines.append(f"  {name:18s} {used:>8d} of {limit:>8d} ({used / limit:.1%})")
    _emit(args, {"sizes": list(artifact.sizes), "layers": layers,
                 "usage": {k: {"used": u, "capacity": c} for k, (u, c) in usage.items()}, "meta": artifact.meta}, lines)
    return 0


def cmd_demo(args) -> int:
    from .demo import run_demo

    if Path(args.out).exists() and not Path(args.out).is_dir():
        raise ValueError(f"--out {args.out} is a file: name a folder for model.pt and model.snn")
    return run_demo(args)


def cmd_convert(args) -> int:
    from .cli_convert import convert

    check_out_file(args.out)
    _emit(args, *convert(args))
    return 0


def cmd_sweep(args) -> int:
    from .cli_sweep import sweep

    summary, lines = sweep(args)
    _emit(args, summary, lines)
    return 0


COMMANDS = {
    "train": cmd_train, "export": cmd_export, "import": cmd_import, "run": cmd_run, "encode": cmd_encode,
    "verify": cmd_verify, "info": cmd_info, "demo": cmd_demo, "sweep": cmd_sweep, "convert": cmd_convert,
}


def one_line(error: BaseException) -> str:
    """An error's message on one line: its lines joined with "; " (a CapacityError lists one
    limit a line)."""
    lines = [line.strip() for line in str(error).splitlines()]
    lines = [line[2:] if line.startswith("- ") else line for line in lines if line] or [type(error).__name__]
    return lines[0] + (" " + "; ".join(lines[1:]) if len(lines) > 1 else "")


def main(argv: Optional[List[str]] = None) -> int:
    from .overlay.driver import DeviceError

    argv = sys.argv[1:] if argv is None else list(argv)
    command = next((word for word in argv if not word.startswith("-")), None)
    missing = None if {"-h", "--help"} & set(argv) else missing_extra(command)
    if missing:  # before parsing: on the board, the answer to any use of a desktop command
        print(f"pynq-snn {command}: error: {missing}", file=sys.stderr)
        return EXIT_ERROR
    args = build_parser().parse_args(argv)
    try:
        return COMMANDS[args.command](args)
    except (ValueError, OSError, MemoryError, ImportError, DeviceError) as exc:  # ImportError: a missing extra
        print(f"pynq-snn {args.command}: error: {one_line(exc)}", file=sys.stderr)
        return EXIT_ERROR


if __name__ == "__main__":
    sys.exit(main())
