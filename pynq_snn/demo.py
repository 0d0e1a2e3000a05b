"""The main job: train -> 4-bit QAT -> export -> emulator -> verify, with one summary.

Uses the embedded default data (Randman, generated; no download) unless told
otherwise, writes ``model.pt`` and ``model.snn`` into the output folder, and prints
float, 4-bit and emulator accuracy, the bit-exactness verdict, spike rates, work
counts, estimated energy and the emulator's throughput.
"""
from __future__ import annotations

import json
from pathlib import Path


def run_demo(args) -> int:
    from .host.evaluate import run_artifact
    from .host.report import report_lines
    from .pipeline import export_checkpoint, save_checkpoint, train
    from .training.options import TrainOptions
    from .verify import compare

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    options = TrainOptions(data=args.data, seed=args.seed, float_epochs=args.epochs, qat_epochs=args.qat_epochs)
    print(f"[1/4] training on {args.data} (float warm-up, then 4-bit QAT)")
    result = train(options)
    checkpoint, artifact_path = out / "model.pt", out / "model.snn"
    save_checkpoint(result, checkpoint)
    print(f"[2/4] exporting {checkpoint} -> {artifact_path}")
    artifact = export_checkpoint(checkpoint, artifact_path)
    spikes = result.test_spikes
    print(f"[3/4] running {artifact_path} on the emulator ({spikes.shape[1]} test samples)")
    report = run_artifact(artifact, spikes, result.dataset.test.y)
    print("[4/4] verifying the emulator against the quantized torch model")
    check = compare(result.quant_model, artifact, spikes)
    float_epoch = sum(e.seconds for e in result.float_history) / max(len(result.float_history), 1)
    qat_epoch = sum(e.seconds for e in result.qat_history) / max(len(result.qat_history), 1)
    lines = [
        "",
        f"== pynq-snn demo: {'-'.join(map(str, artifact.sizes))} {result.options.neuron} on {args.data}, "
        f"{artifact.n_steps} timesteps ==",
        f"float accuracy:         {result.float_accuracy:.2%}",
        f"4-bit accuracy:         {result.quant_accuracy:.2%} (quantized torch model)",
        f"emulator accuracy:      {report.accuracy:.2%}",
        "bit-exact:              "
        + ("yes" if check.ok else "NO")
        + f" ({check.output_spike_mismatches} output spike, {check.raster_mismatches} raster and "
        f"{check.state_mismatches} state mismatches over {check.n_samples} samples)",
        f"training time:          {float_epoch:.2f} s per float epoch, {qat_epoch:.2f} s per QAT epoch",
    ] + report_lines(report, accuracy=False) + [f"files:                  {checkpoint}, {artifact_path}"]
    for line in lines:
        print(line)
    if args.json:
        print(json.dumps({
            "float_accuracy": result.float_accuracy,
            "quant_accuracy": result.quant_accuracy,
            "bit_exact": check.ok,
            "verify": check.to_dict(),
            **report.to_dict(),
        }))
    return 0 if check.ok else 1
