"""Background tasks (django-tasks, run by `manage.py db_worker` from the database): what every mutua task relies on.

- **The request id.** A task queued while serving a request takes `request_id=current_request_id()` as a keyword;
  while a worker runs it, the id is set for its log lines (`task_started`), so one search finds the request and the
  work it caused.
- **Stopping.** `db_worker` stops on SIGTERM (a deploy, `docker compose stop`) once its task ends. A task that waits on
  another server (an SMTP relay that does not answer) marks that wait `interruptible()`: the signal then ends the wait
  at once with `WorkerStopping`, the task hands its work back, and the worker exits well inside the grace period.
- **Workers that die.** A worker killed outright (SIGKILL, out of memory, a machine lost) leaves its task RUNNING for
  ever: `tasks_recover_stale` makes every task RUNNING for longer than TASK_LEASE_SECONDS ready again, and another
  worker runs it (`manage.py recover_deliveries`, every minute from the scheduler). So every task must finish well
  within the lease and be safe to run twice: mutua's only task, the delivery of an e-mail or SMS, checks its own
  lease on the message (mutua.notifications.outbox).
- **Health.** `task_queue_problem` tells /readyz and the workers' healthcheck whether tasks are waiting too long.
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from types import FrameType
from typing import Any

from django.conf import settings
from django.db.models import Case, F, When
from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks.signals import task_finished, task_started

from mutua.core.requestid import request_id_var

logger = logging.getLogger("mutua.tasks")

STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)


class WorkerStopping(Exception):
    """Raised inside `interruptible()` when the process is told to stop (SIGTERM, SIGINT)."""


@dataclass
class StopRequest:
    signal_name: str = ""

    @property
    def requested(self) -> bool:
        return bool(self.signal_name)


@contextmanager
def interruptible() -> Iterator[StopRequest]:
    """Let SIGTERM or SIGINT end the block at once with WorkerStopping, after telling the process's own handler.

    For a wait on another server, in a process that stops gracefully (db_worker: its handler lets the current task
    finish, then exits). The returned object says whether a stop came, even if the block ended another way (the
    SMTP connection's own clean-up may raise instead). Signals whose handler is not a Python function (the default,
    which ends the process, or ignored) keep their behaviour; outside the main thread, where signals are not
    delivered, the block runs as it is.
    """
    stop = StopRequest()
    if threading.current_thread() is not threading.main_thread():
        yield stop
        return
    previous = {sig: signal.getsignal(sig) for sig in STOP_SIGNALS}
    # Python's default for SIGINT raises KeyboardInterrupt by itself: only a process's own handlers are chained.
    handled = [
        sig for sig, handler in previous.items() if callable(handler) and handler is not signal.default_int_handler
    ]

    def restore() -> None:
        for sig in handled:
            signal.signal(sig, previous[sig])

    def stop_now(signum: int, frame: FrameType | None) -> None:
        restore()  # a second signal goes straight to the process's own handler
        stop.signal_name = signal.strsignal(signum) or str(signum)
        handler = previous[signal.Signals(signum)]
        if callable(handler):
            handler(signum, frame)
        raise WorkerStopping(stop.signal_name)

    for sig in handled:
        signal.signal(sig, stop_now)
    try:
        yield stop
    finally:
        restore()


def lease() -> timedelta:
    return timedelta(seconds=settings.TASK_LEASE_SECONDS)


def _db_tasks() -> Any:
    """django-tasks-db's task rows; imported here so that modules importing this one load before the apps."""
    from django_tasks_db.models import DBTaskResult

    return DBTaskResult.objects


def tasks_recover_stale() -> int:
    """Make ready again every task RUNNING for longer than the lease: the worker that took it died.

    Each row moves only if it is still the same run (status and start unchanged), so a worker finishing it meanwhile
    wins. Returns how many were recovered.
    """
    cutoff = timezone.now() - lease()
    recovered = 0
    for pk, path, started_at, worker_ids in (
        _db_tasks()
        .filter(status=TaskResultStatus.RUNNING, started_at__lt=cutoff)
        .values_list("pk", "task_path", "started_at", "worker_ids")
    ):
        moved = (
            _db_tasks()
            .filter(pk=pk, status=TaskResultStatus.RUNNING, started_at=started_at)
            .update(status=TaskResultStatus.READY, started_at=None)
        )
        if moved:
            recovered += 1
            logger.warning(
                "task %s (%s) was left running by worker %s since %s: ready again",
                pk,
                path,
                (worker_ids or ["?"])[-1],
                started_at.isoformat(),
            )
    return recovered


def task_queue_problem() -> str:
    """Why the workers are not keeping up, or "" when they are.

    A task due (run_after passed, or none) for longer than TASK_MAX_WAIT_SECONDS has not been started: no worker
    runs, or they are all busy. A task RUNNING for longer than the lease plus that wait was left by a dead worker
    and nobody recovered it: the scheduler is not running.
    """
    from django_tasks_db.models import get_date_max

    now = timezone.now()
    max_wait = timedelta(seconds=settings.TASK_MAX_WAIT_SECONDS)
    oldest = (
        _db_tasks()
        .ready()
        .annotate(due=Case(When(run_after=get_date_max(), then=F("enqueued_at")), default=F("run_after")))
        .order_by("due")
        .values_list("due", flat=True)
        .first()
    )
    if oldest is not None and now - oldest > max_wait:
        return f"a task has waited {int((now - oldest).total_seconds())} s for a worker"
    if _db_tasks().filter(status=TaskResultStatus.RUNNING, started_at__lt=now - lease() - max_wait).exists():
        return "a task left by a stopped worker has not been recovered"
    return ""


# --- The request id inside tasks -------------------------------------------------------------------------------------

_tokens: dict[str, Any] = {}


def _task_started(sender: object, task_result: Any, **kwargs: Any) -> None:
    request_id = str((task_result.kwargs or {}).get("request_id") or "")
    _tokens[str(task_result.id)] = request_id_var.set(request_id)


def _task_finished(sender: object, task_result: Any, **kwargs: Any) -> None:
    token = _tokens.pop(str(task_result.id), None)
    if token is not None:
        try:
            request_id_var.reset(token)
        except ValueError:  # finished in another context than it started: nothing of this task's is left there
            request_id_var.set("")


def connect_signals() -> None:
    task_started.connect(_task_started, dispatch_uid="mutua.core.tasks.request_id")
    task_finished.connect(_task_finished, dispatch_uid="mutua.core.tasks.request_id")
