"""Minibatch training and evaluation of an ANN on a data set's intensities.

The ANN reads what the rate code's spikes mean: each input's spike probability
``p = clip(gain * x, 0, 1)`` (``overlay/encoding.py``), so the network converted from
it sees the same values as firing rates. Loss: ``CE(softmax(f(p)), y)`` of the model's
logits ``f(p)``; the predicted class is the argmax of the logits or, read as the converted
network reads, of the output rates (:meth:`~pynq_snn.quant.qcfs.QcfsNet.output_rates`,
whose levels IF neurons count at ``T = L``), ties to the lowest index as for spike counts. Adam, with the samples
shuffled each epoch by one numpy generator, as :func:`.trainer.fit` does; the inputs go
where the model is.
"""
from __future__ import annotations

import sys
import time
from typing import List

import numpy as np
import torch
from torch import nn

from ..devices import model_device
from ..overlay.encoding import Encoding
from .trainer import EpochStats, _is_terminal


def rates(x: np.ndarray, encoding: Encoding) -> np.ndarray:
    """The rate code's spike probabilities ``clip(gain * x, 0, 1)`` (float32) of intensities ``x`` [N, C].

    ValueError unless ``encoding`` is a rate code: an ANN's inputs are the rates its spikes encode.
    """
    if encoding.kind != "rate":
        raise ValueError(f"an ANN reads intensities that a rate code turns into spikes; these inputs are "
                         f"{encoding.kind}-coded (take digits, mnist, fashion-mnist or an .npz of intensities)")
    return np.clip(np.asarray(x, dtype=np.float32) * np.float32(encoding.gain), 0.0, 1.0)


def fit_ann(model: nn.Module, x: np.ndarray, y: np.ndarray, epochs: int, rng: np.random.Generator,
            lr: float = 2e-3, batch_size: int = 64, desc: str = "ANN", progress: bool = True) -> List[EpochStats]:
    """Train ``model`` ([B, C] -> logits [B, K]) with Adam on inputs ``x`` [N, C] and labels ``y`` [N];
    the training accuracy is that of the logits."""
    if epochs < 0:
        raise ValueError(f"epochs must be >= 0, got {epochs}")
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    device = model_device(model)
    inputs = torch.as_tensor(x, dtype=torch.float32).to(device)
    labels = torch.as_tensor(y, dtype=torch.long).to(device)
    history = []
    for epoch in range(epochs):
        start = time.perf_counter()
        model.train()
        order = torch.from_numpy(rng.permutation(len(labels))).to(device)
        total_loss, correct = 0.0, 0
        for begin in range(0, len(order), batch_size):
            batch = order[begin: begin + batch_size]
            logits = model(inputs[batch])
            loss = nn.functional.cross_entropy(logits, labels[batch])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total_loss += float(loss.detach()) * len(batch)
            correct += int((logits.argmax(dim=1) == labels[batch]).sum())
        stats = EpochStats(epoch + 1, total_loss / len(order), correct / len(order), time.perf_counter() - start)
        history.append(stats)
        if progress:
            end = "\n" if not _is_terminal() or epoch + 1 == epochs else "\r"
            print(f"{desc} epoch {epoch + 1}/{epochs}: loss {stats.loss:.4f}, train accuracy "
                  f"{stats.train_accuracy:.2%}, {stats.seconds:.1f} s", file=sys.stderr, end=end, flush=True)
    return history


@torch.no_grad()
def evaluate_ann(model: nn.Module, x: np.ndarray, y: np.ndarray, levels: bool = False,
                 batch_size: int = 1024) -> float:
    """Accuracy of ``model`` on inputs ``x`` [N, C] with labels ``y`` [N]: the argmax of its logits,
    or with ``levels`` of its ``output_rates`` (the quantized, clipped output)."""
    model.eval()
    device, correct = model_device(model), 0
    for begin in range(0, len(y), batch_size):
        inputs = torch.as_tensor(x[begin: begin + batch_size], dtype=torch.float32).to(device)
        out = model.output_rates(inputs) if levels else model(inputs)
        correct += int((out.argmax(dim=1).cpu().numpy() == y[begin: begin + batch_size]).sum())
    return correct / len(y)
