"""Command line: ``pynq-snn {train,export,import,run,verify,info,demo,sweep}``.

Every command that reads data takes ``--data`` and ``--data-seed`` (the data set
and its train/test split, one default for all commands) and ``--seed`` (weight
initialization, shuffling and spike-encoding draws). ``--json`` prints one JSON
object on the last line. Errors print one line naming the problem and exit with
status 2; ``verify`` exits with 1 when any integer differs.
"""
from __future__ import annotations

import argparse
import json
import sys
from functools import partial
from pathlib import Path
from typing import Callable, List, Optional

from . import __version__
from .cli_sweep import add_parser as add_sweep_parser
from .training.neurons import NEURONS
from .training.data import DATASETS, DEFAULT_DATA_SEED, ENCODINGS, is_data_file
from .training.data.digits import STEPS as DIGITS_STEPS
from .training.options import DEFAULTS, DataDefaults, TrainOptions

#: Exit status for bad input (usage, files, capacity) and for a failed verification.
EXIT_ERROR = 2
EXIT_MISMATCH = 1


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
    parser.add_argument("--data-seed", type=int, default=DEFAULT_DATA_SEED,
                        help=f"fixes the data set and its train/test split (default {DEFAULT_DATA_SEED})")
    parser.add_argument("--seed", type=int, default=TrainOptions.seed,
                        help=f"fixes initialization, shuffling and spike-encoding draws (default {TrainOptions.seed})")


def _per_data_set(value: Callable[[DataDefaults], object]) -> str:
    """A per-data-set default as help text: ``"0.9 for digits, 0.95 for randman"``, or the value all share."""
    shown = {name: str(value(defaults)) for name, defaults in DEFAULTS.items()}
    if len(set(shown.values())) == 1:
        return next(iter(shown.values()))
    return ", ".join(f"{text} for {name}" for name, text in shown.items())


def _add_epoch_options(parser: argparse.ArgumentParser, izhikevich: bool) -> None:
    """``--epochs`` and ``--qat-epochs``; ``izhikevich`` adds the Izhikevich hidden layers' defaults to the help."""
    epochs = (
        ("--epochs", "float warm-up", lambda d: d.float_epochs, lambda d: d.izhikevich_epochs[0]),
        ("--qat-epochs", "4-bit QAT", lambda d: d.qat_epochs, lambda d: d.izhikevich_epochs[1]),
    )
    for flag, what, lif, izh in epochs:
        note = f"; {_per_data_set(izh)} with Izhikevich hidden layers" if izhikevich else ""
        parser.add_argument(flag, type=int, default=None, help=f"{what} epochs (default: {_per_data_set(lif)}{note})")


