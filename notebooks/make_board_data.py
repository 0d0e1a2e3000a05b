"""Make the files that the board notebooks run: a trained network and its encoded test inputs.

Desktop only (needs the ``desktop`` extra: torch, snnTorch, Brevitas, scikit-learn).
For ``--data`` (default ``digits``) it trains a LIF network with the toolkit's defaults
(float warm-up, then 4-bit QAT, seed 0), exports it and checks the export bit-exact
against the quantized torch model on the shipped inputs; or, with ``--artifact FILE.snn``,
takes a network already trained and exported (for example by ``python bench/accuracy.py
run fashion-mnist --seeds 0 --artifact-dir DIR``) and only encodes. It writes next to
this script (or into ``--out``):

==================  ==========================  ==========================================
``--data``          files                       network, shipped test samples
==================  ==========================  ==========================================
``digits``          ``digits.snn``,             64-128-10 (board.ipynb); all 449
                    ``digits_test.npz``
``fashion-mnist``   ``fashion_mnist.snn``,      784-512-10 (fashion_mnist_board.ipynb);
                    ``fashion_mnist_test.npz``  the first 100 of 10000 (``--test-samples``)
==================  ==========================  ==========================================

``*.snn``
    the artifact (4-bit weights, neuron parameters, encoding). Its ``meta`` records the
    data set, ``data_seed`` and ``seed``, ``quant_accuracy`` (the 4-bit network's
    accuracy on the whole test split, from the bit-exact emulator), ``test_data`` (the
    ``.npz`` file's name), ``test_samples`` and ``test_accuracy`` (the accuracy on those
    samples, which the board must reproduce); trained here, also the epochs and the float
    accuracy.
``*_test.npz``
    the first samples of the test split exactly as ``pynq-snn run --seed S`` encodes the
    whole split, as encoded inputs (``pynq_snn/host/inputs.py``): ``spikes_packed`` uint8
    = ``np.packbits(spikes, axis=2)`` of the spikes uint8 [T, N, C], ``shape`` = (T, N,
    C), ``labels`` int64 [N], the data set's name and the seeds.

    python notebooks/make_board_data.py
    python notebooks/make_board_data.py --data fashion-mnist --artifact fashion-mnist_seed0.snn
"""
from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path
from typing import Optional

import numpy as np

HERE = Path(__file__).resolve().parent

#: Per data set: the training options beyond the toolkit's defaults, the files' stem and
#: the test samples shipped by default (None: the whole split).
BOARD_DATA = {
    "digits": (dict(hidden=[128]), "digits", None),
    "fashion-mnist": ({}, "fashion_mnist", 100),
}


def trained(data: str, seed: int):
    """Train ``data``'s board network with seed ``seed``: ``(artifact, dataset, quantized model)``."""
    from pynq_snn.pipeline import train, training_meta
    from pynq_snn.quant.export import to_artifact
    from pynq_snn.training.options import TrainOptions

    result = train(TrainOptions(data=data, seed=seed, **BOARD_DATA[data][0]))
    return to_artifact(result.quant_model, result.encoding.to_dict(), training_meta(result)), result.dataset, \
        result.quant_model


def exported(path: Path, data: str, seed: int):
    """The artifact in ``path``, trained on ``data`` with seed ``seed``: ``(artifact, dataset, None)``.
    The data set is split by the ``data_seed`` the artifact records (the default if it records none);
    an artifact that records another data set or training seed is refused (SystemExit, one line)."""
    from pynq_snn.overlay.artifact import load
    from pynq_snn.training.data import DEFAULT_DATA_SEED, load_dataset

    artifact = load(path)
    for key, wanted in (("data", data), ("seed", seed)):
        recorded = artifact.meta.get(key, wanted)
        if recorded != wanted:
            raise SystemExit(f"{path} records {key} {recorded!r}, not {wanted!r}: pass --{key} {recorded}")
    data_seed = artifact.meta.get("data_seed", DEFAULT_DATA_SEED)
    neurons = sorted({layer.neuron for layer in artifact.layers})
    meta = {**artifact.meta, "data": data, "data_seed": data_seed, "seed": seed, "neuron": ", ".join(neurons)}
    return replace(artifact, meta=meta), load_dataset(data, data_seed), None


