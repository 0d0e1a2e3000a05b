"""Where torch computes: ``--device auto|cpu|cuda`` of train, verify, sweep and convert.

``resolve_device(name)`` turns the option into a ``torch.device``: ``cpu``; ``cuda``, which
needs a GPU that torch sees (ValueError, one line, otherwise); or ``auto``, CUDA when torch
sees a GPU (and it says so), else the CPU. On CUDA the float32 matrix products stay in
IEEE float32 (TF32 off), so the quantized path computes what the contract computes:

* a layer's input current is a sum of products ``s * w``, ``s`` in {0, 1} and
  ``w = q * 2**-e`` with ``q`` a 4-bit integer; every partial sum is an integer times
  ``2**-e`` below ``2**24`` LSBs (``overlay/CONTRACT.md`` bounds it), exact in float32
  whatever the order of the GPU's reduction, but not in TF32's 10-bit mantissa;
* the Izhikevich update, whose products reach ``2**45``, runs in float64 on either device.

Models, data and the QAT state go to the device; checkpoints are saved from the CPU
(``pipeline.py``), so they load anywhere. ``compute(device, threads)`` also sets the CPU
threads of torch and of numpy's BLAS (``--threads``; by default the libraries' own choice)
and reports all three.
"""
from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import Callable, Optional

import torch

from .host.threads import check_threads, use_blas_threads

#: The choices of ``--device``.
DEVICES = ("auto", "cpu", "cuda")


def _say(message: str) -> None:
    print(f"pynq-snn: {message}", file=sys.stderr)


def resolve_device(name: str, say: Optional[Callable[[str], None]] = None) -> torch.device:
    """The torch device that ``--device name`` asks for (see the module docstring); ``say``
    (a line on stderr by default) hears which GPU ``auto`` picked. On CUDA, TF32 is turned
    off for the process. ValueError, one line, for an unknown name or ``cuda`` without a GPU."""
    if name not in DEVICES:
        raise ValueError(f"--device must be one of {', '.join(DEVICES)}, got {name!r}")
    if name == "cpu":
        return torch.device("cpu")
    if not torch.cuda.is_available():
        if name == "cuda":
            build = "a CPU-only build" if torch.version.cuda is None else f"built for CUDA {torch.version.cuda}"
            raise ValueError(f"--device cuda: torch {torch.__version__} ({build}) sees no CUDA GPU; "
                             "use --device cpu, or auto to take a GPU only when there is one")
        return torch.device("cpu")
    exact_float32()
    device = torch.device("cuda")
    if name == "auto":
        (say or _say)(f"--device auto: computing on the GPU, {torch.cuda.get_device_name(device)} (CUDA)")
    return device


@dataclass(frozen=True)
class Compute:
    """Where a command computes: the torch device, and the threads of torch's CPU pool and
    of numpy's BLAS (the emulator's products)."""

    device: torch.device
    torch_threads: int
    blas_threads: int

    def to_dict(self) -> dict:
        return {"device": self.device.type, "threads": {"torch": self.torch_threads, "blas": self.blas_threads}}

    def line(self) -> str:
        return (f"computed on:            {self.device.type}; CPU threads: torch {self.torch_threads}, "
                f"numpy's BLAS {self.blas_threads}")


def compute(device: str, threads: Optional[int] = None, say: Optional[Callable[[str], None]] = None) -> Compute:
    """:func:`resolve_device` of ``device`` (``say`` as there), and torch's and BLAS's CPU threads
    set to ``threads`` (an integer in [1, the cores given]), or left as they are (None)."""
    resolved = resolve_device(device, say)
    if threads is not None:
        torch.set_num_threads(check_threads(threads))
    return Compute(resolved, torch.get_num_threads(), use_blas_threads(threads))


def exact_float32() -> None:
    """IEEE float32 for every float32 matrix product and convolution on CUDA: no TF32."""
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False


def model_device(model: torch.nn.Module) -> torch.device:
    """The device of ``model``'s first parameter or buffer (the CPU for a model without any)."""
    for tensor in (*model.parameters(), *model.buffers()):
        return tensor.device
    return torch.device("cpu")
