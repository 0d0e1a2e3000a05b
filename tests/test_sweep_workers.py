"""Two workers share a study on a real PostgreSQL server; one is killed mid-trial.

The server is pgserver's PostgreSQL, started on a Unix socket in a temporary folder and
stopped by the fixture. ``pynq-snn sweep --workers 2`` runs two worker processes against
it; the test kills (SIGKILL) the worker of the first running trial it sees. The other
worker must fail that trial once its heartbeat is stale, run Optuna's retry of it, and
bring the study to its trial count, leaving no trial running or waiting.
"""
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

import pytest

optuna = pytest.importorskip("optuna")
pgserver = pytest.importorskip("pgserver")

from optuna.storages import RetryHeartbeatStaleTrialCallback  # noqa: E402
from optuna.trial import TrialState  # noqa: E402

from pynq_snn.training.sweep.storage import open_storage  # noqa: E402

TRIALS = 5
#: Each trial trains for about a second (6 + 6 epochs of 600 samples, T = 16), long enough to be
#: killed in the middle; the heartbeat is 1 s, so a dead worker's trial is failed after 2 s.
SWEEP = ["sweep", "--data", "digits", "--layers", "1", "--width", "16:64", "--steps", "16", "--epochs", "6",
         "--qat-epochs", "6", "--train-samples", "600", "--trials", str(TRIALS), "--workers", "2",
         "--heartbeat", "1", "--study", "shared", "--quiet"]


@pytest.fixture
def postgres():
    """The URL of a fresh PostgreSQL server; the server is stopped and its files removed afterwards."""
    folder = tempfile.mkdtemp(prefix="pg")  # short: the server's Unix socket lives here
    try:
        server = pgserver.get_server(folder, cleanup_mode="stop")
    except Exception as exc:  # pgserver raises several types when its binaries cannot run here
        shutil.rmtree(folder, ignore_errors=True)
        pytest.skip(f"the PostgreSQL server could not start here: {exc}")
    try:
        yield server.get_uri()
    finally:
        server.cleanup()
        shutil.rmtree(folder, ignore_errors=True)


def training_trial(storage, sweep: subprocess.Popen, deadline: float):
    """The first running trial that has drawn its network (so it is training): (number, worker pid)."""
    while time.monotonic() < deadline:
        if sweep.poll() is not None:
            pytest.fail(f"the sweep ended before any trial trained: {sweep.communicate()[1]}")
        if "shared" in optuna.get_all_study_names(storage):
            study = optuna.load_study(study_name="shared", storage=storage)
            for trial in study.get_trials(deepcopy=False, states=(TrialState.RUNNING,)):
                if "sizes" in trial.user_attrs:
                    return trial.number, trial.user_attrs["worker"]["pid"]
        time.sleep(0.05)
    pytest.fail("no worker started a trial in time")


@pytest.mark.filterwarnings("ignore::optuna.exceptions.ExperimentalWarning")
def test_a_killed_worker_loses_no_trial(postgres):
    storage = open_storage(postgres)
    sweep = subprocess.Popen([sys.executable, "-m", "pynq_snn.cli", *SWEEP, "--storage", postgres],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        killed, pid = training_trial(storage, sweep, time.monotonic() + 180)
        assert pid != sweep.pid  # a worker process, not the command that watches them
        os.kill(pid, signal.SIGKILL)
        out, err = sweep.communicate(timeout=300)
    finally:
        if sweep.poll() is None:
            sweep.kill()
            sweep.communicate()
    assert sweep.returncode == 0, err
    assert f"(pid {pid}): signal 9 ended early" in err

    study = optuna.load_study(study_name="shared", storage=storage)
    states = {t.number: t.state for t in study.trials}
    assert set(states.values()) <= {TrialState.COMPLETE, TrialState.FAIL}, states  # none running or waiting
    assert list(states.values()).count(TrialState.COMPLETE) == TRIALS
    assert states[killed] == TrialState.FAIL
    retries = [t for t in study.trials if RetryHeartbeatStaleTrialCallback.retried_trial_number(t) == killed]
    assert [t.state for t in retries] == [TrialState.COMPLETE]
    assert retries[0].params == study.trials[killed].params
    assert retries[0].user_attrs["worker"]["pid"] != pid  # the other worker ran it
    assert f"study 'shared': {TRIALS} complete" in out
