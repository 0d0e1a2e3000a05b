"""The desktop chain: float warm-up, 4-bit QAT, evaluation, checkpoint files, export.

``train(options)`` generates the data set (fixed by ``data_seed``), trains the
float network, copies it into the quantized network, fine-tunes that with QAT (its
learning rate annealed to 0, ``training/trainer.py``),
and measures both on the test split encoded with ``seed``: the same inputs that
``pynq-snn run --seed`` and ``pynq-snn verify --seed`` use. Training computes on
the ``device`` it is given (``devices.py``); the networks it returns, and the
checkpoints, are on the CPU.
"""
from __future__ import annotations

import hashlib
import os
import warnings
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any, Callable, List, Optional

import numpy as np
import torch

from .overlay.artifact import Artifact, save
from .overlay.capacity import CapacityError, Requirements, check_fits
from .overlay.encoding import Encoding
from .marked_file import load_marked
from .overlay.quote import quote
from .quant.export import to_artifact
from .quant.layer_spec import layer_specs, network_from_specs
from .quant.onnx_export import save_onnx
from .quant.network import QuantSpikingMLP, QuantSpikingNetwork
from .quant.nir_in import from_nir, read_nir
from .quant.nir_out import METADATA_KEY, save_nir
from .training.data import DEFAULT_DATA_SEED, Dataset, encode_test_split, load_dataset
from .training.network import NetworkConfig, SpikingMLP
from .training.options import TrainOptions, defaults_for
from .training.trainer import EpochStats, evaluate, fit

CHECKPOINT_FORMAT = "pynq-snn-checkpoint"
#: 2: a layer's neuron parameters live under ``layers.<i>.neuron``. 3: a network built from no
#: ``NetworkConfig`` (an imported graph) is recorded layer by layer (``quant/layer_spec.py``),
#: and ``meta`` holds what export copies into the artifact's meta.
CHECKPOINT_VERSION = 3


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


def train(options: TrainOptions, progress: bool = True, warn: Optional[Callable[[str], None]] = None,
          device: Optional[torch.device] = None) -> TrainResult:
    """Float warm-up, then QAT, on ``device`` (the CPU by default); see the module docstring.

    Both networks are initialized on the CPU, so a seed gives the same start on every device,
    and come back to it when trained. Before any training, a network the default build of
    the IP cannot hold is named through ``warn`` (a ``warnings.warn`` by default): it trains,
    but export will refuse it.
    """
    options = options.resolved()
    steps = {} if options.steps is None else {"steps": options.steps}
    dataset = load_dataset(options.data, data_seed=options.data_seed, data_dir=options.data_dir,
                           encoding=options.encoding, **steps)
    config = NetworkConfig.from_options(options, [dataset.n_inputs, *options.hidden, dataset.n_classes])
    _warn_if_too_big(config.sizes, dataset.encoding.steps, warn or warnings.warn)
    torch.manual_seed(options.seed)
    rng = np.random.default_rng(options.seed)
    device = torch.device("cpu") if device is None else device
    float_model = SpikingMLP(config).to(device)
    common = dict(split=dataset.train, encoding=dataset.encoding, rng=rng, batch_size=options.batch_size,
                  weight_decay=options.weight_decay, progress=progress)
    float_history = fit(float_model, epochs=options.float_epochs, lr=options.lr, desc="float", **common)
    quant_model = QuantSpikingMLP.from_float(float_model).to(device)
    qat_history = fit(quant_model, epochs=options.qat_epochs, lr=options.qat_lr, desc="4-bit QAT", anneal=True,
                      **common)
    spikes = encode_test_split(dataset, dataset.encoding, options.seed)
    float_accuracy, quant_accuracy = evaluate(float_model, spikes, dataset.test.y), evaluate(quant_model, spikes,
                                                                                            dataset.test.y)
    return TrainResult(
        options=options,
        encoding=dataset.encoding,
        dataset=dataset,
        test_spikes=spikes,
        float_model=float_model.cpu(),
        quant_model=quant_model.cpu(),
        float_accuracy=float_accuracy,
        quant_accuracy=quant_accuracy,
        float_history=float_history,
        qat_history=qat_history,
    )


def _warn_if_too_big(sizes: List[int], steps: int, warn: Callable[[str], None]) -> None:
    """``warn`` with every limit of the default build that a network of ``sizes`` breaks, if any."""
    try:
        check_fits(Requirements.from_sizes(tuple(sizes), steps))
    except CapacityError as too_big:
        warn(f"the SNN core IP cannot hold this network ({'; '.join(too_big.violations)}): it trains, "
             "but export will refuse it")


def training_meta(result: TrainResult) -> dict:
    """What an artifact exported from ``result`` records of its training (its ``meta``): the data
    set, ``data_seed``, training ``seed``, hidden neuron model, epochs and float test accuracy."""
    options = result.options
    return {"data": options.data, "data_seed": options.data_seed, "seed": options.seed, "neuron": options.neuron,
            "float_epochs": options.float_epochs, "qat_epochs": options.qat_epochs,
            "float_accuracy": result.float_accuracy}


