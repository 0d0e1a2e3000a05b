"""Every trial keeps its artifact in the study, so any trial exports with one command.

The artifact's file image (``overlay/artifact.py``), zlib-compressed and base64-coded,
is the trial's ``artifact`` attribute: it lives in the study's database, so a trial
trained on any machine exports from any other. Reading it back parses and checks the
file image like :func:`~pynq_snn.overlay.artifact.load` does; nothing is executed.
"""
from __future__ import annotations

import base64
import binascii
import zlib

import optuna
from optuna.trial import TrialState

from ...overlay.artifact import Artifact, PathLike, from_bytes, save, to_bytes

#: The trial attribute that holds the artifact.
ARTIFACT_ATTR = "artifact"


def pack(artifact: Artifact) -> str:
    """The artifact as text: ``base64(zlib(file image))``."""
    return base64.b64encode(zlib.compress(to_bytes(artifact), 9)).decode("ascii")


def unpack(text: str) -> Artifact:
    """The artifact that :func:`pack` wrote; ValueError if the text is damaged."""
    try:
        data = zlib.decompress(base64.b64decode(text.encode("ascii"), validate=True))
    except (binascii.Error, zlib.error, UnicodeEncodeError) as exc:
        raise ValueError(f"the stored artifact is damaged: {exc}") from None
    return from_bytes(data)


def trial_artifact(study: optuna.Study, number: int) -> Artifact:
    """The artifact of trial ``number``; ValueError unless the trial exists and completed."""
    trials = {t.number: t for t in study.get_trials(deepcopy=False)}
    if number not in trials:
        last = f"0 to {max(trials)}" if trials else "none yet"
        raise ValueError(f"study {study.study_name!r} has no trial {number} (its trials: {last})")
    trial = trials[number]
    if trial.state != TrialState.COMPLETE or ARTIFACT_ATTR not in trial.user_attrs:
        raise ValueError(f"trial {number} is {trial.state.name.lower()}, not complete: it has no network to export")
    return unpack(trial.user_attrs[ARTIFACT_ATTR])


def export_trial(study: optuna.Study, number: int, path: PathLike) -> Artifact:
    """Write trial ``number``'s artifact to ``path``; return it."""
    artifact = trial_artifact(study, number)
    save(artifact, path)
    return artifact