def write_board_files(artifact, dataset, seed: int, test_samples: Optional[int], out: Path, stem: str,
                      model=None) -> int:
    """Encode ``dataset``'s test split as ``pynq-snn run --seed seed`` does, keep its first
    ``test_samples`` (None: all), check ``model`` (if given) bit-exact with ``artifact`` on them,
    and write ``stem.snn`` and ``stem_test.npz`` into ``out``, the accuracies in the artifact's
    meta. Returns the exit status."""
    from pynq_snn.host.evaluate import run_artifact
    from pynq_snn.host.inputs import load_inputs, save_inputs
    from pynq_snn.overlay.artifact import save
    from pynq_snn.overlay.encoding import Encoding
    from pynq_snn.training.data import encode_test_split

    spikes = encode_test_split(dataset, Encoding.from_dict(artifact.encoding), seed)
    labels = np.asarray(dataset.test.y, dtype=np.int64)
    whole = run_artifact(artifact, spikes, labels)  # bit-exact: the 4-bit network's accuracy
    n_samples = len(labels) if test_samples is None else min(test_samples, len(labels))
    spikes, labels = np.ascontiguousarray(spikes[:, :n_samples]), labels[:n_samples]
    checked = ""
    if model is not None:
        from pynq_snn.verify import compare

        check = compare(model, artifact, spikes)
        if not check.ok:
            print(f"export is not bit-exact: {check.to_dict()}", file=sys.stderr)
            return 1
        checked = f"; bit-exact over {check.n_samples} samples"
    shipped_accuracy = float(np.mean(whole.predictions[:n_samples] == labels))  # samples run independently
    snn_path, npz_path = out / f"{stem}.snn", out / f"{stem}_test.npz"
    meta = artifact.meta
    artifact = replace(artifact, meta={**meta, "quant_accuracy": whole.accuracy, "test_data": npz_path.name,
                                       "test_samples": n_samples, "test_accuracy": shipped_accuracy})

    out.mkdir(parents=True, exist_ok=True)
    save(artifact, snn_path)
    save_inputs(npz_path, spikes, labels, data=meta["data"], seed=seed, data_seed=meta["data_seed"])
    # The file must give back exactly these spikes.
    assert np.array_equal(load_inputs(npz_path).spikes, spikes), "packbits round trip changed the spikes"

    floating = f"float accuracy {meta['float_accuracy']:.2%}, " if "float_accuracy" in meta else ""
    print(f"{floating}4-bit {whole.accuracy:.2%} on the {whole.n_samples} test samples (emulator), "
          f"{shipped_accuracy:.2%} on the {n_samples} shipped{checked}")
    for path in (snn_path, npz_path):
        print(f"wrote {path.name}: {path.stat().st_size} bytes")
    return 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", choices=tuple(BOARD_DATA), default="digits", help="data set (default digits)")
    parser.add_argument("--artifact", type=Path, default=None,
                        help="a network already trained on --data with --seed and exported: encode only")
    parser.add_argument("--test-samples", type=int, default=None,
                        help="ship the first N test samples (default: all 449 for digits, 100 for fashion-mnist)")
    parser.add_argument("--out", type=Path, default=HERE, help="folder to write into (default: beside this script)")
    parser.add_argument("--seed", type=int, default=0, help="training and test-encoding seed (default 0)")
    args = parser.parse_args(argv)
    if args.test_samples is not None and args.test_samples < 1:
        parser.error(f"--test-samples must be at least 1, got {args.test_samples}")

    _, stem, test_samples = BOARD_DATA[args.data]
    if args.artifact is None:
        artifact, dataset, model = trained(args.data, args.seed)
    else:
        try:
            artifact, dataset, model = exported(args.artifact, args.data, args.seed)
        except (OSError, ValueError) as unreadable:  # a missing file, or the loader's ArtifactError
            parser.error(f"--artifact: {unreadable}")
    return write_board_files(artifact, dataset, args.seed, args.test_samples or test_samples, args.out, stem, model)


if __name__ == "__main__":
    sys.exit(main())
