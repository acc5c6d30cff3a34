"""Reads of a member's plans (adesioni) and contributions, always scoped to the member; sums computed in Python
from rows fetched in a constant number of queries."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from mutua.members.models import Beneficiary, Member
from mutua.plans.models import Contribution, ContributionMethod, DeductionCap, Enrollment

ZERO = Decimal("0.00")
CENT = Decimal("0.01")
# The guide: members download the certificates of the contributions paid in the last two years.
CERTIFICATE_YEARS = 2
# Adesioni shows the regularity of the last three competence years, as the registry keeps them.
STANDING_YEARS = 3
# Paid through the employer under a contract: deductible from income (art. 51 TUIR) and certified in the
# employer's Certificazione Unica, so never part of the 19% credit (docs/domain.md, Tax rules).
NOT_DETRAIBILE_METHODS: frozenset[str] = frozenset({ContributionMethod.PAYROLL})


def _cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


# Adesioni


@dataclass(frozen=True)
class YearStanding:
    """The contributions of one competence year of an adesione: due, paid and, if any, what is still due."""

    year: int
    due: Decimal
    paid: Decimal

    @property
    def outstanding(self) -> Decimal:
        return max(self.due - self.paid, ZERO)

    @property
    def regular(self) -> bool:
        return self.outstanding == ZERO


def plans_of_member(*, member: Member) -> QuerySet[Enrollment]:
    """Panoramica's "Adesioni": each adesione with its plan's name, in one query (the columns shown)."""
    return (
        Enrollment.objects.filter(member=member)
        .select_related("plan")
        .only("start_date", "plan__name")
        .order_by("start_date", "pk")
    )


def enrollments_for_member(*, member: Member) -> QuerySet[Enrollment]:
    """Every adesione of the member with its plan, its family members and its contributions: three queries."""
    return (
        Enrollment.objects.filter(member=member)
        .select_related("plan")
        .prefetch_related(
            Prefetch("beneficiaries", queryset=Beneficiary.objects.order_by("birth_date", "pk")),
            Prefetch("contributions", queryset=Contribution.objects.order_by("year", "paid_on", "pk")),
        )
        .order_by("start_date", "pk")
    )


def enrollments_with_family(*, member: Member) -> QuerySet[Enrollment]:
    """The back office's Scheda socio: each adesione with its plan and its family members, in two queries."""
    return (
        Enrollment.objects.filter(member=member)
        .select_related("plan")
        .prefetch_related(Prefetch("beneficiaries", queryset=Beneficiary.objects.order_by("birth_date", "pk")))
        .order_by("start_date", "pk")
    )


def contribution_regularity(
    *, contributions: Iterable[Contribution], today: dt.date, years: int = STANDING_YEARS
) -> list[YearStanding]:
    """Per competence year, newest first, within the last `years` years: the sum due against the sum paid.

    A year is regular when what was paid covers what was due; an overpayment does not carry over to another year.
    """
    due: dict[int, Decimal] = defaultdict(lambda: ZERO)
    paid: dict[int, Decimal] = defaultdict(lambda: ZERO)
    first = today.year - years + 1
    for contribution in contributions:
        if first <= contribution.year <= today.year:
            due[contribution.year] += contribution.amount_due
            paid[contribution.year] += contribution.amount_paid
    return [YearStanding(year=year, due=due[year], paid=paid[year]) for year in sorted(due, reverse=True)]


def enrollment_is_active(*, enrollment: Enrollment, on: dt.date) -> bool:
    return enrollment.start_date <= on and (enrollment.end_date is None or enrollment.end_date >= on)


def active_enrollments(*, member: Member, on: dt.date) -> QuerySet[Enrollment]:
    """The adesioni in force on a day, with plan and family members: what the membership card shows."""
    return (
        enrollments_for_member(member=member)
        .filter(start_date__lte=on)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=on))
    )


# Certificazioni contributi


