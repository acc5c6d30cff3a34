"""Malware scan of members' files, by ClamAV's daemon (clamd), in the worker, before an operator can open them.

1. **Upload.** `uploads_save` stores the file as `pending` and queues `scan_stored_file` in the same transaction
   (with scanning off, CLAMD_URL empty, it is stored as `not_scanned` and nothing is queued).
2. **Scan, in the worker.** The file is streamed from the storage to clamd (INSTREAM, by the project's own client in
   documents/clamd.py), so it works with a bucket as with a local disk. `OK` marks the file `clean`; `FOUND` marks
   it `infected`.
3. **Quarantine.** An infected file is moved under `quarantine/` in the same private storage (kept for whoever
   investigates, served by no view) and the app the file belongs to is told (`infected_handler_register`): claims
   notify the member, write the claim's timeline and block the settlement while the file stands.
4. **clamd unreachable** (down, restarting, reloading its database): the task is queued again after 1, 2, 4 … minutes,
   up to SCAN_MAX_ATTEMPTS, then left `pending` with an error in the log; `manage.py scan_pending_files` queues again
   every file still pending (run it after repairing clamd). A pending file stays closed to operators meanwhile.

Operators open a file only when `StoredFile.operator_can_open` (clean, or not scanned at all).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta
from typing import Any, BinaryIO

from django.apps import apps
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django_tasks import task

from mutua.core.requestid import current_request_id
from mutua.documents import clamd
from mutua.documents.models import ScanStatus, StoredFile, private_storage_name

logger = logging.getLogger("mutua.scanning")

InfectedHandler = Callable[[Any], None]
_INFECTED_HANDLERS: dict[str, InfectedHandler] = {}


class ScanUnavailable(Exception):
    """clamd could not give an answer (not running, timed out, or an ERROR reply)."""


def infected_handler_register(model_label: str, handler: InfectedHandler) -> None:
    """What to do, in the scan's transaction, when a file of `model_label` ("claims.Attachment") is infected."""
    _INFECTED_HANDLERS[model_label] = handler


def scanning_enabled() -> bool:
    return bool(settings.CLAMD_URL)


def clamd_ping() -> bool:
    return clamd.ping(settings.CLAMD_URL, settings.CLAMD_TIMEOUT)


def content_scan(handle: BinaryIO) -> str | None:
    """The name of what clamd found in the content, or None when it is clean. Raises ScanUnavailable."""
    try:
        status, detail = clamd.instream(settings.CLAMD_URL, settings.CLAMD_TIMEOUT, handle)
    except clamd.ClamdError as error:
        raise ScanUnavailable(str(error)) from error
    if status == "FOUND":
        return detail or "unknown"
    if status == "OK":
        return None
    raise ScanUnavailable(f"clamd answered {status}: {detail}")


def stored_files_queue_scan(rows: list[Any]) -> None:
    """After `rows` are saved: queue their scan in the caller's transaction (a rollback queues nothing)."""
    request_id = current_request_id()
    for row in rows:
        if row.scan_status == ScanStatus.PENDING:
            scan_stored_file.enqueue(model=row._meta.label, pk=row.pk, attempt=1, request_id=request_id)


def stored_file_scan(*, model: str, pk: int) -> Any:
    """Scan one pending file and record the outcome (returns the row, a StoredFile); an infected file is moved to
    quarantine. Raises ScanUnavailable.

    Safe to run twice: a file no longer pending (or gone) is left alone.
    """
    model_class = apps.get_model(model)
    row = model_class.objects.filter(pk=pk).first()
    if row is None or row.scan_status != ScanStatus.PENDING:
        return row
    try:
        with row.file.open("rb") as handle:
            signature = content_scan(handle)
    except FileNotFoundError:
        logger.error("scan: the file of %s %s is missing from the storage", model, pk)
        return row
    with transaction.atomic():
        locked = model_class.objects.select_for_update().filter(pk=pk).first()
        if locked is None or locked.scan_status != ScanStatus.PENDING:
            return locked
        locked.scanned_at = timezone.now()
        if signature is None:
            locked.scan_status = ScanStatus.CLEAN
            locked.save(update_fields=["scan_status", "scanned_at"])
            return locked
        _quarantine(locked)
        locked.scan_status = ScanStatus.INFECTED
        locked.scan_signature = signature[:200]
        locked.save(update_fields=["file", "scan_status", "scan_signature", "scanned_at"])
        logger.warning("scan: %s %s is infected (%s): quarantined", model, pk, signature)
        handler = _INFECTED_HANDLERS.get(model)
        if handler is not None:
            handler(locked)
    return locked


def _quarantine(row: Any) -> None:
    """Move the file under quarantine/, where no view serves it; the old name is removed once the move commits."""
    old_name = row.file.name
    storage = row.file.storage
    with row.file.open("rb") as handle:
        content = ContentFile(handle.read())
    row.file.name = storage.save(private_storage_name("quarantine"), content)
    transaction.on_commit(lambda: storage.delete(old_name))


def retry_delay(attempt: int) -> timedelta:
    return timedelta(minutes=min(2 ** (attempt - 1), 60))


@task()
def scan_stored_file(*, model: str, pk: int, attempt: int = 1, request_id: str = "") -> None:
    """The worker's side of `stored_file_scan`: when clamd cannot answer, try again later, a bounded number of times."""
    try:
        stored_file_scan(model=model, pk=pk)
    except ScanUnavailable as error:
        if attempt >= settings.SCAN_MAX_ATTEMPTS:
            logger.error(
                "scan: %s %s not scanned after %d attempts (%s): it stays closed to operators; repair clamd, then "
                "run manage.py scan_pending_files",
                model,
                pk,
                attempt,
                error,
            )
            return
        logger.warning("scan: clamd unavailable for %s %s (attempt %d): %s", model, pk, attempt, error)
        retry = scan_stored_file
        if scan_stored_file.get_backend().supports_defer:
            retry = scan_stored_file.using(run_after=timezone.now() + retry_delay(attempt))
        retry.enqueue(model=model, pk=pk, attempt=attempt + 1, request_id=request_id)


def pending_files_requeue(*, include_not_scanned: bool = False) -> int:
    """Queue the scan of every file still pending (after clamd was repaired); with `include_not_scanned`, also of the
    files stored while scanning was off (they become pending, closed to operators until scanned). Returns how many."""
    count = 0
    with transaction.atomic():
        for model_class in apps.get_models():
            if issubclass(model_class, StoredFile):
                rows = model_class._default_manager.all()
                if include_not_scanned:
                    rows.filter(scan_status=ScanStatus.NOT_SCANNED).update(scan_status=ScanStatus.PENDING)
                for pk in rows.filter(scan_status=ScanStatus.PENDING).values_list("pk", flat=True):
                    scan_stored_file.enqueue(model=model_class._meta.label, pk=pk, attempt=1)
                    count += 1
    return count
