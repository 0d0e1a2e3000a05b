"""Make the files that board.ipynb runs: a trained network and its encoded test split.

Desktop only (needs the ``desktop`` extra: torch, snnTorch, Brevitas, scikit-learn).
Trains a digits network (LIF, 64-128-10 as board.ipynb says, float warm-up then 4-bit QAT,
seed 0), exports it, checks the export bit-exact against the quantized torch model,
and writes next to this script (or into ``--out``):

``digits.snn``
    the artifact (4-bit weights, neuron parameters, encoding, provenance in ``meta``).
``digits_test.npz``
    the test split exactly as ``pynq-snn run --seed 0`` encodes it, as encoded inputs
    (``pynq_snn/host/inputs.py``): ``spikes_packed`` uint8 = ``np.packbits(spikes, axis=2)``
    of the spikes uint8 [T, N, C], ``shape`` = (T, N, C), ``labels`` int64 [N], and the seeds.

    python notebooks/make_board_data.py
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=HERE, help="folder to write into (default: beside this script)")
    parser.add_argument("--seed", type=int, default=0, help="training and test-encoding seed (default 0)")
    args = parser.parse_args(argv)

    from pynq_snn.host.evaluate import run_artifact
    from pynq_snn.host.inputs import load_inputs, save_inputs
    from pynq_snn.overlay.artifact import save
    from pynq_snn.pipeline import train
    from pynq_snn.quant.export import to_artifact
    from pynq_snn.training.options import TrainOptions
    from pynq_snn.verify import compare

    result = train(TrainOptions(data="digits", hidden=[128], seed=args.seed))
    options = result.options
    spikes = result.test_spikes
    labels = np.asarray(result.dataset.test.y, dtype=np.int64)
    meta = {
        "data": options.data,
        "data_seed": options.data_seed,
        "seed": options.seed,
        "neuron": options.neuron,
        "float_epochs": options.float_epochs,
        "qat_epochs": options.qat_epochs,
        "float_accuracy": result.float_accuracy,
        "quant_accuracy": result.quant_accuracy,
        "test_data": "digits_test.npz",
    }
    artifact = to_artifact(result.quant_model, result.encoding.to_dict(), meta)
    check = compare(result.quant_model, artifact, spikes)
    if not check.ok:
        print(f"export is not bit-exact: {check.to_dict()}", file=sys.stderr)
        return 1
    report = run_artifact(artifact, spikes, labels)

    args.out.mkdir(parents=True, exist_ok=True)
    snn_path, npz_path = args.out / "digits.snn", args.out / "digits_test.npz"
    save(artifact, snn_path)
    save_inputs(npz_path, spikes, labels, seed=options.seed, data_seed=options.data_seed)
    # The file must give back exactly these spikes.
    assert np.array_equal(load_inputs(npz_path).spikes, spikes), "packbits round trip changed the spikes"

    print(f"float accuracy {result.float_accuracy:.2%}, 4-bit {result.quant_accuracy:.2%}, "
          f"emulator {report.accuracy:.2%}; bit-exact over {check.n_samples} samples")
    for path in (snn_path, npz_path):
        print(f"wrote {path.name}: {path.stat().st_size} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