def save_checkpoint(result: TrainResult, path) -> str:
    """Write the quantized model and its provenance; return the file's SHA-256."""
    options = result.options
    return _save(
        path, result.quant_model, result.encoding,
        meta={"data": options.data, "data_seed": options.data_seed, "neuron": options.neuron},
        options=asdict(options),
        metrics={"float_accuracy": result.float_accuracy, "quant_accuracy": result.quant_accuracy},
        history={"float": [asdict(e) for e in result.float_history], "qat": [asdict(e) for e in result.qat_history]},
    )


def save_network_checkpoint(model: QuantSpikingNetwork, encoding: Encoding, meta: dict, path) -> str:
    """Write a checkpoint of a network that was not trained here (an imported graph, a converted
    snnTorch model) with its ``encoding`` and ``meta`` (plain values, copied into the exported
    artifact's meta); return the file's SHA-256."""
    return _save(path, model, encoding, meta)


def _save(path, model: QuantSpikingNetwork, encoding: Encoding, meta: dict, options: Optional[dict] = None,
          metrics: Optional[dict] = None, history: Optional[dict] = None) -> str:
    built_from_config = isinstance(model, QuantSpikingMLP)
    payload = {
        "format": CHECKPOINT_FORMAT,
        "version": CHECKPOINT_VERSION,
        "options": options,
        "network": model.config.to_dict() if built_from_config else None,
        "layers": None if built_from_config else layer_specs(model),
        "encoding": encoding.to_dict(),
        "state_dict": _cpu_state(model),
        "meta": dict(meta),
        "metrics": dict(metrics or {}),
        "history": dict(history or {}),
    }
    path = Path(path)
    torch.save(payload, path)
    return file_sha256(path)


def _cpu_state(model: torch.nn.Module) -> dict:
    """``model``'s state_dict with every tensor on the CPU, so that the checkpoint loads on any
    machine; its version metadata kept. On the CPU it is the state_dict itself."""
    state = model.state_dict()
    on_cpu = type(state)((name, value.cpu()) for name, value in state.items())
    on_cpu._metadata = getattr(state, "_metadata", None)
    return on_cpu


