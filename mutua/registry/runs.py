"""Registry imports run by the worker for the back office and the nightly job: the file is stored, checked by a
dry run, and imported once a supervisor confirms (the nightly job imports at once). Each run is a RegistryRun row:
the history supervisors read."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import connection, connections, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from mutua.accounts.models import User
from mutua.documents.models import private_storage_name
from mutua.registry.errors import RowIssue
from mutua.registry.files import RegistryFileError
from mutua.registry.models import RegistryRun, RunSource, RunStatus
from mutua.registry.services import ENTITY_LABELS, ImportReport, registry_import, registry_open

logger = logging.getLogger(__name__)

SHOWN_ERRORS = 20
PROGRESS_SECONDS = 1.0


class RunError(Exception):
    """A run that cannot move as asked (already confirmed, not checked yet)."""


def file_sha256(stream: IO[bytes]) -> str:
    digest = hashlib.sha256()
    for block in iter(lambda: stream.read(1 << 20), b""):
        digest.update(block)
    stream.seek(0)
    return digest.hexdigest()


def registry_run_create(
    *,
    stream: IO[bytes],
    file_name: str,
    size: int,
    entity: str,
    full: bool,
    actor: User | None,
    source: str = RunSource.BACKOFFICE,
    source_object: str = "",
    check: bool = True,
) -> RegistryRun:
    """Store an uploaded registry file (under a random name) and queue its dry run; the caller checked its columns."""
    from mutua.registry.tasks import registry_run_task

    sha256 = file_sha256(stream)
    stored = default_storage.save(private_storage_name("registry"), File(stream))
    with transaction.atomic():
        run = RegistryRun.objects.create(
            created_by=actor,
            source=source,
            source_object=source_object,
            file=stored,
            file_name=file_name[:255],
            file_sha256=sha256,
            size=size,
            entity=entity,
            full=full,
            status=RunStatus.CHECKING if check else RunStatus.QUEUED,
        )
        if check:
            transaction.on_commit(lambda: registry_run_task.enqueue(run_id=run.pk, dry_run=True))
    return run


def registry_run_confirm(*, run: RegistryRun, actor: User) -> RegistryRun:
    """A supervisor confirms a checked file: the worker imports it."""
    from mutua.registry.tasks import registry_run_task

    with transaction.atomic():
        locked = RegistryRun.objects.select_for_update().get(pk=run.pk)
        if locked.status != RunStatus.CHECKED:
            raise RunError(_("Questa importazione non è in attesa di conferma."))
        locked.status = RunStatus.QUEUED
        locked.confirmed_by = actor
        locked.confirmed_at = timezone.now()
        locked.save(update_fields=["status", "confirmed_by", "confirmed_at"])
        transaction.on_commit(lambda: registry_run_task.enqueue(run_id=locked.pk, dry_run=False))
    return locked


@contextmanager
def _local_copy(run: RegistryRun) -> Iterator[Path]:
    """The stored file as a local file (the storage may be S3), named like the original for its extension."""
    with tempfile.TemporaryDirectory(prefix="registro-") as directory:
        path = Path(directory) / Path(run.file_name).name
        with run.file.open("rb") as stored, path.open("wb") as local:
            shutil.copyfileobj(stored, local)
        yield path


def _at_most_every_progress_interval(
    write: Callable[[str, int, int, int], None],
) -> Callable[[str, int, int, int], None]:
    """`write`, skipped when the previous write was less than PROGRESS_SECONDS ago."""
    last = [0.0]

    def throttled(entity: str, rows: int, position: int, size: int) -> None:
        now = time.monotonic()
        if now - last[0] >= PROGRESS_SECONDS:
            last[0] = now
            write(entity, rows, position, size)

    return throttled


def _progress(run_id: int) -> tuple[Callable[[str, int, int, int], None], Callable[[], None]]:
    """Progress written through a connection of its own, committed at once, so the page sees it while the import's
    transaction is open. SQLite allows one writer at a time, and the import's transaction is it: there the progress
    goes to a small file instead (see progress_path)."""
    if connection.vendor != "postgresql":
        return _progress_to_file(run_id)
    side = connections.create_connection("default")

    @_at_most_every_progress_interval
    def write(entity: str, rows: int, position: int, size: int) -> None:
        with side.cursor() as cursor:
            cursor.execute(
                f"UPDATE {RegistryRun._meta.db_table} SET rows_read = %s, bytes_read = %s WHERE id = %s",  # noqa: S608
                [rows, position, run_id],
            )

    return write, side.close


def progress_path(run_id: int) -> Path:
    """Where the worker leaves a run's progress on SQLite: an SQLite portal is one machine, so the worker and the
    web server share this folder."""
    return Path(settings.VAR_DIR) / "registry-progress" / f"{run_id}.json"


def _progress_to_file(run_id: int) -> tuple[Callable[[str, int, int, int], None], Callable[[], None]]:
    path = progress_path(run_id)
    path.parent.mkdir(parents=True, exist_ok=True)

    @_at_most_every_progress_interval
    def write(entity: str, rows: int, position: int, size: int) -> None:
        temporary = path.with_suffix(".tmp")
        temporary.write_text(json.dumps({"rows": rows, "bytes": position}), encoding="utf-8")
        os.replace(temporary, path)  # the page never reads half a file

    return write, lambda: path.unlink(missing_ok=True)


def run_with_progress(run: RegistryRun) -> RegistryRun:
    """The run with the rows and bytes read so far: on PostgreSQL they are in its row already; on SQLite they are
    read from the worker's progress file while the run is in progress."""
    if run.in_progress and connection.vendor != "postgresql":
        try:
            progress = json.loads(progress_path(run.pk).read_text(encoding="utf-8"))
            run.rows_read, run.bytes_read = int(progress["rows"]), int(progress["bytes"])
        except (OSError, ValueError, KeyError, TypeError):
            pass  # not started yet, or just finished: the row's own values
    return run


