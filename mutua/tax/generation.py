"""The background preparation of a communication's file (django-tasks, `manage.py db_worker`).

The file is written to a temporary file, slice of members by slice, with the progress saved on the row as it goes;
only when it is complete is it stored and the row made "ready": a failure leaves no file, only the error. Running
the task twice (a worker that died, recovered by `tasks_recover_stale`) starts the file again from the beginning.
"""

from __future__ import annotations

import hashlib
import logging
import tempfile
from collections.abc import Iterator
from pathlib import Path

from django.conf import settings
from django.core.files import File
from django.db import transaction
from django.utils import timezone
from django_tasks import task

from mutua.audit.services import audit_record
from mutua.plans.selectors import deduction_cap_for
from mutua.tax import rows
from mutua.tax.layout import parse
from mutua.tax.models import CommunicationKind, CommunicationStatus, TaxCommunication
from mutua.tax.writer import Header, WrittenFile, write_communication

logger = logging.getLogger("mutua.tax")
# How many changed records are kept to be listed; the count is always complete.
CHANGES_SAMPLE = 500
AMOUNT_FIELDS = (
    "treatment",
    "contributions_same_year",
    "contributions_earlier_years",
    "spent_same_year",
    "reimbursed_same_year",
    "spent_earlier_years",
    "reimbursed_earlier_years",
)


@task()
def communication_generate(*, communication_id: int, request_id: str = "") -> None:
    communication_build(communication_id=communication_id)


def _details(path: Path) -> Iterator[dict[str, str]]:
    with path.open(encoding="ascii", newline="") as fh:
        for line in fh:
            if line.startswith("1"):
                yield parse(line)


def _changes(old: Path, new: Path) -> tuple[int, list[dict[str, object]]]:
    """The detail records that differ between two files, by (member, person): each changed field with its value
    before and after (amounts in cents; a record added or removed has zeros on the missing side)."""

    def keyed(path: Path) -> dict[tuple[str, str], tuple[str, ...]]:
        return {(d["member_cf"], d["person_cf"]): tuple(d[f] for f in AMOUNT_FIELDS) for d in _details(path)}

    before, after = keyed(old), keyed(new)
    count, sample = 0, list[dict[str, object]]()
    for key in sorted(before.keys() | after.keys()):
        if before.get(key) == after.get(key):
            continue
        count += 1
        if len(sample) < CHANGES_SAMPLE:
            zeros = ("0",) * len(AMOUNT_FIELDS)
            old_values, new_values = before.get(key, zeros), after.get(key, zeros)
            sample.append(
                {
                    "member_cf": key[0],
                    "person_cf": key[1],
                    "added": key not in before,
                    "removed": key not in after,
                    "fields": [
                        [f, int(o), int(n)]
                        for f, o, n in zip(AMOUNT_FIELDS, old_values, new_values, strict=True)
                        if o != n and f != "treatment"
                    ],
                }
            )
    return count, sample


def _sha256(path: Path) -> str:
    """The file's hash, read a megabyte at a time: a million members' file is some 400 MB."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def communication_build(*, communication_id: int) -> TaxCommunication | None:
    """Write the file of a communication being prepared, store it, and make it ready (or failed, with why)."""
    communication = TaxCommunication.objects.filter(pk=communication_id, status=CommunicationStatus.GENERATING).first()
    if communication is None:
        return None  # already done, or set aside
    year = communication.year
    cap = deduction_cap_for(year=year)
    header = Header(
        sender_cf=settings.MUTUA_FISCAL_CODE,
        sender_name=settings.MUTUA_NAME,
        fund_type=settings.MUTUA_TAX_FUND_TYPE,
        year=year,
        kind=communication.kind,
        created_on=timezone.localdate(),
        version=communication.version,
        replaced_protocol=communication.replaces.protocol if communication.replaces else "",
    )

    def progress(done: int, total: int) -> None:
        TaxCommunication.objects.filter(pk=communication_id).update(progress=min(99, done * 100 // max(total, 1)))

    with tempfile.TemporaryDirectory(prefix="mutua-tax-") as tmp:
        path = Path(tmp) / communication.file_name
        try:
            with path.open("w", encoding="ascii", newline="") as out:
                written = write_communication(
                    out,
                    header=header,
                    households=rows.households(year=year, cap=cap.amount if cap else None, progress=progress),
                )
            count, changes = 0, list[dict[str, object]]()
            replaced = communication.replaces
            if replaced is not None and communication.kind == CommunicationKind.REPLACING and replaced.file:
                old = Path(tmp) / "replaced.txt"
                with replaced.file.open("rb") as src:
                    old.write_bytes(src.read())
                count, changes = _changes(old, path)
            digest = _sha256(path)
            with transaction.atomic():
                locked = TaxCommunication.objects.select_for_update().get(pk=communication_id)
                if locked.status != CommunicationStatus.GENERATING:
                    return None
                with path.open("rb") as fh:
                    locked.file.save(communication.file_name, File(fh), save=False)
                _finish(locked, written, digest=digest, size=path.stat().st_size, changes=(count, changes))
        except Exception as error:
            logger.exception("tax: communication %s of %s failed", communication_id, year)
            with transaction.atomic():
                TaxCommunication.objects.filter(pk=communication_id, status=CommunicationStatus.GENERATING).update(
                    status=CommunicationStatus.FAILED, error=str(error)[:500], finished_at=timezone.now()
                )
                audit_record(action="tax.communication_failed", year=year, communication=communication_id)
            return None
    return locked


def _finish(
    c: TaxCommunication, written: WrittenFile, *, digest: str, size: int, changes: tuple[int, list[dict[str, object]]]
) -> None:
    c.status = CommunicationStatus.READY
    c.progress = 100
    c.finished_at = timezone.now()
    c.sha256, c.size = digest, size
    c.totals = written.totals() | {
        "by_expense": {k: str(v) for k, v in sorted(written.reimbursed_by_expense.items(), reverse=True)}
    }
    c.anomaly_counts = written.anomaly_counts
    c.anomalies = [a.as_dict() for a in written.anomalies]
    c.changes_count, c.changes = changes
    c.save()
    audit_record(
        action="tax.communication_ready",
        year=c.year,
        version=c.version,
        communication=c.pk,
        sha256=digest,
        details=written.details,
        anomalies=sum(written.anomaly_counts.values()),
    )
