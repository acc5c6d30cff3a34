""" "Scarica i miei dati": the request, the worker's build of the ZIP, the download and the expiry."""

from __future__ import annotations

import datetime as dt
import logging
import tempfile

from django.conf import settings
from django.core.files import File
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_tasks import task

from mutua.audit.services import audit_record
from mutua.core.requestid import current_request_id
from mutua.members.models import Member
from mutua.members.notices import Notice, member_notify
from mutua.notifications.models import NotificationKind
from mutua.privacy.archive import archive_write
from mutua.privacy.models import DataExport, ExportStatus

logger = logging.getLogger("mutua.privacy")

EXPORT_TTL = dt.timedelta(days=7)


class ExportError(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def data_export_request(*, member: Member, actor: object, request: HttpRequest | None) -> DataExport:
    """Queue a new copy of the member's data; one at a time, while one is being prepared."""
    with transaction.atomic():
        Member.objects.select_for_update().only("pk").get(pk=member.pk)
        if DataExport.objects.filter(member=member, status=ExportStatus.PENDING).exists():
            raise ExportError(_("Stiamo già preparando una copia dei tuoi dati: ti avviseremo quando è pronta."))
        export = DataExport.objects.create(member=member, requested_at=timezone.now())
        audit_record(action="data_export.requested", actor=actor, member=member, request=request, export=export.pk)
        # Written in this transaction (database queue): a committed request is never lost, a rolled-back one never runs.
        data_export_build.enqueue(export_id=export.pk, request_id=current_request_id())
    return export


@task()
def data_export_build(*, export_id: int, request_id: str = "") -> None:
    """The worker writes the ZIP, stores it privately and tells the member (portal, e-mail); safe to run twice."""
    export = DataExport.objects.select_related("member").filter(pk=export_id, status=ExportStatus.PENDING).first()
    if export is None:
        return  # already built (a task run again after a worker died), or gone
    member = export.member
    try:
        with tempfile.SpooledTemporaryFile(max_size=16 * 1024 * 1024) as spool:
            archive_write(member, spool, mutual_name=settings.MUTUA_NAME)
            size = spool.tell()
            spool.seek(0)
            with transaction.atomic():
                export.file.save("export.zip", File(spool), save=False)
                now = timezone.now()
                export.status = ExportStatus.READY
                export.ready_at = now
                export.expires_at = now + EXPORT_TTL
                export.size = size
                export.save(update_fields=["file", "status", "ready_at", "expires_at", "size"])
                audit_record(action="data_export.ready", member=member, export=export.pk, size=size)
                member_notify(member_id=member.pk, notice=_ready_notice(export))
    except Exception:
        logger.exception("data export %s failed", export_id)
        DataExport.objects.filter(pk=export_id).update(status=ExportStatus.FAILED)
        raise


def _ready_notice(export: DataExport) -> Notice:
    from django.urls import reverse

    with translation.override(settings.LANGUAGE_CODE):
        until = f"{timezone.localtime(export.expires_at):%d/%m/%Y %H:%M}" if export.expires_at else ""
        text = _(
            "La copia dei tuoi dati che hai chiesto è pronta. Puoi scaricarla dall'area soci, in Profilo › Scarica i "
            "miei dati, fino al %(until)s; poi viene cancellata."
        ) % {"until": until}
        return Notice(
            kind=NotificationKind.GENERIC,
            category=None,  # the member asked for it: sent whatever their choices in "Avvisi"
            title=_("La copia dei tuoi dati è pronta"),
            body=text,
            email=text,
            sms=_("%(name)s: la copia dei tuoi dati è pronta nell'area soci fino al %(until)s.")
            % {"name": settings.MUTUA_NAME, "until": until},
            url=reverse("portal:data_export"),
        )


def data_export_downloaded(*, export: DataExport, actor: object, request: HttpRequest | None) -> None:
    """Record that the member took their copy (audited, like every access to the member's data)."""
    with transaction.atomic():
        DataExport.objects.filter(pk=export.pk).update(downloaded_at=timezone.now())
        audit_record(
            action="data_export.downloaded", actor=actor, member=export.member, request=request, export=export.pk
        )


def data_exports_purge() -> int:
    """Delete the files of copies past their 7 days (the rows stay, as the record of the requests)."""
    purged = 0
    for export in DataExport.objects.filter(status=ExportStatus.READY, expires_at__lte=timezone.now()).select_related(
        "member"
    ):
        with transaction.atomic():
            if export.file:
                export.file.delete(save=False)
            export.status = ExportStatus.EXPIRED
            export.save(update_fields=["file", "status"])
            audit_record(action="data_export.expired", member=export.member, export=export.pk)
        purged += 1
    return purged
