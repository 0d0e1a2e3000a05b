"""One worker of a sweep: it draws, trains and scores trials until the study holds enough.

A worker repeats: fail the trials of dead workers (their heartbeat is stale; Optuna
queues a retry of each), then stop if the study holds ``trials`` complete trials,
wait if the running ones would reach that count, else run one trial with
``study.optimize``, which takes a queued retry before drawing a new point. Workers
that look at the count at the same moment may each start a trial, so a study run by
``K`` workers can end with up to ``K - 1`` complete trials more than asked. Waiting
for the running trials, rather than leaving, means that a trial whose worker died
near the end is still failed, retried and completed by a live worker.

Each trial records its worker (host and process id), its topology, its float
accuracy, its spikes per sample and its wall time; a network that does not fit the
chip is pruned before any training, with the limits it breaks as ``infeasible``.

The sampler is Optuna's multi-objective TPE, seeded from ``--seed``, the number of
trials in the study when the worker starts, and the worker's index; on a shared
database (PostgreSQL) the process id is mixed in too, so that machines never draw the
same points. A one-worker SQLite sweep is therefore repeatable.
"""
from __future__ import annotations

import os
import socket
import time
import warnings
from typing import Callable, Optional, Tuple

import numpy as np
import optuna
from optuna.trial import TrialState

from .export import ARTIFACT_ATTR, pack
from .space import TrialConfig
from .spec import SweepSpec
from .storage import open_storage
from .study import count, open_sweep

#: Seconds between two looks at the study while the last running trials finish.
POLL_SECONDS = 1.0


def quiet_optuna() -> None:
    """Optuna logs warnings only (no line per trial) and keeps its experimental notes to itself."""
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    warnings.filterwarnings("ignore", category=optuna.exceptions.ExperimentalWarning)


def sampler(spec: SweepSpec, trials_so_far: int, worker: int, shared: bool) -> optuna.samplers.TPESampler:
    """Multi-objective TPE seeded as the module docstring says."""
    entropy = [spec.seed, trials_so_far, worker] + ([os.getpid()] if shared else [])
    seed = int(np.random.SeedSequence(entropy).generate_state(1)[0])
    return optuna.samplers.TPESampler(seed=seed, multivariate=True, group=True, constant_liar=True)


class TrialObjective:
    """``objective(trial) -> (accuracy, energy_nj, cycles)`` for Optuna."""

    def __init__(self, spec: SweepSpec, device: str = "cpu") -> None:
        self.spec = spec
        self.device = device
        self.rate_coded = spec.rate_coded()

    def __call__(self, trial: optuna.Trial) -> Tuple[float, float, float]:
        from .trial import run_trial  # torch: only in a worker

        trial.set_user_attr("worker", {"host": socket.gethostname(), "pid": os.getpid()})
        config: TrialConfig = self.spec.space.suggest(trial, self.spec.base_options(), self.rate_coded)
        facts = self.spec.data_for()
        sizes = config.sizes(facts.n_inputs, facts.n_classes)
        trial.set_user_attr("sizes", sizes)
        violations = self.spec.limits.violations(sizes, config.options.steps)
        if violations:
            trial.set_user_attr("infeasible", violations)
            raise optuna.TrialPruned(f"{'-'.join(map(str, sizes))} does not fit the chip: {'; '.join(violations)}")
        meta = {"data": self.spec.data, "data_seed": self.spec.data_seed, "neuron": config.options.neuron,
                "study": trial.study.study_name, "trial": trial.number}
        run = run_trial(config, self.spec, meta, self.device)
        trial.set_user_attr("float_accuracy", run.float_accuracy)
        trial.set_user_attr("spikes_per_sample", run.measurement.spikes_per_sample)
        trial.set_user_attr("seconds", run.seconds)
        trial.set_user_attr(ARTIFACT_ATTR, pack(run.artifact))
        return run.measurement.values()


def run_worker(
    spec: SweepSpec,
    storage_url: str,
    study_name: str,
    trials: int,
    worker: int = 0,
    heartbeat: int = 30,
    on_trial: Optional[Callable[[optuna.Study], None]] = None,
    threads: Optional[int] = None,
    device: str = "cpu",
) -> None:
    """Run trials of ``study_name`` until it holds ``trials`` complete ones (module docstring).

    ``heartbeat`` is in seconds, at least 1 (the wait for the last trials relies on it to
    find dead workers). ``on_trial(study)`` is called after each trial this worker ends;
    ``threads`` caps torch's threads (for several workers on one machine); ``device`` ("cpu"
    or "cuda") is where the trials train.
    """
    quiet_optuna()
    if threads is not None:
        import torch

        torch.set_num_threads(threads)
    storage = open_storage(storage_url, heartbeat)
    study = open_sweep(storage, study_name, spec)
    study.sampler = sampler(spec, len(study.get_trials(deepcopy=False)), worker,
                            shared=not storage_url.startswith("sqlite"))
    objective = TrialObjective(spec, device)
    while True:
        optuna.storages.fail_stale_trials(study)
        complete = count(study, TrialState.COMPLETE)
        if complete >= trials:
            return
        if complete + count(study, TrialState.RUNNING) >= trials:
            time.sleep(POLL_SECONDS)
            continue
        study.optimize(objective, n_trials=1, gc_after_trial=False)
        if on_trial is not None:
            on_trial(study)