def file_sha256(path) -> str:
    """Hex SHA-256 of a file's bytes."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


@dataclass
class Checkpoint:
    """A loaded checkpoint: the quantized model (eval mode) and what made it.

    ``options`` is ``None`` for a network that was not trained here; ``meta`` is what
    export copies into the artifact's meta, with ``metrics``.
    """

    model: QuantSpikingNetwork
    options: Optional[TrainOptions]
    encoding: Encoding
    metrics: dict
    history: dict
    meta: dict


#: The keys of a checkpoint, as :func:`_save` writes them.
CHECKPOINT_KEYS = ("format", "version", "options", "network", "layers", "encoding", "state_dict", "meta", "metrics",
                   "history")


def _check_keys(value: Any, expected, where: str) -> dict:
    """``value`` if it is a dict with exactly the keys ``expected``; ValueError naming the others."""
    if not isinstance(value, dict):
        raise ValueError(f"{where} must be a dict, got {type(value).__name__}")
    missing = [key for key in expected if key not in value]
    unknown = sorted(set(value) - set(expected), key=str)
    if missing or unknown:
        found = [f"missing key(s) {missing}"] if missing else []
        found += [f"unknown key(s) {quote(unknown)}"] if unknown else []
        raise ValueError(f"{where}: {', '.join(found)}")
    return value


#: Settings added after checkpoint version 3, and the value that a checkpoint written before
#: them trained with: no weight decay, the scale of the largest weight, the model's own current gain
#: and its preset's threshold.
LATER_OPTIONS = {"weight_decay": 0.0, "scale_percentile": 100.0, "izhikevich_gain_shift": 0,
                 "izhikevich_threshold": None}
LATER_NETWORK = {"scale_percentile": 100.0, "izhikevich_gain_shift": 0, "izhikevich_threshold": None}


def _with_later(values: Any, later: dict) -> Any:
    """``values`` from a checkpoint with the ``later`` settings it lacks added (as it was trained);
    anything that is not a dict as it is."""
    return {**later, **values} if isinstance(values, dict) else values


def load_checkpoint(path) -> Checkpoint:
    """Read a checkpoint written by :func:`save_checkpoint` (tensors only, no pickled code).

    Raises FileNotFoundError for a missing file and ValueError, naming the file, for anything
    that is not such a checkpoint: another file, a damaged one, missing or unknown keys, a state
    that does not fit the network, or an unknown data set.
    """
    payload = load_marked(path, "pynq-snn checkpoint", CHECKPOINT_FORMAT, CHECKPOINT_VERSION,
                          "train or import the model again")
    _check_keys(payload, CHECKPOINT_KEYS, f"{path}")
    for name in ("meta", "metrics", "history"):
        if not isinstance(payload[name], dict):
            raise ValueError(f"{path}: {name} must be a dict, got {type(payload[name]).__name__}")
    try:
        if payload["network"] is not None:
            network = _check_keys(_with_later(payload["network"], LATER_NETWORK), [f.name for f in fields(NetworkConfig)],
                                  f"{path}: network")
            model = QuantSpikingMLP(NetworkConfig(**network))
        else:
            model = network_from_specs(payload["layers"])
        options = None
        if payload["options"] is not None:
            options = TrainOptions(**_check_keys(_with_later(payload["options"], LATER_OPTIONS),
                                                 [f.name for f in fields(TrainOptions)], f"{path}: options"))
            defaults_for(options.data)
        if "data" in payload["meta"]:
            defaults_for(payload["meta"]["data"])
        encoding = Encoding.from_dict(payload["encoding"])
    except (TypeError, KeyError) as exc:
        raise ValueError(f"{path}: not a network this version builds: {quote(str(exc))}") from None
    except ValueError as exc:
        raise ValueError(f"{path}: {exc}") from None
    try:
        model.load_state_dict(payload["state_dict"])
    except (RuntimeError, TypeError, AttributeError) as exc:
        first = (str(exc).strip().splitlines() or [""])[0]
        raise ValueError(f"{path}: its state_dict does not fit the network ({quote(first)})") from None
    model.eval()
    return Checkpoint(model=model, options=options, encoding=encoding, metrics=payload["metrics"],
                      history=payload["history"], meta=payload["meta"])


#: The encoding of an imported graph when neither the graph nor the command line names one:
#: rate coding over 25 timesteps (the digits' default).
IMPORT_ENCODING = Encoding("rate", 25)


def import_nir(graph_path, checkpoint_path, kind: Optional[str] = None, steps: Optional[int] = None,
               data: Optional[str] = None, data_seed: Optional[int] = None) -> Checkpoint:
    """Read a NIR graph (``quant/nir_in.py``) and write a checkpoint that export, run and verify take.

    The input encoding is the one the graph records (``export --format nir`` records it), else
    :data:`IMPORT_ENCODING`, with ``kind`` ("rate" or "raster") and ``steps`` replacing
    its parts. ``data`` and ``data_seed`` (else the graph's record) name the data set that
    run and verify read. Raises ConversionError (a ValueError) listing all the IP cannot run.
    """
    graph = read_nir(graph_path)
    model = from_nir(graph)
    record = graph.metadata.get(METADATA_KEY, {})
    record = record if isinstance(record, dict) else {}
    encoding = dict(record.get("encoding", IMPORT_ENCODING.to_dict()))
    encoding.update({key: value for key, value in (("kind", kind), ("steps", steps)) if value is not None})
    encoding = Encoding.from_dict(encoding)
    meta = {"source": Path(graph_path).name, "neuron": ", ".join(dict.fromkeys(l.hardware for l in model.layers))}
    data = data or record.get("data")
    if data is not None:
        seed = data_seed if data_seed is not None else record.get("data_seed", DEFAULT_DATA_SEED)
        meta.update(data=str(data), data_seed=int(seed))
    model.eval()
    save_network_checkpoint(model, encoding, meta, checkpoint_path)
    return Checkpoint(model=model, options=None, encoding=encoding, metrics={}, history={}, meta=meta)


#: What ``export`` writes of the artifact, by ``--format``: the deployment artifact, or the ONNX
#: model of it (``quant/onnx_export.py``). ``"nir"`` writes the network itself (``quant/nir_out.py``).
EXPORT_FORMATS = {"artifact": save, "onnx": save_onnx}


def export_checkpoint(checkpoint_path, artifact_path, file_format: str = "artifact",
                      nir_extension: bool = False) -> Artifact:
    """Load a checkpoint, export it and write it in ``file_format`` (a key of :data:`EXPORT_FORMATS`,
    or ``"nir"``); return the artifact.

    The artifact's ``meta`` records the checkpoint's meta (for a trained one: the data set,
    its seed, the neuron model), its metrics (both test accuracies), and the checkpoint (its
    path relative to the artifact's folder and its SHA-256), which ``pynq-snn verify`` finds
    and checks. A NIR graph records the encoding and the data set for ``pynq-snn import``;
    ``nir_extension`` writes Izhikevich layers as the toolkit's node, which plain NIR lacks.
    """
    checkpoint = load_checkpoint(checkpoint_path)
    artifact_dir = Path(artifact_path).resolve().parent
    meta = {
        **checkpoint.meta,
        **checkpoint.metrics,
        "checkpoint": os.path.relpath(Path(checkpoint_path).resolve(), artifact_dir),
        "checkpoint_sha256": file_sha256(checkpoint_path),
    }
    artifact = to_artifact(checkpoint.model, checkpoint.encoding.to_dict(), meta)
    if file_format == "nir":
        record = {key: checkpoint.meta[key] for key in ("data", "data_seed") if key in checkpoint.meta}
        save_nir(checkpoint.model, artifact_path, nir_extension, {**record, "encoding": checkpoint.encoding.to_dict()})
    else:
        EXPORT_FORMATS[file_format](artifact, artifact_path)
    return artifact
