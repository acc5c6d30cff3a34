"""Reads of bookings, always scoped to the member who owns them."""

from __future__ import annotations

from django.db.models import QuerySet

from mutua.bookings.models import Booking, BookingAttachment, BookingStatus
from mutua.members.models import Member


def bookings_for_member(*, member: Member) -> QuerySet[Booking]:
    """Every booking of the member, drafts included; the base of every member booking URL."""
    return Booking.objects.filter(member=member)


def booking_for_member(*, member: Member, pk: int) -> Booking | None:
    return (
        bookings_for_member(member=member)
        .select_related("member", "beneficiary", "provider")
        .prefetch_related("attachments", "events")
        .filter(pk=pk)
        .first()
    )


def booking_draft_for_member(*, member: Member) -> Booking | None:
    return bookings_for_member(member=member).filter(status=BookingStatus.DRAFT).first()


def booking_list_for_member(*, member: Member, year: int | None = None) -> QuerySet[Booking]:
    """Lista pratiche's direct-form requests: sent bookings, newest first, with provider and person, one query (the
    columns shown)."""
    qs = (
        bookings_for_member(member=member)
        .exclude(status=BookingStatus.DRAFT)
        .select_related("member", "provider", "beneficiary")
        .only(
            "status",
            "submitted_at",
            "appointment_date",
            "appointment_time",
            "provider__name",
            "member__first_name",
            "member__last_name",
            "beneficiary__first_name",
            "beneficiary__last_name",
        )
        .order_by("-submitted_at", "-pk")
    )
    if year:
        qs = qs.filter(submitted_at__year=year)
    return qs


def booking_attachment_for_member(*, member: Member, pk: int) -> BookingAttachment | None:
    return BookingAttachment.objects.select_related("booking").filter(pk=pk, booking__member=member).first()