def _positive_ints(text: str) -> List[int]:
    try:
        values = [int(v) for v in text.split(",") if v.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated integers, got {text!r}")
    if not values or min(values) < 1:
        raise argparse.ArgumentTypeError(f"layer sizes must be >= 1, got {text!r}")
    return values


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
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
    hidden = _per_data_set(lambda d: ",".join(map(str, d.hidden)))
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
                   help=f"LIF leak per step in [0, 1] (default: {_per_data_set(lambda d: d.beta)})")
    p.add_argument("--threshold", type=float, default=TrainOptions.threshold,
                   help=f"firing threshold (default {TrainOptions.threshold})")
    p.add_argument("--spike-grad", default=TrainOptions.spike_grad,
                   help=f"surrogate gradient (default {TrainOptions.spike_grad})")
    p.add_argument("--batch-size", type=int, default=TrainOptions.batch_size,
                   help=f"samples per minibatch (default {TrainOptions.batch_size})")
    p.add_argument("--lr", type=float, default=TrainOptions.lr,
                   help=f"float learning rate (default {TrainOptions.lr:g})")
    p.add_argument("--qat-lr", type=float, default=TrainOptions.qat_lr,
                   help=f"QAT learning rate (default {TrainOptions.qat_lr:g})")
    p.add_argument("--out", required=True, help="checkpoint file to write (e.g. model.pt)")
    p.add_argument("--json", action="store_true", help="print a JSON summary on the last line")
    p.add_argument("--quiet", action="store_true", help="no progress bars")

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

    p = sub.add_parser("run", help="run an artifact over the test split: emulator, or the IP through its driver")
    p.add_argument("artifact")
    _add_data_options(p, required=False)
    p.add_argument("--energy-model", default="neuromorphic", help="energy preset (default neuromorphic)")
    p.add_argument("--batch-size", type=int, default=1024)
    p.add_argument("--device", choices=("auto", "board", "emulator"),
                   help="also run through the IP's driver: the board, the emulated device, or the board when "
                        "there is one (auto); reports its cycles and latency and checks its predictions")
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("verify", help="compare the quantized torch model (or an ONNX model) with the emulator, "
                                      "integer for integer")
    p.add_argument("artifact")
    p.add_argument("--model", default=None, help="checkpoint (default: the one the artifact was exported from)")
    p.add_argument("--onnx", default=None,
                   help="compare this ONNX model (export --format onnx), run by onnxruntime, with the emulator "
                        "instead of the quantized torch model")
    _add_data_options(p, required=False)
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("info", help="topology, neuron models, bit widths and memory use against the IP's capacity")
    p.add_argument("artifact")
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("demo", help="the whole chain on the embedded default data: train, export, run, verify")
    p.add_argument("--data", choices=DATASETS, default=TrainOptions.data,
                   help=f"data set (default {TrainOptions.data})")
    p.add_argument("--seed", type=int, default=TrainOptions.seed,
                   help=f"fixes initialization, shuffling and spike-encoding draws (default {TrainOptions.seed})")
    p.add_argument("--out", default="runs/demo", help="folder for model.pt and model.snn (default runs/demo)")
    _add_epoch_options(p, izhikevich=False)
    p.add_argument("--json", action="store_true")

    add_sweep_parser(sub)
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
        batch_size=args.batch_size, beta=args.beta, threshold=args.threshold, spike_grad=args.spike_grad,
    )


def cmd_train(args) -> int:
    from .pipeline import save_checkpoint, train

    options = train_options(args)
    result = train(options, progress=not args.quiet)
    save_checkpoint(result, args.out)
    summary = {
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
        f"wrote {args.out}",
    ])
    return 0


def _mean(values) -> Optional[float]:
    return sum(values) / len(values) if values else None


def cmd_export(args) -> int:
    from .pipeline import export_checkpoint

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


def _test_inputs(artifact, data: Optional[str], data_seed: int, seed: int, data_dir: Optional[str] = None):
    """The artifact's data set (or ``data``), test split, encoded with the artifact's encoding."""
    from .overlay.encoding import Encoding
    from .training.data import encode_test_split, load_dataset

    data = data or artifact.meta.get("data")
    if data is None:
        raise ValueError("the artifact does not record its data set: pass --data")
    recorded = artifact.meta.get("data_seed")
    if recorded is not None and recorded != data_seed:
        print(f"warning: the model was trained with --data-seed {recorded}, evaluating with {data_seed}: "
              "its test split may overlap the training data", file=sys.stderr)
    delta = "delta" if artifact.encoding["kind"] == "delta" else None  # a series, not spikes
    dataset = load_dataset(data, data_seed, data_dir, delta, steps=artifact.n_steps)  # a raster's T is the artifact's
    return encode_test_split(dataset, Encoding.from_dict(artifact.encoding), seed), dataset.test.y, data


