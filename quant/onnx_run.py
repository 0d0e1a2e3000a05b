"""Run an exported ONNX model in onnxruntime and compare it with the emulator, integer for integer.

:func:`open_session` loads a file written by :func:`~.onnx_export.save_onnx` and checks
it against the artifact it should implement; :func:`run_onnx` runs a batch;
:func:`compare_onnx` counts the output spikes, raster entries and final state
integers where onnxruntime and the emulator differ (0 is the only passing answer).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Dict, Tuple

import numpy as np
import onnxruntime as ort

from ..overlay.artifact import Artifact, PathLike
from ..overlay.emulator import check_input, emulate
from ..overlay.neurons import MODELS
from ..verify import VerifyReport, count_mismatches
from .onnx_export import INPUT, OUTPUT, raster_output, state_output


@dataclass(frozen=True)
class OnnxResult:
    """What onnxruntime produced for one batch.

    Attributes:
        output_spikes: uint8 [T, N, n_outputs], the last layer's raster.
        rasters: per layer, uint8 [T, N, n].
        final_states: per layer, state name -> int32 [N, n] after the last step.
    """

    output_spikes: np.ndarray
    rasters: Tuple[np.ndarray, ...]
    final_states: Tuple[Dict[str, np.ndarray], ...]


def _first_line(exc: Exception) -> str:
    """The first line of an exception's message, or its type's name when it has none."""
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _expected_outputs(artifact: Artifact) -> Dict[str, int]:
    """Output name -> its last dimension, for every output the artifact's ONNX model has."""
    widths = {OUTPUT: artifact.n_outputs}
    for index, layer in enumerate(artifact.layers):
        widths[raster_output(index)] = layer.n_out
        widths.update({state_output(index, name): layer.n_out for name in MODELS[layer.neuron].state_names})
    return widths


def open_session(path: PathLike, artifact: Artifact) -> ort.InferenceSession:
    """An onnxruntime session of the ONNX model at ``path``, checked against ``artifact``.

    Raises:
        FileNotFoundError: no file at ``path``.
        ValueError: the file is not a readable ONNX model, or its input or outputs do not
            match the artifact's widths (the message names the path and both numbers).
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no ONNX model at {path}")
    try:
        session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    except Exception as exc:  # onnxruntime's error types derive from Exception alone
        raise ValueError(f"{path} is not a readable ONNX model: {_first_line(exc)}") from None
    inputs = session.get_inputs()
    if [i.name for i in inputs] != [INPUT] or inputs[0].type != "tensor(float)" or len(inputs[0].shape) != 3:
        found = ", ".join(f"{i.name!r} {i.type} {i.shape}" for i in inputs)
        raise ValueError(f"{path} takes {found}; a pynq-snn ONNX model takes {INPUT!r} float32 [T, N, n_inputs]")
    width = inputs[0].shape[-1]
    if width != artifact.n_inputs:
        raise ValueError(f"{path} takes {width} input channels, the artifact has {artifact.n_inputs}")
    outputs = {o.name: o.shape[-1] if o.shape else None for o in session.get_outputs()}
    widths = _expected_outputs(artifact)
    if outputs.keys() != widths.keys():
        missing, extra = sorted(widths.keys() - outputs.keys()), sorted(outputs.keys() - widths.keys())
        found = ([f"missing {missing}"] if missing else []) + ([f"unexpected {extra}"] if extra else [])
        raise ValueError(f"{path} is not the ONNX model of this {len(artifact.layers)}-layer artifact: "
                         f"outputs {', '.join(found)}")
    for name, expected in widths.items():
        if outputs[name] != expected:
            raise ValueError(f"{path}: output {name!r} is {outputs[name]} wide, the artifact's is {expected}")
    return session


def run_onnx(session: ort.InferenceSession, artifact: Artifact, spikes: np.ndarray) -> OnnxResult:
    """Run ``session`` (from :func:`open_session`) on input spikes uint8 [T, N, n_inputs], checked
    against ``artifact`` as the emulator checks them. The last raster is ``spikes_out``."""
    check_input(artifact, spikes)
    hidden = [raster_output(i) for i in range(len(artifact.layers) - 1)]
    states = [(i, name) for i, layer in enumerate(artifact.layers) for name in MODELS[layer.neuron].state_names]
    names = [OUTPUT, *hidden, *(state_output(i, name) for i, name in states)]
    try:
        found = dict(zip(names, session.run(names, {INPUT: spikes.astype(np.float32)})))
    except Exception as exc:  # a file that passed open_session's checks but does not run
        raise ValueError(f"onnxruntime could not run the model: {_first_line(exc)}") from None
    final_states: Tuple[Dict[str, np.ndarray], ...] = tuple({} for _ in artifact.layers)
    for i, name in states:
        final_states[i][name] = found[state_output(i, name)]
    output = found[OUTPUT].astype(np.uint8)
    return OnnxResult(output, tuple(found[name].astype(np.uint8) for name in hidden) + (output,), final_states)


def compare_onnx(session: ort.InferenceSession, artifact: Artifact, spikes: np.ndarray) -> VerifyReport:
    """Run onnxruntime and the emulator on the same input spikes uint8 [T, N, n_inputs] and count
    the integers that differ: the output spikes, every layer's raster, every final state."""
    result = run_onnx(session, artifact, spikes)
    return count_mismatches(result.rasters, result.final_states, emulate(artifact, spikes, record_rasters=True))
