"""The conversion chain: QCFS ANN training, its checkpoint, conversion to IF layers, fine-tuning.

``train_qcfs(options)`` loads the data set as SNN training does (``data_seed`` fixes it and
its split, ``seed`` the initialization and shuffling), trains a :class:`~.quant.qcfs.QcfsNet`
on the rate code's spike probabilities and measures it on the test split.
``convert(ann, steps)`` turns it into the IP's IF network (``quant/convert.py``) for the rate
code over ``steps`` timesteps and, with ``finetune_epochs``, trains that with the SNN path's
surrogate-gradient QAT (:func:`~.training.trainer.fit`) at those steps (the hybrid approach).
``convert_checkpoint`` writes the IF network's checkpoint and its artifact, which ``pynq-snn
run`` and ``verify`` take as any other.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import Callable, List, Optional

import numpy as np
import torch

from .overlay.artifact import Artifact
from .overlay.encoding import Encoding
from .marked_file import load_marked
from .overlay.quote import quote
from .pipeline import export_checkpoint, save_network_checkpoint
from .quant.convert import qcfs_to_snn
from .quant.network import QuantSpikingNetwork
from .quant.qcfs import QcfsNet
from .training.ann import evaluate_ann, fit_ann, rates
from .training.ann_options import QcfsOptions
from .training.data import Dataset, encode_test_split, load_dataset
from .training.options import check_int_at_least, check_learning_rate, defaults_for
from .training.trainer import EpochStats, evaluate, fit

ANN_FORMAT = "pynq-snn-qcfs-ann"
ANN_VERSION = 1
#: Training samples that set each ``lambda``'s starting value (:meth:`QcfsNet.calibrate`).
CALIBRATION_SAMPLES = 1024


@dataclass
class AnnCheckpoint:
    """A QCFS ANN (eval mode) with its training options, test accuracies and history: ``accuracy``
    of its logits, ``level_accuracy`` of its output levels (what IF neurons count at ``T = L``)."""

    model: QcfsNet
    options: QcfsOptions
    accuracy: float
    level_accuracy: float
    history: List[EpochStats] = field(default_factory=list)


def load_data(options: QcfsOptions, steps: Optional[int] = None) -> Dataset:
    """The data set ``options`` name, its rate code over ``steps`` timesteps (default: the data set's).

    ValueError for a data set whose inputs are not rate-coded intensities."""
    dataset = load_dataset(options.data, data_seed=options.data_seed, data_dir=options.data_dir)
    rates(dataset.test.x[:1], dataset.encoding)  # refuses spikes and series, naming them
    return dataset if steps is None else replace(dataset, encoding=replace(dataset.encoding, steps=int(steps)))


def train_qcfs(options: QcfsOptions, progress: bool = True, device: Optional[torch.device] = None,
               network: Callable[[List[int], int], QcfsNet] = QcfsNet) -> AnnCheckpoint:
    """Train the QCFS ANN ``options`` describe (module docstring) on ``device`` (the CPU by default).
    It starts on the CPU, so a seed gives the same start on every device; it returns on the CPU.
    ``network(sizes, levels)`` builds the model (``bench/conversion.py`` builds one with biases,
    to measure what the IP's lack of them costs)."""
    options = options.resolved()
    dataset = load_data(options)
    x_train, x_test = rates(dataset.train.x, dataset.encoding), rates(dataset.test.x, dataset.encoding)
    torch.manual_seed(options.seed)
    rng = np.random.default_rng(options.seed)
    model = network([dataset.n_inputs, *options.hidden, dataset.n_classes], options.levels)
    model.calibrate(torch.from_numpy(x_train[:CALIBRATION_SAMPLES]))
    model.to(device or torch.device("cpu"))
    history = fit_ann(model, x_train, dataset.train.y, options.epochs, rng, lr=options.lr,
                      batch_size=options.batch_size, desc=f"QCFS ANN (L={options.levels})", progress=progress)
    accuracy = evaluate_ann(model, x_test, dataset.test.y)
    level_accuracy = evaluate_ann(model, x_test, dataset.test.y, levels=True)
    return AnnCheckpoint(model.cpu().eval(), options, accuracy, level_accuracy, history)


def save_ann(ann: AnnCheckpoint, path) -> None:
    """Write ``ann`` to ``path``: tensors and plain values only."""
    torch.save({"format": ANN_FORMAT, "version": ANN_VERSION, "sizes": ann.model.sizes, "levels": ann.model.levels,
                "options": asdict(ann.options), "accuracy": ann.accuracy,
                "level_accuracy": ann.level_accuracy,
                "history": [asdict(e) for e in ann.history], "state_dict": ann.model.state_dict()}, Path(path))


def load_ann(path) -> AnnCheckpoint:
    """Read a file :func:`save_ann` wrote (no pickled code); ValueError naming the file for any other."""
    payload = load_marked(path, "QCFS ANN checkpoint", ANN_FORMAT, ANN_VERSION,
                          "pynq-snn train --ann qcfs writes one")
    try:
        options = QcfsOptions(**{f.name: payload["options"][f.name] for f in fields(QcfsOptions)})
        model = QcfsNet(payload["sizes"], payload["levels"])
        model.load_state_dict(payload["state_dict"])
        history = [EpochStats(**e) for e in payload["history"]]
        accuracy, level_accuracy = float(payload["accuracy"]), float(payload["level_accuracy"])
    except (KeyError, TypeError, RuntimeError, ValueError) as exc:
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        raise ValueError(f"{path}: not a QCFS ANN this version builds ({quote(first)})") from None
    return AnnCheckpoint(model.eval(), options, accuracy, level_accuracy, history)


@dataclass
class Converted:
    """A converted network (eval mode), the data set with its rate code over ``encoding.steps``
    timesteps, and the fine-tuning epochs (none: conversion alone)."""

    model: QuantSpikingNetwork
    dataset: Dataset
    encoding: Encoding
    finetune_history: List[EpochStats] = field(default_factory=list)

    def accuracy(self, seed: int) -> float:
        """Test accuracy of the quantized torch model (the emulator's, bit for bit) on the test
        split encoded with ``seed`` (``pynq-snn run --seed``'s inputs)."""
        spikes = encode_test_split(self.dataset, self.encoding, seed)
        return evaluate(self.model, spikes, self.dataset.test.y)


def convert(ann: AnnCheckpoint, steps: int, finetune_epochs: int = 0, lr: Optional[float] = None,
            dataset: Optional[Dataset] = None, progress: bool = True,
            device: Optional[torch.device] = None) -> Converted:
    """The IF network of ``ann`` for ``steps`` timesteps; with ``finetune_epochs`` > 0, trained that
    many epochs by :func:`~.training.trainer.fit` as QAT is (Adam from ``lr`` annealed to 0, by
    default the data set's ``finetune_lr``; the ANN's batch size and seed) at those steps, on
    ``device`` (the CPU by default); the network returns on the CPU.
    ``dataset`` spares loading the ANN's data set again."""
    check_int_at_least(finetune_epochs, 0, "finetune_epochs")
    check_learning_rate(lr, "--finetune-lr")
    dataset = load_data(ann.options, steps) if dataset is None else \
        replace(dataset, encoding=replace(dataset.encoding, steps=int(steps)))
    model = qcfs_to_snn(ann.model)
    history: List[EpochStats] = []
    if finetune_epochs:
        lr = defaults_for(ann.options.data).finetune_lr if lr is None else lr
        torch.manual_seed(ann.options.seed)
        history = fit(model.to(device or torch.device("cpu")), dataset.train, dataset.encoding, finetune_epochs,
                      np.random.default_rng(ann.options.seed), lr=lr, batch_size=ann.options.batch_size,
                      desc=f"fine-tune T={steps}", progress=progress, anneal=True)
    return Converted(model.cpu().eval(), dataset, dataset.encoding, history)


def checkpoint_beside(artifact_path, checkpoint_path=None) -> Path:
    """Where the converted network's checkpoint goes: ``checkpoint_path``, else the artifact's name with ``.pt``."""
    return Path(checkpoint_path) if checkpoint_path else Path(artifact_path).with_suffix(".pt")


def convert_checkpoint(ann_path, artifact_path, steps: int, finetune_epochs: int = 0,
                       checkpoint_path=None, lr: Optional[float] = None, progress: bool = True,
                       device: Optional[torch.device] = None) -> "tuple[AnnCheckpoint, Converted, Artifact]":
    """Convert the ANN at ``ann_path`` (:func:`convert`), write its checkpoint (``checkpoint_path``,
    default: the artifact's name with ``.pt``) and its artifact; return the three."""
    artifact_path, checkpoint_path = Path(artifact_path), checkpoint_beside(artifact_path, checkpoint_path)
    if checkpoint_path.resolve() == artifact_path.resolve():
        raise ValueError(f"the converted network's checkpoint and artifact would both be {artifact_path}: "
                         "name the artifact *.snn or pass another checkpoint file")
    ann = load_ann(ann_path)
    converted = convert(ann, steps, finetune_epochs, lr=lr, progress=progress, device=device)
    options = ann.options
    meta = {"data": options.data, "data_seed": options.data_seed, "neuron": "lif", "source": Path(ann_path).name,
            "conversion": "qcfs", "levels": options.levels, "ann_accuracy": ann.accuracy,
            "finetune_epochs": finetune_epochs}
    save_network_checkpoint(converted.model, converted.encoding, meta, checkpoint_path)
    return ann, converted, export_checkpoint(checkpoint_path, artifact_path)
