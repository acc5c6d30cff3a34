from __future__ import annotations

from django.db.models import QuerySet
from django.utils import timezone

from mutua.members.models import Member
from mutua.privacy.models import DataExport, ExportStatus


def data_exports_for_member(*, member: Member) -> QuerySet[DataExport]:
    """The member's own copies, the newest first."""
    return DataExport.objects.filter(member=member).order_by("-requested_at", "-pk")


def data_export_downloadable(*, member: Member, pk: int) -> DataExport | None:
    """The member's copy `pk`, when it is ready and its 7 days have not passed."""
    return (
        data_exports_for_member(member=member)
        .filter(pk=pk, status=ExportStatus.READY, expires_at__gt=timezone.now())
        .select_related("member")
        .first()
    )