def cmd_run(args) -> int:
    from .host.evaluate import run_artifact
    from .host.report import report_lines
    from .overlay.artifact import load

    artifact = load(args.artifact)
    spikes, labels, data = _test_inputs(artifact, args.data, args.data_seed, args.seed, args.data_dir)
    device = None
    if args.device:  # opened and loaded first: a missing board or a refused network stops before any work
        from .host.device import open_device

        device = open_device(args.device)
        device.load(artifact)
    report = run_artifact(artifact, spikes, labels, batch_size=args.batch_size, energy_model=args.energy_model)
    summary = {"artifact": str(args.artifact), "data": data, "backend": "emulator", **report.to_dict()}
    lines = [f"backend: emulator, data {data} (test split, {report.n_samples} samples)"] + report_lines(report)
    if device is not None:
        import numpy as np

        result = device.run(spikes, labels)
        same = bool(np.array_equal(result.predictions, report.predictions))
        summary["device"] = {"backend": result.backend, "accuracy": result.accuracy, "cycles": result.cycles,
                             "ip_seconds": result.ip_seconds, "latency_s": result.latency_s,
                             "power_w": result.power_w, "predictions_equal_the_emulator": same}
        power = f"{result.power_w:.2f} W" if result.power_w is not None else "not measured"
        lines += [
            f"device ({result.backend}):      accuracy {result.accuracy:.2%}, predictions equal the emulator's: "
            f"{'yes' if same else 'NO'}",
            f"IP cycles:              {result.cycles} ({result.cycles / report.n_samples:.0f} per sample, "
            f"{result.ip_seconds * 1e6 / report.n_samples:.1f} us per sample at the IP's clock)",
            f"device latency:         {result.latency_s * 1e3:.1f} ms for the batch (host wall time); power {power}",
        ]
    _emit(args, summary, lines)
    return 0 if not args.device or summary["device"]["predictions_equal_the_emulator"] else 1


def _checkpoint_for(artifact, artifact_path, model: Optional[str]):
    """The checkpoint the artifact came from (``--model`` or the recorded one), hash-checked."""
    from .pipeline import file_sha256, load_checkpoint

    if model is None:
        recorded = artifact.meta.get("checkpoint")
        if recorded is None:
            raise ValueError("the artifact does not record its checkpoint: pass --model")
        model = Path(artifact_path).resolve().parent / recorded
    expected = artifact.meta.get("checkpoint_sha256")
    if not Path(model).is_file():
        raise FileNotFoundError(f"no checkpoint at {model}: pass --model")
    if expected is not None and file_sha256(model) != expected:
        raise ValueError(f"{model} is not the checkpoint this artifact was exported from (SHA-256 differs)")
    return load_checkpoint(model)


def cmd_verify(args) -> int:
    from .overlay.artifact import load

    artifact = load(args.artifact)
    if args.onnx:  # the file is checked before any data is loaded
        from .quant.onnx_run import compare_onnx, open_session

        other, compare = "ONNX model in onnxruntime", partial(compare_onnx, open_session(args.onnx, artifact))
    else:
        from .verify import compare as compare_torch

        checkpoint = _checkpoint_for(artifact, args.artifact, args.model)
        other, compare = "quantized torch model", partial(compare_torch, checkpoint.model)
    spikes, _, data = _test_inputs(artifact, args.data, args.data_seed, args.seed, args.data_dir)
    report = compare(artifact, spikes)
    verdict = "PASS: bit-exact" if report.ok else f"FAIL: the emulator differs from the {other}"
    _emit(args, {"artifact": str(args.artifact), "onnx": args.onnx, "data": data, **report.to_dict()}, [
        f"compared {report.n_samples} samples of {data}: {other} vs emulator",
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

    artifact = load(args.artifact)
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

    return run_demo(args)


def cmd_sweep(args) -> int:
    from .cli_sweep import sweep

    summary, lines = sweep(args)
    _emit(args, summary, lines)
    return 0


COMMANDS = {
    "train": cmd_train, "export": cmd_export, "import": cmd_import, "run": cmd_run, "verify": cmd_verify,
    "info": cmd_info, "demo": cmd_demo, "sweep": cmd_sweep,
}


def main(argv: Optional[List[str]] = None) -> int:
    from .overlay.driver import DeviceError

    args = build_parser().parse_args(argv)
    try:
        return COMMANDS[args.command](args)
    except (ValueError, FileNotFoundError, MemoryError, DeviceError) as exc:
        print(f"pynq-snn {args.command}: error: {exc}", file=sys.stderr)
        return EXIT_ERROR


if __name__ == "__main__":
    sys.exit(main())
