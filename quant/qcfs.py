"""The QCFS network: a 4-bit ANN whose activations are what IF neurons count.

Quantization-clip-floor-shift (Bu et al., ICLR 2022), with ``L`` levels and a trainable
``lambda`` per layer::

    h(x) = lambda / L * clip(floor(x * L / lambda + 1/2), 0, L)

computed as ``lambda * floor(clip(x / lambda, 0, 1) * L + 1/2) / L`` (the same values),
with a straight-through gradient for the floor, so ``lambda`` learns through the clip
and the division. A layer is ``a_l = h_l(W_l a_{l-1})`` with ``a_0`` the input intensities
in [0, 1] (the rate code's spike probabilities); ``W_l`` is the IP's synapses
(:func:`~.network.quant_linear`: 4-bit weights in [-7, 7] with a power-of-two scale, **no
bias**, because the IP has none). The output layer is a QCFS layer too: its accuracy is
measured on ``h``, whose levels the converted network's spike counts measure
(``quant/convert.py``), while training feeds its pre-activation to a softmax
(:class:`QcfsNet` says why).
"""
from __future__ import annotations

from typing import List, Sequence, Tuple

import torch
from torch import nn

from .fixed_point import floor_ste
from .network import quant_linear

#: ``lambda`` is used as at least this (it divides; a trained one never gets near).
LAMBDA_MIN = 1e-3
#: The softmax's logits are the output layer's pre-activations in units of its lambda times this.
LOGIT_SCALE = 10.0
#: Levels the IP's spike counts can mean: at least 1.
LEVELS_MIN = 1


def check_levels(levels: int) -> int:
    """``levels`` as an int; ValueError unless it is an integer >= 1."""
    if isinstance(levels, bool) or not isinstance(levels, int) or levels < LEVELS_MIN:
        raise ValueError(f"QCFS levels must be an integer >= {LEVELS_MIN}, got {levels!r}")
    return levels


class QCFS(nn.Module):
    """``h(x) = lambda / L * clip(floor(x * L / lambda + 1/2), 0, L)``; ``lambda`` trainable (units of ``x``)."""

    def __init__(self, levels: int, lam: float = 1.0):
        super().__init__()
        self.levels = check_levels(levels)
        self.lam = nn.Parameter(torch.tensor(float(lam)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        lam = self.lam.clamp(min=LAMBDA_MIN)
        return lam * floor_ste(torch.clamp(x / lam, 0.0, 1.0) * self.levels + 0.5) / self.levels


class QcfsLinear(nn.Module):
    """The IP's 4-bit synapses without bias, then :class:`QCFS`: ``a = h(W x)``."""

    def __init__(self, n_in: int, n_out: int, levels: int):
        super().__init__()
        self.linear = quant_linear(n_in, n_out)
        self.act = QCFS(levels)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.act(self.linear(x))


class QcfsNet(nn.Module):
    """A feed-forward chain of :class:`QcfsLinear` layers of ``sizes`` = [inputs, hidden..., classes].

    ``output_rates(x)`` takes intensities [B, inputs] in [0, 1] and returns the output
    layer's ``a_n / lambda_n`` [B, classes] in [0, 1]: what its IF twin's spike counts over
    ``T`` steps measure as ``count / T``, and what accuracy is measured on (argmax, ties to
    the lowest index). ``forward(x)`` returns the softmax's logits in training,
    ``LOGIT_SCALE * z_n / lambda_n``: the output layer's pre-activation in units of its
    ``lambda``, unclipped, because the clip's zero gradient above ``lambda_n`` would keep a
    saturated wrong class from learning to fall, and scaled because a softmax of values
    near [0, 1] cannot reach a low loss.

    Example:
        >>> import torch
        >>> _ = torch.manual_seed(0)
        >>> net = QcfsNet([4, 3, 2], levels=4)
        >>> net.output_rates(torch.rand(5, 4)).shape
        torch.Size([5, 2])
    """

    def __init__(self, sizes: Sequence[int], levels: int):
        super().__init__()
        sizes = [int(n) for n in sizes]
        if len(sizes) < 2 or min(sizes) < 1:
            raise ValueError(f"sizes must be at least [inputs, outputs], all >= 1; got {sizes}")
        self.sizes, self.levels = sizes, check_levels(levels)
        self.layers = nn.ModuleList(QcfsLinear(a, b, levels) for a, b in zip(sizes[:-1], sizes[1:]))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        values = x
        for layer in self.layers[:-1]:
            values = layer(values)
        out = self.layers[-1]
        return out.linear(values) * (LOGIT_SCALE / out.act.lam.clamp(min=LAMBDA_MIN))

    def output_rates(self, x: torch.Tensor) -> torch.Tensor:
        """The output layer's ``a_n / lambda_n`` in [0, 1], a multiple of ``1 / L``."""
        return self.layer_inputs(x)[-1] / self.layers[-1].act.lam.clamp(min=LAMBDA_MIN)

    def layer_inputs(self, x: torch.Tensor) -> List[torch.Tensor]:
        """Every layer's input, then the output: ``[x, a_1, ..., a_n]``."""
        values = [x]
        for layer in self.layers:
            values.append(layer(values[-1]))
        return values

    def lambdas(self) -> List[float]:
        """Each layer's ``lambda`` as used (at least :data:`LAMBDA_MIN`), input side first."""
        return [float(layer.act.lam.detach().clamp(min=LAMBDA_MIN)) for layer in self.layers]

    @torch.no_grad()
    def calibrate(self, x: torch.Tensor, quantile: float = 0.99) -> None:
        """Start each ``lambda`` at the ``quantile`` of its layer's positive pre-activations on
        ``x`` [B, inputs], layer by layer (a layer sees the calibrated layers before it)."""
        values = x
        for layer in self.layers:
            z = layer.linear(values)
            positive = z[z > 0]
            if positive.numel():
                layer.act.lam.fill_(float(torch.quantile(positive.float(), quantile)))
            values = layer.act(z)

    @torch.no_grad()
    def macs_per_sample(self, x: torch.Tensor) -> Tuple[int, float]:
        """Multiply-accumulates of one sample: dense ``sum_l n_in * n_out``, and with zero inputs
        skipped, ``mean over x of sum_l nonzeros(a_{l-1}) * n_out`` (``x`` [B, inputs], B >= 1)."""
        if x.shape[0] < 1:
            raise ValueError("counting MACs needs at least one sample")
        values = self.eval().layer_inputs(x)[:-1]
        dense = sum(a * b for a, b in zip(self.sizes[:-1], self.sizes[1:]))
        nonzero = sum(float((a != 0).sum()) * n_out for a, n_out in zip(values, self.sizes[1:]))
        return dense, nonzero / x.shape[0]
