"""The desktop chain: float warm-up, 4-bit QAT, evaluation, checkpoint files, export.

``train(options)`` generates the data set (fixed by ``data_seed``), trains the
float network, copies it into the quantized network, fine-tunes that with QAT,
and measures both on the test split encoded with ``seed``: the same inputs that
``pynq-snn run --seed`` and ``pynq-snn verify --seed`` use.
"""
from __future__ import annotations

import hashlib
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import List

import numpy as np
import torch

from .overlay.artifact import Artifact, save
from .overlay.encoding import Encoding
from .quant.export import to_artifact
from .quant.onnx_export import save_onnx
from .quant.network import QuantSpikingMLP
from .training.data import Dataset, encode_test_split, load_dataset
from .training.network import NetworkConfig, SpikingMLP
from .training.options import TrainOptions
from .training.trainer import EpochStats, evaluate, fit

CHECKPOINT_FORMAT = "pynq-snn-checkpoint"
#: 2: a layer's neuron parameters live under ``layers.<i>.neuron``.
CHECKPOINT_VERSION = 2


@dataclass
class TrainResult:
    """What training produced: both networks, their test accuracies, the inputs and the history.

    ``test_spikes`` is the test split of ``dataset`` as uint8 spikes [T, N, C], encoded
    with ``options.seed``: the inputs both accuracies were measured on, and the ones
    ``pynq-snn run`` and ``verify`` use.
    """

    options: TrainOptions
    encoding: Encoding
    dataset: Dataset
    test_spikes: np.ndarray
    float_model: SpikingMLP
    quant_model: QuantSpikingMLP
    float_accuracy: float
    quant_accuracy: float
    float_history: List[EpochStats] = field(default_factory=list)
    qat_history: List[EpochStats] = field(default_factory=list)


def train(options: TrainOptions, progress: bool = True) -> TrainResult:
    """Float warm-up, then QAT; see the module docstring."""
    options = options.resolved()
    steps = {} if options.steps is None else {"steps": options.steps}
    dataset = load_dataset(options.data, data_seed=options.data_seed, data_dir=options.data_dir,
                           encoding=options.encoding, **steps)
    config = NetworkConfig(
        sizes=[dataset.n_inputs, *options.hidden, dataset.n_classes],
        neuron=options.neuron,
        output_neuron=options.output_neuron,
        preset=options.preset,
        learn_params=options.learn_params,
        beta=options.beta,
        threshold=options.threshold,
        spike_grad=options.spike_grad,
    )
    torch.manual_seed(options.seed)
    rng = np.random.default_rng(options.seed)
    float_model = SpikingMLP(config)
    common = dict(split=dataset.train, encoding=dataset.encoding, rng=rng, batch_size=options.batch_size, progress=progress)
    float_history = fit(float_model, epochs=options.float_epochs, lr=options.lr, desc="float", **common)
    quant_model = QuantSpikingMLP.from_float(float_model)
    qat_history = fit(quant_model, epochs=options.qat_epochs, lr=options.qat_lr, desc="4-bit QAT", **common)
    spikes = encode_test_split(dataset, dataset.encoding, options.seed)
    return TrainResult(
        options=options,
        encoding=dataset.encoding,
        dataset=dataset,
        test_spikes=spikes,
        float_model=float_model,
        quant_model=quant_model,
        float_accuracy=evaluate(float_model, spikes, dataset.test.y),
        quant_accuracy=evaluate(quant_model, spikes, dataset.test.y),
        float_history=float_history,
        qat_history=qat_history,
    )


def save_checkpoint(result: TrainResult, path) -> str:
    """Write the quantized model and its provenance; return the file's SHA-256."""
    payload = {
        "format": CHECKPOINT_FORMAT,
        "version": CHECKPOINT_VERSION,
        "options": asdict(result.options),
        "network": result.quant_model.config.to_dict(),
        "encoding": result.encoding.to_dict(),
        "state_dict": result.quant_model.state_dict(),
        "metrics": {"float_accuracy": result.float_accuracy, "quant_accuracy": result.quant_accuracy},
        "history": {
            "float": [asdict(e) for e in result.float_history],
            "qat": [asdict(e) for e in result.qat_history],
        },
    }
    path = Path(path)
    torch.save(payload, path)
    return file_sha256(path)


def file_sha256(path) -> str:
    """Hex SHA-256 of a file's bytes."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


@dataclass
class Checkpoint:
    """A loaded checkpoint: the quantized model (eval mode) and what made it."""

    model: QuantSpikingMLP
    options: TrainOptions
    encoding: Encoding
    metrics: dict
    history: dict


def load_checkpoint(path) -> Checkpoint:
    """Read a checkpoint written by :func:`save_checkpoint` (tensors only, no pickled code)."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no checkpoint at {path}")
    try:
        payload = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # torch raises several types for a damaged file
        raise ValueError(f"{path} is not a readable pynq-snn checkpoint: {exc}") from exc
    if not isinstance(payload, dict) or payload.get("format") != CHECKPOINT_FORMAT:
        raise ValueError(f"{path} is not a pynq-snn checkpoint")
    if payload.get("version") != CHECKPOINT_VERSION:
        raise ValueError(
            f"{path}: checkpoint version {payload.get('version')}, this version reads {CHECKPOINT_VERSION}"
        )
    model = QuantSpikingMLP(NetworkConfig(**payload["network"]))
    model.load_state_dict(payload["state_dict"])
    model.eval()
    return Checkpoint(
        model=model,
        options=TrainOptions(**payload["options"]),
        encoding=Encoding.from_dict(payload["encoding"]),
        metrics=payload["metrics"],
        history=payload["history"],
    )


#: What ``export`` writes, by ``--format``: the deployment artifact, or the ONNX model of it
#: (``quant/onnx_export.py``).
EXPORT_FORMATS = {"artifact": save, "onnx": save_onnx}


def export_checkpoint(checkpoint_path, artifact_path, file_format: str = "artifact") -> Artifact:
    """Load a checkpoint, export it and write it in ``file_format`` (a key of :data:`EXPORT_FORMATS`);
    return the artifact.

    The artifact's ``meta`` records the data set, its seed, the neuron model, both
    test accuracies, and the checkpoint (its path relative to the artifact's folder
    and its SHA-256), which ``pynq-snn verify`` finds and checks.
    """
    checkpoint = load_checkpoint(checkpoint_path)
    artifact_dir = Path(artifact_path).resolve().parent
    meta = {
        "data": checkpoint.options.data,
        "data_seed": checkpoint.options.data_seed,
        "neuron": checkpoint.options.neuron,
        "float_accuracy": checkpoint.metrics["float_accuracy"],
        "quant_accuracy": checkpoint.metrics["quant_accuracy"],
        "checkpoint": os.path.relpath(Path(checkpoint_path).resolve(), artifact_dir),
        "checkpoint_sha256": file_sha256(checkpoint_path),
    }
    artifact = to_artifact(checkpoint.model, checkpoint.encoding.to_dict(), meta)
    EXPORT_FORMATS[file_format](artifact, artifact_path)
    return artifact
