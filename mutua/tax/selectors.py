"""Reads of the year's communications, for the back office."""

from __future__ import annotations

from django.db.models import QuerySet

from mutua.tax.models import CommunicationStatus, TaxCommunication


def communications_of_year(*, year: int) -> QuerySet[TaxCommunication]:
    """Every version of a year, newest first, with who prepared and who sent it."""
    return (
        TaxCommunication.objects.filter(year=year)
        .select_related("created_by", "sent_by", "replaces")
        .order_by("-version")
    )


def communication_in_progress(*, versions: list[TaxCommunication]) -> TaxCommunication | None:
    """The version being prepared, waiting to be sent, or that failed: what the supervisor works on."""
    waiting = (CommunicationStatus.GENERATING, CommunicationStatus.READY, CommunicationStatus.FAILED)
    return next((c for c in versions if c.status in waiting), None)


def communication_sent(*, versions: list[TaxCommunication]) -> TaxCommunication | None:
    return next((c for c in versions if c.status == CommunicationStatus.SENT), None)


def latest_by_year(*, years: list[int]) -> dict[int, TaxCommunication]:
    """The newest version of each year asked, in one query."""
    latest: dict[int, TaxCommunication] = {}
    for c in TaxCommunication.objects.filter(year__in=years).exclude(status=CommunicationStatus.DISCARDED):
        if c.year not in latest or c.version > latest[c.year].version:
            latest[c.year] = c
    return latest


def communication_by_pk(*, pk: int) -> TaxCommunication | None:
    return TaxCommunication.objects.select_related("replaces").filter(pk=pk).first()
