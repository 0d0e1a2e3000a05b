"""Minibatch training and evaluation of spiking networks on encoded spike data.

Loss: cross-entropy on output spike counts, ``CE(softmax(c), y)`` with
``c_k = sum_t s_k[t]`` (snnTorch's ``ce_count_loss``); the predicted class is the
output with the most spikes, ties to the lowest index (``overlay/CONTRACT.md``).
With ``anneal`` (QAT's fine-tuning), Adam's learning rate falls from ``lr`` to 0 by a
cosine over the ``E`` epochs, set once per epoch: ``lr_e = lr * (1 + cos(pi * e / E)) / 2``
for epoch ``e = 0..E-1`` (``torch.optim.lr_scheduler.CosineAnnealingLR``), so that the
weights settle at the end instead of ending wherever a full step left them; without, it
stays ``lr``.
With ``weight_decay`` = ``lambda`` > 0 the optimizer is AdamW (decoupled weight decay,
Loshchilov & Hutter): before each Adam step every synaptic weight shrinks by
``w <- w * (1 - lr_t * lambda)``, pulling the large weights that set a layer's power-of-two
4-bit step (``quant/network.py``) back towards the rest; neuron parameters do not decay.
At ``lambda = 0`` the step is Adam's, bit for bit.
Inputs are encoded afresh for every epoch from one numpy generator, so a seed fixes
initialization, shuffling and every encoding draw. Each minibatch is encoded when it
is trained on (:func:`~pynq_snn.overlay.encoding.encode_batches`: the same spikes as
encoding the whole shuffled split at once), so memory holds one batch of spikes,
whatever the split's size and T.

The inputs and labels go to the model's device (``pynq_snn/devices.py``), where the
model computes; accuracies and losses come back as Python numbers.

Progress: a tqdm bar per epoch on a terminal; elsewhere (a log file, CI) one line per
epoch on stderr instead of the bar's fragments.
"""
from __future__ import annotations

import sys
import time
from dataclasses import dataclass
from typing import List

import numpy as np
import torch
from torch import nn
from tqdm.auto import tqdm

from ..devices import model_device
from ..overlay.encoding import Encoding, encode_batches
from .data import Split


@dataclass
class EpochStats:
    """One epoch: mean training loss, training accuracy and wall time in seconds."""

    epoch: int
    loss: float
    train_accuracy: float
    seconds: float


def spike_count_loss(spikes: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """Cross-entropy of the output spike counts ([T, B, K] spikes, [B] labels)."""
    return nn.functional.cross_entropy(spikes.sum(dim=0), labels)


def predict_counts(spikes: torch.Tensor) -> torch.Tensor:
    """Predicted class per sample from output spikes [T, B, K]: argmax of counts."""
    return spikes.sum(dim=0).argmax(dim=1)


def fit(
    model: nn.Module,
    split: Split,
    encoding: Encoding,
    epochs: int,
    rng: np.random.Generator,
    lr: float = 2e-3,
    batch_size: int = 64,
    desc: str = "train",
    progress: bool = True,
    anneal: bool = False,
    weight_decay: float = 0.0,
) -> List[EpochStats]:
    """Train ``model`` with Adam for ``epochs`` passes over ``split``, the learning rate annealed
    to 0 if ``anneal`` and the synaptic weights decayed by ``weight_decay`` (module docstring);
    one :class:`EpochStats` per epoch."""
    if epochs < 0:
        raise ValueError(f"epochs must be >= 0, got {epochs}")
    optimizer = adam(model, lr, weight_decay)
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=max(epochs, 1)) if anneal else None
    device = model_device(model)
    labels = torch.as_tensor(split.y, dtype=torch.long).to(device)
    history = []
    for epoch in range(epochs):
        start = time.perf_counter()
        model.train()
        order = rng.permutation(len(split.y))
        total_loss, correct = 0.0, 0
        batches = encode_batches(encoding, split.x[order], rng, batch_size)
        title = f"{desc} epoch {epoch + 1}/{epochs}"
        bar = tqdm(zip(range(0, len(order), batch_size), batches), desc=title, leave=False, mininterval=1.0,
                   total=-(-len(order) // batch_size), disable=not (progress and _is_terminal()))
        for begin, spikes in bar:
            x = torch.from_numpy(spikes).to(device).float()
            y = labels[order[begin : begin + batch_size]]
            out = model(x).spikes
            loss = spike_count_loss(out, y)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            loss_value = float(loss.detach())
            total_loss += loss_value * len(y)
            correct += int((predict_counts(out) == y).sum())
            bar.set_postfix(loss=f"{loss_value:.3f}", refresh=False)
        if schedule is not None:
            schedule.step()
        stats = EpochStats(epoch + 1, total_loss / len(order), correct / len(order), time.perf_counter() - start)
        history.append(stats)
        if progress and not _is_terminal():
            print(f"{title}: loss {stats.loss:.4f}, train accuracy {stats.train_accuracy:.2%}, "
                  f"{stats.seconds:.1f} s", file=sys.stderr, flush=True)
    return history


def adam(model: nn.Module, lr: float, weight_decay: float = 0.0) -> torch.optim.Optimizer:
    """AdamW over ``model``'s parameters at ``lr``: its synaptic weights (the matrices, ``dim >= 2``)
    decay by ``weight_decay``, its neuron parameters (scalars and vectors) not at all."""
    weights = [p for p in model.parameters() if p.dim() >= 2]
    others = [p for p in model.parameters() if p.dim() < 2]
    groups = [{"params": weights, "weight_decay": weight_decay}, {"params": others, "weight_decay": 0.0}]
    return torch.optim.AdamW([g for g in groups if g["params"]], lr=lr)


def _is_terminal() -> bool:
    """Whether stderr, where tqdm draws, is a terminal."""
    return hasattr(sys.stderr, "isatty") and sys.stderr.isatty()


@torch.no_grad()
def evaluate(model: nn.Module, spikes: np.ndarray, labels: np.ndarray, batch_size: int = 512) -> float:
    """Accuracy of ``model`` on encoded spikes uint8 [T, N, C] with labels [N]."""
    model.eval()
    correct, device = 0, model_device(model)
    for begin in range(0, spikes.shape[1], batch_size):
        x = torch.from_numpy(spikes[:, begin : begin + batch_size]).to(device).float()
        pred = predict_counts(model(x).spikes).cpu().numpy()
        correct += int((pred == labels[begin : begin + batch_size]).sum())
    return correct / len(labels)
