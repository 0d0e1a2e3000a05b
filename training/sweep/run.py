"""Run a sweep: one worker in this process, or ``K`` worker processes on this machine.

The study is created (or found and checked) before any worker starts, so a bad
storage URL, an unreachable database or a study with other objectives stops the run
at once. With ``K > 1`` workers, each is a separate process (multiprocessing's
``spawn``) with ``cores / K`` torch threads (of the cores this process is given), and
this process only watches the study. Other machines join the same study by running the
same sweep against the same PostgreSQL database. A progress bar counts the complete
trials and shows the front.
"""
from __future__ import annotations

import multiprocessing
import time
from dataclasses import dataclass, field
from typing import List, Optional

import optuna
from optuna.trial import TrialState
from tqdm.auto import tqdm

from ...host.threads import cores_given
from ..options import check_int_at_least
from .front import summary, trial_points
from .spec import SweepSpec
from .storage import open_storage
from .study import count, open_sweep
from .worker import POLL_SECONDS, quiet_optuna, run_worker


@dataclass(frozen=True)
class SweepOutcome:
    """How a run ended: the study's trials by state, the run's wall time in seconds, and
    the workers that ended with an error or a signal (``"worker 1 (pid 42): signal 9"``)."""

    complete: int
    pruned: int
    failed: int
    seconds: float
    lost_workers: List[str] = field(default_factory=list)


class FrontProgress:
    """A bar over the complete trials, its postfix the front so far (:func:`~.front.summary`)."""

    def __init__(self, total: int, enabled: bool) -> None:
        self.total = total
        self.bar = tqdm(total=total, desc="sweep", unit="trial", disable=not enabled, mininterval=1.0)

    def update(self, study: optuna.Study) -> None:
        points = trial_points(study)
        self.bar.n = min(len(points), self.total)
        self.bar.set_postfix_str(summary(points), refresh=False)
        self.bar.refresh()

    def close(self) -> None:
        self.bar.close()


def _ended(index: int, process: multiprocessing.Process) -> Optional[str]:
    code = process.exitcode
    if code == 0:
        return None
    how = f"signal {-code}" if code is not None and code < 0 else f"exit code {code}"
    return f"worker {index} (pid {process.pid}): {how}"


def _run_processes(spec: SweepSpec, storage_url: str, study_name: str, trials: int, workers: int,
                   heartbeat: int, watch: optuna.Study, progress: FrontProgress, device: str) -> List[str]:
    context = multiprocessing.get_context("spawn")
    threads = max(1, cores_given() // workers)
    processes = [
        context.Process(target=run_worker, name=f"pynq-snn-sweep-{i}",
                        args=(spec, storage_url, study_name, trials, i, heartbeat, None, threads, device))
        for i in range(workers)
    ]
    try:
        for process in processes:
            process.start()
        while any(p.is_alive() for p in processes):
            time.sleep(POLL_SECONDS)
            progress.update(watch)
    finally:  # an interrupted run leaves no worker behind; their running trials go stale and are retried
        for process in processes:
            if process.is_alive():
                process.terminate()
            process.join()
    return [lost for lost in (_ended(i, p) for i, p in enumerate(processes)) if lost]


def run_sweep(
    spec: SweepSpec,
    storage_url: str,
    study_name: str,
    trials: int,
    workers: int = 1,
    heartbeat: int = 30,
    progress: bool = True,
    device: str = "cpu",
) -> SweepOutcome:
    """Bring study ``study_name`` to ``trials`` complete trials with ``workers`` processes, which
    train on ``device`` ("cpu" or "cuda").

    A study that already holds some (an earlier run, another machine) is continued.
    ``heartbeat`` is in seconds, at least 1: a trial silent for twice that is failed and retried.
    """
    check_int_at_least(trials, 1, "--trials")
    check_int_at_least(workers, 1, "--workers")
    quiet_optuna()
    start = time.perf_counter()
    study = open_sweep(open_storage(storage_url), study_name, spec)
    bar = FrontProgress(trials, progress)
    bar.update(study)
    lost: List[str] = []
    try:
        if workers == 1:
            run_worker(spec, storage_url, study_name, trials, 0, heartbeat, on_trial=bar.update, device=device)
        else:
            lost = _run_processes(spec, storage_url, study_name, trials, workers, heartbeat, study, bar, device)
        bar.update(study)
    finally:
        bar.close()
    return SweepOutcome(
        complete=count(study, TrialState.COMPLETE),
        pruned=count(study, TrialState.PRUNED),
        failed=count(study, TrialState.FAIL),
        seconds=time.perf_counter() - start,
        lost_workers=lost,
    )