def certificate_years(*, today: dt.date) -> list[int]:
    """The years whose certificate a member downloads from the portal, newest first; earlier ones by e-mail."""
    return [today.year - n for n in range(CERTIFICATE_YEARS)]


def deduction_cap_for(*, year: int) -> DeductionCap | None:
    """The cap in force in a tax year: the row with the latest `from_year` not after it."""
    return DeductionCap.objects.filter(from_year__lte=year).order_by("-from_year").first()


def contributions_paid_in(*, member: Member, year: int) -> QuerySet[Contribution]:
    """The member's payments made in a calendar year (cash basis: the date of payment, not the competence year)."""
    return (
        Contribution.objects.filter(member=member, paid_on__year=year, amount_paid__gt=0)
        .select_related("enrollment__plan")
        .order_by("paid_on", "pk")
    )


@dataclass(frozen=True)
class CertifiedPayment:
    """One payment as the certificate prints it, split between the member's own position and the family's."""

    contribution: Contribution
    own_part: Decimal
    family_part: Decimal
    detraibile: bool  # traceable and not through payroll: the own part counts for the 19% credit


@dataclass(frozen=True)
class ContributionSummary:
    year: int
    payments: list[CertifiedPayment]
    own_total: Decimal
    family_total: Decimal
    total: Decimal
    detraibile_total: Decimal  # own parts that count for the credit, before the cap
    cap: Decimal | None
    legal_reference: str

    @property
    def detraibile_amount(self) -> Decimal:
        """What the member may claim: the own detraibile part, never more than the year's cap."""
        if self.cap is None:
            return self.detraibile_total
        return min(self.detraibile_total, self.cap)

    @property
    def over_cap(self) -> Decimal:
        return self.detraibile_total - self.detraibile_amount


def certified_payment(contribution: Contribution) -> CertifiedPayment:
    """Split a payment: `family_part` is the family's share of what was due, so a partial payment covers both
    positions in proportion (rounded to the cent, the member's part taking the remainder)."""
    own, family = payment_split(
        paid=contribution.amount_paid, due=contribution.amount_due, family_part=contribution.family_part
    )
    return CertifiedPayment(
        contribution=contribution,
        own_part=own,
        family_part=family,
        detraibile=contribution.method not in NOT_DETRAIBILE_METHODS,
    )


def payment_split(*, paid: Decimal, due: Decimal, family_part: Decimal) -> tuple[Decimal, Decimal]:
    """A payment's (own, family) parts: a partial payment covers both positions in proportion to what was due
    (rounded to the cent, the member's part taking the remainder); a full one pays the family part first in full.
    The certificate and the yearly communication to the Agenzia delle Entrate (mutua.tax) both split this way."""
    family = _cents(family_part * paid / due) if due > 0 and paid < due else min(family_part, paid)
    return paid - family, family


def contribution_summary(
    *, year: int, contributions: Sequence[Contribution], cap: DeductionCap | None
) -> ContributionSummary:
    """The sums of a year's certificate: own and family subtotals, and the own detraibile part against the cap.

    Only the member's own position counts for the credit (family members' contributions never do, even for
    dependants), and only payments that are not payroll deductions (docs/domain.md, Tax rules).
    """
    payments = [certified_payment(c) for c in contributions]
    own = sum((p.own_part for p in payments), ZERO)
    family = sum((p.family_part for p in payments), ZERO)
    return ContributionSummary(
        year=year,
        payments=payments,
        own_total=own,
        family_total=family,
        total=own + family,
        detraibile_total=sum((p.own_part for p in payments if p.detraibile), ZERO),
        cap=cap.amount if cap else None,
        legal_reference=cap.legal_reference if cap else "",
    )


def contribution_certificate_for(*, member: Member, year: int) -> ContributionSummary:
    """Everything a year's contribution certificate states about the member's payments: two queries."""
    return contribution_summary(
        year=year,
        contributions=list(contributions_paid_in(member=member, year=year)),
        cap=deduction_cap_for(year=year),
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
