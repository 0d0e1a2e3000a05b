"""Where a sweep's study lives: Optuna's RDB storage on SQLite or PostgreSQL.

``sqlite:///sweep.db`` (the default) is a file beside the command, for the workers
of one machine. ``postgresql://USER:PASSWORD@HOST:PORT/DATABASE`` is a server that
any number of machines share; it is reached through psycopg (version 3), whatever
driver SQLAlchemy would pick for a bare ``postgresql://``.

With a heartbeat of ``h`` seconds, every running trial writes a heartbeat every
``h`` s; a trial whose last heartbeat is older than ``2 h`` (Optuna's grace period)
belongs to a dead worker. The next worker that starts a trial, or waits for the
last ones, marks it failed, and Optuna's retry callback queues a copy of it with
the same parameters, which a live worker then runs.
"""
from __future__ import annotations

from typing import Optional

import optuna
import sqlalchemy
from sqlalchemy.engine import make_url

#: The storage every command uses unless told otherwise.
DEFAULT_STORAGE = "sqlite:///sweep.db"

#: URL scheme -> the SQLAlchemy dialect and driver the study is reached through.
DRIVERS = {
    "sqlite": "sqlite",
    "postgresql": "postgresql+psycopg",
    "postgresql+psycopg": "postgresql+psycopg",
    "postgresql+psycopg2": "postgresql+psycopg2",
}

#: Seconds SQLite waits for another worker's write to end before it gives up.
SQLITE_BUSY_TIMEOUT = 60


class StorageError(ValueError):
    """A storage URL that names no known database, or a database that cannot be reached."""


def safe_url(url: str) -> str:
    """``url`` with its password hidden, for messages."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # not a URL at all: nothing to hide
        return url


def driver_url(url: str) -> str:
    """``url`` with the driver this package uses; StorageError for an unknown scheme."""
    scheme = url.split("://", 1)[0] if "://" in url else None
    if scheme not in DRIVERS:
        known = ", ".join(f"{s}://" for s in DRIVERS)
        raise StorageError(
            f"unknown storage URL scheme in {safe_url(url)!r}: use sqlite:///FILE or "
            f"postgresql://USER@HOST/DATABASE ({known})"
        )
    if scheme == "sqlite" and url[len("sqlite://"):] in ("", "/:memory:"):
        raise StorageError(f"{url!r} keeps the study in memory, where no other command finds it: "
                           "use sqlite:///FILE")
    return DRIVERS[scheme] + url[len(scheme):]


def open_storage(url: str, heartbeat: Optional[int] = None) -> optuna.storages.RDBStorage:
    """The study database at ``url``, created if new, with a ``heartbeat`` in seconds (or none).

    With a heartbeat, trials of dead workers are failed after ``2 * heartbeat`` s and
    retried (module docstring). Raises StorageError naming the database when it cannot
    be reached, or when its driver is not installed.
    """
    target = driver_url(url)
    if heartbeat is not None and (isinstance(heartbeat, bool) or not isinstance(heartbeat, int) or heartbeat < 1):
        raise StorageError(f"--heartbeat must be a whole number of seconds >= 1, got {heartbeat!r}")
    engine_kwargs = {"connect_args": {"timeout": SQLITE_BUSY_TIMEOUT}} if target.startswith("sqlite") else {}
    retry = dict(
        heartbeat_interval=heartbeat,
        heartbeat_stale_trial_callback=optuna.storages.RetryHeartbeatStaleTrialCallback(),
    ) if heartbeat else {}
    try:
        return optuna.storages.RDBStorage(target, engine_kwargs=engine_kwargs, **retry)
    except ImportError:
        raise StorageError(
            f"{safe_url(url)}: the database driver is missing: pip install 'pynq-snn[sweep]'"
        ) from None
    except sqlalchemy.exc.SQLAlchemyError as exc:
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        raise StorageError(f"cannot reach the study database {safe_url(url)}: {reason}") from None