def summary_of(report: ImportReport) -> dict[str, Any]:
    """What the pages show: counts per entity, the first errors, the file errors; no personal data but the
    cells the errors quote, which only supervisors read."""
    return {
        "counts": [
            {"entity": str(ENTITY_LABELS[entity]), **counts.as_dict()}
            for entity, counts in report.counts.items()
            if counts.rows or counts.missing
        ],
        "errors": [_issue(issue) for issue in report.errors[:SHOWN_ERRORS]],
        "error_count": report.error_count,
        "file_errors": report.file_errors,
        "notes": report.note_count,
        "rows": report.rows,
        "seconds": round(report.seconds, 1),
    }


def _issue(issue: RowIssue) -> dict[str, Any]:
    return {"line": issue.line, "message": " ".join(issue.messages)}


def registry_run_execute(*, run_id: int, dry_run: bool) -> RegistryRun:
    """The worker's side: check (dry run) or import the run's file, and record the outcome on the run."""
    run = RegistryRun.objects.select_related("created_by", "confirmed_by").get(pk=run_id)
    expected = RunStatus.CHECKING if dry_run else RunStatus.QUEUED
    if run.status != expected:
        logger.warning("registry run %d is %s, not %s: nothing done", run.pk, run.status, expected)
        return run
    RegistryRun.objects.filter(pk=run.pk).update(
        status=run.status if dry_run else RunStatus.RUNNING, started_at=timezone.now(), rows_read=0, bytes_read=0
    )
    progress, close = _progress(run.pk)
    errors_path = Path(tempfile.mkdtemp(prefix="registro-errori-")) / "errori.csv"
    try:
        with _local_copy(run) as path:
            source = registry_open(path=path, entity=run.entity)
            report = registry_import(
                sources=[source],
                actor=run.confirmed_by or run.created_by,
                dry_run=dry_run,
                full=run.full,
                progress=progress,
                error_path=errors_path,
            )
    except RegistryFileError as exc:
        return _finish(run, status=RunStatus.FAILED, failure=exc.message)
    finally:
        close()
    summary = summary_of(report)
    fields: dict[str, Any] = {"error_count": report.error_count, "rows_read": report.rows, "bytes_read": run.size}
    if report.error_path:
        with report.error_path.open("rb") as handle:
            fields["error_file"] = default_storage.save(private_storage_name("registry-errors"), File(handle))
    shutil.rmtree(errors_path.parent, ignore_errors=True)
    if dry_run:
        status = RunStatus.FAILED if report.file_errors else RunStatus.CHECKED
        return _finish(run, status=status, preview=summary, **fields)
    status = RunStatus.FAILED if report.file_errors else RunStatus.DONE
    return _finish(run, status=status, result=summary, **fields)


def _finish(run: RegistryRun, *, status: str, **fields: Any) -> RegistryRun:
    for name, value in {"status": status, "finished_at": timezone.now(), **fields}.items():
        setattr(run, name, value)
    run.failure = str(fields.get("failure", ""))[:500]
    run.save()
    return run
