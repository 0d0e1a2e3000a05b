"""Network images the IP must refuse, each with the error flag it must raise.

Shared by the RTL bench (``core_tb.py``) and the emulated core's tests, so that both
implementations of REGISTERS.md face the same bad input.
"""
from __future__ import annotations

import numpy as np

from pynq_snn.overlay import registers as reg
from pynq_snn.overlay.core_build import WEIGHTS_PER_WORD, CoreBuild, row_words


def _image(layer_words, lanes: int) -> np.ndarray:
    """A well-formed image of the given descriptors, with all-zero weights of the right length."""
    header = [reg.IMAGE_MAGIC | len(layer_words)]
    body = [w for words in layer_words for w in words]
    n_weights = sum((d[0] & 0xFFFF) * row_words(d[0] >> 16, lanes) for d in layer_words) * lanes // WEIGHTS_PER_WORD
    return np.array(header + body + [0] * n_weights, dtype=np.uint32)


def _layer(n_in: int, n_out: int, d1: int = 0, d2: int = 1) -> list:
    """Descriptor words of a LIF layer (F = 0, threshold d2), D1 and D2 overridable."""
    return [n_in | n_out << 16, d1, d2, 0, 0, 0, 0, 0]


def refused_images(good: np.ndarray, build: CoreBuild):
    """``[(flag, what, words)]``: images refused from their header or descriptors.

    ``good`` is a valid image (its header is corrupted for the magic case). The weight
    memory case needs a build whose weight memory is smaller than fan-in x state words.
    """
    lanes = build.lanes
    state_words = build.state_words
    cases = [
        ("HEADER", "a wrong magic", np.concatenate([[0x12345600 | 1], good[1:]]).astype(np.uint32)),
        ("HEADER", "zero layers", _image([], lanes)),
        ("CAPACITY", "one layer too many", _image([_layer(1, 1)] * (build.layers + 1), lanes)),
        ("CAPACITY", "a layer too wide", _image([_layer(1, build.neurons + 1)], lanes)),
        ("CAPACITY", "a fan-in too large", _image([_layer(build.fan_in + 1, 1)], lanes)),
        ("CAPACITY", "too many neurons in all",
         _image([_layer(build.fan_in, build.neurons), _layer(build.neurons, lanes)], lanes)),
        ("PARAM", "layers that do not chain", _image([_layer(4, 4), _layer(5, 2)], lanes)),
        ("PARAM", "frac_bits 9", _image([_layer(4, 4, d1=9 << 4)], lanes)),
        ("PARAM", "model 2", _image([_layer(4, 4, d1=2)], lanes)),
        ("PARAM", "beta 257", _image([_layer(4, 4, d1=257 << 16)], lanes)),
        ("PARAM", "LIF threshold 0", _image([_layer(4, 4, d2=0)], lanes)),
        ("PARAM", "Izhikevich square shift 25", _image([_layer(4, 4, d1=1 | 25 << 8)], lanes)),
    ]
    if build.weight_words < build.fan_in * state_words:
        rows = build.weight_words // state_words + 1
        cases.append(("CAPACITY", "too many weights", _image([_layer(rows, build.neurons)], lanes)))
    return cases
