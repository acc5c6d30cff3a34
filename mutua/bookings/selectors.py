"""Reads of bookings, always scoped: to the member who owns them, or to what an operator may see."""

from __future__ import annotations

from django.db.models import Count, QuerySet

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


# --- The back office's reads (scoped to the operator by mutua.backoffice.permissions) -------------------------


def bookings_sent(*, office_id: int | None = None) -> QuerySet[Booking]:
    """Every sent booking, or only those of one regional office's members."""
    bookings = Booking.objects.exclude(status=BookingStatus.DRAFT)
    return bookings if office_id is None else bookings.filter(member__regional_office_id=office_id)


BOOKING_WORKLIST_STATUSES = (
    BookingStatus.SUBMITTED,
    BookingStatus.TAKEN,
    BookingStatus.REFUSED,
    BookingStatus.CANCELLED,
)


def booking_worklist(*, bookings: QuerySet[Booking], status: str) -> QuerySet[Booking]:
    """Those of `bookings` in `status`, oldest sent first, with member, office, person and provider, in one query."""
    return (
        bookings.filter(status=status)
        .select_related("member__regional_office", "beneficiary", "provider")
        .order_by("submitted_at", "pk")
    )


def booking_worklist_counts(*, bookings: QuerySet[Booking]) -> dict[str, int]:
    """How many of `bookings` in each status (one query)."""
    rows = bookings.order_by().values_list("status").annotate(n=Count("pk"))
    counts: dict[str, int] = dict.fromkeys(BOOKING_WORKLIST_STATUSES, 0)
    counts.update(dict(rows))
    return counts


def booking_review(*, bookings: QuerySet[Booking], pk: int) -> Booking | None:
    """One of `bookings` with what the review page shows: member, office, family, person, provider, files, history."""
    return (
        bookings.select_related("member__regional_office", "member__user", "beneficiary", "provider")
        .prefetch_related("attachments", "events__actor", "member__beneficiaries")
        .filter(pk=pk)
        .first()
    )
