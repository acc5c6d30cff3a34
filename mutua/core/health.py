"""Health endpoints, for the compose healthchecks, a load balancer and an uptime monitor (docs/operations.md, Monitor).

- `/healthz`: the process answers. No database, no cache: cheap enough to ask every few seconds.
- `/readyz`: the database, the cache, the file storage, the task queue and, when CLAMD_URL is set, the malware
  scanner answer in time (django-health-check's checks, run together). 200 when all do, 503 otherwise; the body
  names each check and says `ok` or `failing`, nothing else: no error text, no host, nothing about members. The
  reason of a failure goes to the log.

Both are public (`login_not_required`), never cached, and exempt from the HTTPS redirect so that a probe over plain
HTTP on the private network gets an answer.
"""

from __future__ import annotations

import asyncio
import dataclasses
import os
from collections.abc import Callable
from pathlib import Path

from asgiref.sync import sync_to_async
from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core.files.storage import FileSystemStorage, storages
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from health_check.base import HealthCheck, HealthCheckResult
from health_check.checks import Cache, Database
from health_check.exceptions import ServiceUnavailable

from mutua.core.tasks import task_queue_problem

PROBE_NAME = "health-check/probe"


@dataclasses.dataclass
class FileStorage(HealthCheck):
    """The members' file storage answers, without writing anything.

    django-health-check's own Storage check writes, reads and deletes a file at every probe: on a bucket with
    versioning on (docs/operations.md, Backups) each probe would leave versions behind, thousands a day. This one
    asks whether a fixed name exists (a HEAD request on S3: it proves the bucket answers to mutua's key) and, on the
    local disk, that MEDIA_ROOT can be written.
    """

    alias: str = "default"

    def run(self) -> None:
        storage = storages[self.alias]
        try:
            storage.exists(PROBE_NAME)
        except Exception as exc:
            raise ServiceUnavailable("the file storage does not answer") from exc
        if isinstance(storage, FileSystemStorage):
            directory = Path(storage.location)
            while not directory.exists() and directory != directory.parent:
                directory = directory.parent  # created at the first upload: its parent must let it be
            if not os.access(directory, os.W_OK):
                raise ServiceUnavailable("the media directory cannot be written")


@dataclasses.dataclass
class TaskQueue(HealthCheck):
    """Workers take the tasks in time (mutua.core.tasks.task_queue_problem); nothing to ask without the database
    task backend."""

    async def run(self) -> None:
        if not str(settings.TASKS["default"]["BACKEND"]).startswith("django_tasks_db."):
            return
        problem = await sync_to_async(task_queue_problem, thread_sensitive=True)()
        if problem:
            raise ServiceUnavailable(problem)


# Checks of other apps (mutua.documents: the malware scanner), registered by their AppConfig.ready: each factory
# gives its check, or None when the service it asks about is not configured.
_REGISTERED: dict[str, Callable[[], HealthCheck | None]] = {}


def readiness_check_register(name: str, factory: Callable[[], HealthCheck | None]) -> None:
    _REGISTERED[name] = factory


def readiness_checks() -> dict[str, HealthCheck]:
    checks: dict[str, HealthCheck] = {
        "database": Database(),
        "cache": Cache(),
        "storage": FileStorage(),
        "tasks": TaskQueue(),
    }
    for name, factory in _REGISTERED.items():
        check = factory()
        if check is not None:
            checks[name] = check
    return checks


async def readiness(names: list[str] | None = None) -> dict[str, HealthCheckResult]:
    """Run the checks named (all by default) together; each within its own timeout."""
    checks = {name: check for name, check in readiness_checks().items() if not names or name in names}
    results = await asyncio.gather(*(check.get_result() for check in checks.values()))
    return dict(zip(checks, results, strict=True))


@login_not_required
@never_cache
def healthz(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok\n", content_type="text/plain; charset=utf-8")


@login_not_required
@never_cache
async def readyz(request: HttpRequest) -> HttpResponse:
    results = await readiness()
    failing = any(result.error for result in results.values())
    return JsonResponse(
        {
            "status": "failing" if failing else "ok",
            "checks": {name: "failing" if result.error else "ok" for name, result in results.items()},
        },
        status=503 if failing else 200,
    )
