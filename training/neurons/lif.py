"""The float LIF neuron is snnTorch's ``snn.Leaky`` itself, configured as the contract's LIF.

With input current ``I[t]`` (output of the synapse layer, in threshold units of the
network's choosing), leak ``beta`` in [0, 1] and threshold ``theta``::

    reset[t] = H(mem[t-1] - theta)          # previous step's spike, no gradient
    mem[t]   = beta * mem[t-1] + I[t] - reset[t] * theta
    spk[t]   = H(mem[t] - theta)            # strict: fires when mem > theta

``mem[-1] = 0``. That is ``snn.Leaky(beta, threshold, reset_mechanism="subtract")``
with its default delayed reset, and the float twin of the contract's integer LIF
(``overlay/CONTRACT.md``). :func:`leaky` builds one with the parameters checked and
the toolkit's surrogate gradients; any ``snn.Leaky`` of that kind runs on the IP.
"""
from __future__ import annotations

from typing import Callable, Union

import snntorch as snn
import torch

from .. import surrogate

#: A surrogate: a name of ``training/surrogate.py`` or snnTorch's callable ``spike_grad``.
SpikeGrad = Union[str, Callable[[torch.Tensor], torch.Tensor]]


def check_lif(beta: float, threshold: float) -> None:
    """Raise ValueError unless ``beta`` is in [0, 1] and ``threshold`` > 0."""
    if not 0.0 <= beta <= 1.0:
        raise ValueError(f"beta must be in [0, 1], got {beta}")
    if not threshold > 0:
        raise ValueError(f"threshold must be > 0, got {threshold}")


def spike_function(spike_grad: SpikeGrad) -> Callable[[torch.Tensor], torch.Tensor]:
    """``spike_grad`` as snnTorch takes it: a callable as it is, a name through :func:`surrogate.get`."""
    return surrogate.get(spike_grad) if isinstance(spike_grad, str) else spike_grad


def leaky(beta: float = 0.9, threshold: float = 1.0, spike_grad: SpikeGrad = "atan", **options) -> snn.Leaky:
    """An ``snn.Leaky`` that computes the contract's LIF (reset by subtraction, delayed).

    Args:
        beta: leak per timestep, in [0, 1].
        threshold: firing threshold, > 0, in units of the synaptic current.
        spike_grad: the surrogate gradient, by name (``training/surrogate.py``) or as a callable.
        options: further ``snn.Leaky`` options (``init_hidden``, ``output``, ``learn_beta``, ...).

    Example:
        >>> import torch
        >>> from pynq_snn.training.neurons.lif import leaky
        >>> lif = leaky(beta=0.5, threshold=1.0)
        >>> type(lif).__name__
        'Leaky'
        >>> spk, mem = lif(torch.tensor([[0.6, 1.5, 0.0]]), torch.zeros(1, 3))  # mem starts at 0
        >>> spk, mem
        (tensor([[0., 1., 0.]]), tensor([[0.6000, 1.5000, 0.0000]]))
        >>> spk, mem = lif(torch.tensor([[0.6, 0.0, 0.0]]), mem)  # neuron 1's spike subtracts the threshold
        >>> spk, mem
        (tensor([[0., 0., 0.]]), tensor([[ 0.9000, -0.2500,  0.0000]]))
    """
    check_lif(beta, threshold)
    return snn.Leaky(beta=beta, threshold=threshold, spike_grad=spike_function(spike_grad),
                     reset_mechanism="subtract", **options)
