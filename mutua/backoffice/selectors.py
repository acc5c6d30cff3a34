"""Reads of the back office. Every claim comes through `claims_for_operator` (mutua.backoffice.permissions)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Prefetch, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from mutua.accounts.models import Role, User
from mutua.backoffice.permissions import bookings_for_operator, claims_for_operator
from mutua.bookings.models import Booking, BookingStatus
from mutua.claims.models import Claim, ClaimDocument, ClaimStatus, ClaimSuspension, Settlement
from mutua.claims.selectors import ZERO
from mutua.members.models import Member, RegionalOffice
from mutua.plans.models import Contribution, Enrollment
from mutua.plans.selectors import YearStanding, contribution_regularity

WORKLIST_DEFAULT_STATUSES = (ClaimStatus.SUBMITTED, ClaimStatus.IN_REVIEW, ClaimStatus.SUSPENDED)


@dataclass(frozen=True)
class WorklistFilters:
    """The worklist's GET parameters, already checked: an unknown value is no filter."""

    status: str = ""  # empty: the open claims (sent, in review, suspended)
    office: int | None = None  # a RegionalOffice pk
    kind: str = ""
    older_than_days: int | None = None
    region: str = ""  # study subsidies: the region of the school (Claim.region)


def _filtered(*, user: User, filters: WorklistFilters) -> QuerySet[Claim]:
    claims = claims_for_operator(user=user)
    if filters.office is not None:
        claims = claims.filter(member__regional_office_id=filters.office)
    if filters.kind:
        claims = claims.filter(kind=filters.kind)
    if filters.region:
        claims = claims.filter(region=filters.region)
    if filters.older_than_days is not None:
        claims = claims.filter(submitted_at__lte=timezone.now() - dt.timedelta(days=filters.older_than_days))
    return claims


def worklist(*, user: User, filters: WorklistFilters) -> QuerySet[Claim]:
    """The claims to work, oldest sent first, with what a row shows, in one query."""
    claims = _filtered(user=user, filters=filters)
    if filters.status:
        claims = claims.filter(status=filters.status)
    else:
        claims = claims.filter(status__in=WORKLIST_DEFAULT_STATUSES)
    return (
        claims.select_related("member__regional_office", "assigned_to")
        .annotate(document_count=Count("documents"), amount_asked=Coalesce(Sum("documents__amount"), ZERO))
        .order_by("submitted_at", "pk")
    )


def worklist_counts(*, user: User, filters: WorklistFilters) -> dict[str, int]:
    """How many claims in each status, under every filter but the status one (one query)."""
    rows = (
        _filtered(user=user, filters=filters)
        .order_by()
        .values_list("status")
        .annotate(n=Count("pk"))
        .values_list("status", "n")
    )
    counts = {status: 0 for status in ClaimStatus.values if status != ClaimStatus.DRAFT}
    counts.update(dict(rows))
    return counts


def offices_for_operator(*, user: User) -> QuerySet[RegionalOffice]:
    offices = RegionalOffice.objects.order_by("region", "name")
    if user.role == Role.REGIONAL_OPERATOR:
        offices = offices.filter(pk=user.regional_office_id) if user.regional_office_id else offices.none()
    return offices


def claim_review(*, user: User, pk: int) -> Claim | None:
    """One claim with everything the review page shows: member, office, family, documents and files, history."""
    documents = ClaimDocument.objects.select_related("beneficiary", "settlement").prefetch_related("attachments")
    return (
        claims_for_operator(user=user)
        .select_related("member__regional_office", "member__user", "assigned_to")
        .prefetch_related(
            Prefetch("documents", queryset=documents),
            "events__actor",
            "member__beneficiaries",
            Prefetch("suspensions", queryset=ClaimSuspension.objects.filter(ended_at=None), to_attr="open_suspensions"),
        )
        .filter(pk=pk)
        .first()
    )


@dataclass
class Standing:
    """The member's position as the review page shows it: contributions paid, waiting period over."""

    enrollments: list[Enrollment]
    unpaid: list[YearStanding] = field(default_factory=list)  # recent competence years with something still due
    waiting_until: dt.date | None = None  # the end of the waiting period, when not over yet

    @property
    def contributions_regular(self) -> bool:
        return not self.unpaid

    @property
    def waiting_over(self) -> bool:
        return self.waiting_until is None and bool(self.enrollments)

    @property
    def regular(self) -> bool:
        return self.contributions_regular and self.waiting_over


def member_standing(*, member: Member, on: dt.date | None = None) -> Standing:
    """Contributions regular (mutua.plans' yearly regularity, recent years) and the waiting period over, on `on`.

    The waiting period is the plan's carenza (Plan.waiting_days) from the first adesione in force. Two queries.
    """
    on = on or timezone.localdate()
    enrollments = list(
        Enrollment.objects.filter(member=member, start_date__lte=on)
        .exclude(end_date__lt=on)
        .select_related("plan")
        .order_by("start_date", "pk")
    )
    years = contribution_regularity(contributions=Contribution.objects.filter(member=member), today=on)
    unpaid = sorted((y for y in years if not y.regular), key=lambda y: y.year)
    waiting_until = None
    if enrollments:
        end = enrollments[0].start_date + dt.timedelta(days=enrollments[0].plan.waiting_days)
        if end > on:
            waiting_until = end
    return Standing(enrollments=enrollments, unpaid=unpaid, waiting_until=waiting_until)


def member_settlements_in_year(*, member: Member, year: int, exclude_claim: Claim) -> list[Settlement]:
    """The member's settlements made in `year` for other claims: what was already reimbursed this year."""
    return list(
        Settlement.objects.filter(document__claim__member=member, created_at__year=year)
        .exclude(document__claim=exclude_claim)
        .select_related("document__claim", "document__beneficiary")
        .order_by("created_at", "pk")
    )


def settlements_total(settlements: list[Settlement]) -> Decimal:
    return sum((s.amount_paid for s in settlements), Decimal("0"))


# --- Direct-form bookings -------------------------------------------------------------------------------------

BOOKING_WORKLIST_STATUSES = (
    BookingStatus.SUBMITTED,
    BookingStatus.TAKEN,
    BookingStatus.REFUSED,
    BookingStatus.CANCELLED,
)


def booking_worklist(*, user: User, status: str) -> QuerySet[Booking]:
    """Sent bookings in `status`, oldest sent first, with member, office, person and provider, in one query."""
    return (
        bookings_for_operator(user=user)
        .filter(status=status)
        .select_related("member__regional_office", "beneficiary", "provider")
        .order_by("submitted_at", "pk")
    )


def booking_worklist_counts(*, user: User) -> dict[str, int]:
    """How many sent bookings in each status (one query)."""
    rows = bookings_for_operator(user=user).order_by().values_list("status").annotate(n=Count("pk"))
    counts: dict[str, int] = dict.fromkeys(BOOKING_WORKLIST_STATUSES, 0)
    counts.update(dict(rows))
    return counts


def booking_review(*, user: User, pk: int) -> Booking | None:
    """One booking with what the review page shows: member, office, family, person, provider, files, history."""
    return (
        bookings_for_operator(user=user)
        .select_related("member__regional_office", "member__user", "beneficiary", "provider")
        .prefetch_related("attachments", "events__actor", "member__beneficiaries")
        .filter(pk=pk)
        .first()
    )
