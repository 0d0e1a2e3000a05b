"""A sweep's Optuna study: created with its objectives and spec, or found again and checked.

A study made by ``pynq-snn sweep`` carries its objectives as Optuna's metric names
(with their directions) and its :class:`~.spec.SweepSpec` as a study attribute. A run
that names an existing study adds trials to it only if it asks for the same
objectives and the same spec; otherwise it stops with one line that says what differs.
"""
from __future__ import annotations

import warnings
from typing import Optional, Sequence, Tuple

import optuna
from optuna.trial import TrialState

from .spec import SweepSpec
from .storage import StorageError, safe_url

#: The study attribute that marks a sweep's study, and the spec's format version.
FORMAT_ATTR = "pynq-snn-sweep"
FORMAT_VERSION = 1
SPEC_ATTR = "spec"


def _describe(names: Sequence[str], directions: Sequence[str]) -> str:
    return ", ".join(f"{n} ({d})" for n, d in zip(names, directions))


def _directions(study: optuna.Study) -> list:
    return [d.name.lower() for d in study.directions]


def _existing(storage: optuna.storages.RDBStorage, name: str) -> Optional[optuna.Study]:
    if name not in optuna.get_all_study_names(storage):
        return None
    return optuna.load_study(study_name=name, storage=storage)


def find_sweep(
    storage: optuna.storages.RDBStorage, name: str, sampler: Optional[optuna.samplers.BaseSampler] = None
) -> Tuple[optuna.Study, SweepSpec]:
    """The existing sweep ``name`` and its spec; StorageError if there is none."""
    names = optuna.get_all_study_names(storage)
    if name not in names:
        there = f"the studies there: {', '.join(names)}" if names else "it holds no study"
        raise StorageError(f"no study {name!r} in {safe_url(storage.url)} ({there})")
    study = optuna.load_study(study_name=name, storage=storage, sampler=sampler)
    if study.user_attrs.get(FORMAT_ATTR) != FORMAT_VERSION:
        raise StorageError(f"study {name!r} was not made by pynq-snn sweep (or by another version of it)")
    return study, SweepSpec.from_dict(study.user_attrs[SPEC_ATTR])


def open_sweep(
    storage: optuna.storages.RDBStorage,
    name: str,
    spec: SweepSpec,
    sampler: Optional[optuna.samplers.BaseSampler] = None,
) -> optuna.Study:
    """The study ``name`` for ``spec``: created if new, else checked to match it.

    Raises StorageError when the study exists with other objectives, another spec, or
    was not made by ``pynq-snn sweep``.
    """
    wanted = spec.objectives()
    names, directions = [o.name for o in wanted], [o.direction for o in wanted]
    study = _existing(storage, name)
    if study is None:
        try:
            study = optuna.create_study(study_name=name, storage=storage, directions=directions, sampler=sampler)
        except optuna.exceptions.DuplicatedStudyError:  # another worker made it first
            return open_sweep(storage, name, spec, sampler)
        with warnings.catch_warnings():  # metric names are experimental in Optuna
            warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
            study.set_metric_names(names)
        study.set_user_attr(SPEC_ATTR, spec.to_dict())
        study.set_user_attr(FORMAT_ATTR, FORMAT_VERSION)
        return study
    if (study.metric_names or []) != names or _directions(study) != directions:
        have = _describe(study.metric_names or ["?"] * len(study.directions), _directions(study))
        raise StorageError(
            f"study {name!r} exists with other objectives: {have}; this sweep's are "
            f"{_describe(names, directions)}: choose another --study"
        )
    study, stored = find_sweep(storage, name, sampler)
    differences = stored.differences(spec)
    if differences:
        raise StorageError(
            f"study {name!r} was made with other settings (the study's vs this run's: "
            f"{'; '.join(differences)}): repeat its settings to continue it, or choose another --study"
        )
    return study


def count(study: optuna.Study, *states: TrialState) -> int:
    """Trials of ``study`` in any of ``states``."""
    return len(study.get_trials(deepcopy=False, states=states))
