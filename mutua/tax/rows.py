"""The rows `mutua.tax.figures.tax_figures` reads, straight from the database, for the whole mutual or one member.

For the whole mutual the work is split into slices of member ids (`member_slices`): each slice costs four
queries whatever its size (people, contributions with their adesioni's family, reimbursements summed in SQL),
so memory stays flat and the file is written as it goes.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterator
from decimal import Decimal

from django.db.models import Count, DecimalField, F, Max, Min, Q, QuerySet, Sum
from django.db.models.functions import Coalesce

from mutua.claims.models import REIMBURSEMENT_KINDS, ClaimKind, Settlement
from mutua.members.models import Beneficiary, Member
from mutua.plans.models import Contribution, Enrollment
from mutua.plans.selectors import NOT_DETRAIBILE_METHODS
from mutua.tax.figures import (
    ContributionRow,
    ExpenseType,
    MemberFigures,
    PersonRow,
    ReimbursementRow,
    tax_figures,
)

SLICE_SIZE = 5000

EXPENSE_TYPES: dict[str, str] = {
    ClaimKind.REIMBURSEMENT_STANDARD: ExpenseType.HEALTH,
    ClaimKind.REIMBURSEMENT_SURGERY: ExpenseType.SURGERY,
}


def _year_bounds(year: int) -> tuple[dt.date, dt.date]:
    return dt.date(year, 1, 1), dt.date(year + 1, 1, 1)


def contributions_paid(*, year: int) -> QuerySet[Contribution]:
    """Contributions paid directly in the year (by date range, so an index on the date can serve it)."""
    start, end = _year_bounds(year)
    return Contribution.objects.filter(paid_on__gte=start, paid_on__lt=end, amount_paid__gt=0).exclude(
        method__in=sorted(NOT_DETRAIBILE_METHODS)
    )


def reimbursements_paid(*, year: int) -> QuerySet[Settlement]:
    """Settlements of reimbursement claims paid in the year, for something."""
    return Settlement.objects.filter(
        payment_year=year, amount_paid__gt=0, document__claim__kind__in=REIMBURSEMENT_KINDS
    )


def member_slices(*, year: int, size: int = SLICE_SIZE) -> Iterator[tuple[int, int]]:
    """Ranges [low, high] of member ids covering every member with a contribution or reimbursement in the year."""
    bounds = [
        contributions_paid(year=year).aggregate(low=Min("member_id"), high=Max("member_id")),
        reimbursements_paid(year=year).aggregate(
            low=Min("document__claim__member_id"), high=Max("document__claim__member_id")
        ),
    ]
    lows = [b["low"] for b in bounds if b["low"] is not None]
    highs = [b["high"] for b in bounds if b["high"] is not None]
    if not lows:
        return
    low, high = min(lows), max(highs)
    while low <= high:
        yield low, min(low + size - 1, high)
        low += size


def people_rows(*, low: int, high: int) -> list[PersonRow]:
    rows = [
        PersonRow(member_id=pk, beneficiary_id=None, fiscal_code=cf, name=f"{last} {first}")
        for pk, cf, first, last in Member.objects.filter(pk__gte=low, pk__lte=high).values_list(
            "pk", "fiscal_code", "first_name", "last_name"
        )
    ]
    rows += [
        PersonRow(member_id=member_id, beneficiary_id=pk, fiscal_code=cf, name=f"{last} {first}")
        for pk, member_id, cf, first, last in Beneficiary.objects.filter(
            member_id__gte=low, member_id__lte=high
        ).values_list("pk", "member_id", "fiscal_code", "first_name", "last_name")
    ]
    return rows


def contribution_rows(*, year: int, low: int, high: int) -> list[ContributionRow]:
    values = list(
        contributions_paid(year=year)
        .filter(member_id__gte=low, member_id__lte=high)
        .values_list(
            "member_id", "enrollment_id", "year", "paid_on", "amount_paid", "amount_due", "family_part", "method"
        )
    )
    family: dict[int, list[int]] = defaultdict(list)
    with_family = sorted({v[1] for v in values if v[6] > 0})
    if with_family:
        through = Enrollment.beneficiaries.through
        for enrollment_id, beneficiary_id in through.objects.filter(enrollment_id__in=with_family).values_list(
            "enrollment_id", "beneficiary_id"
        ):
            family[enrollment_id].append(beneficiary_id)
    return [
        ContributionRow(
            member_id=member_id,
            competence_year=competence,
            paid_on=paid_on,
            amount_paid=paid,
            amount_due=due,
            family_part=family_part,
            method=method,
            family_ids=tuple(family.get(enrollment_id, ())),
        )
        for member_id, enrollment_id, competence, paid_on, paid, due, family_part, method in values
        if paid_on is not None  # the query asks for a date in the year: never None
    ]


def _cents(value: Decimal | float | None) -> Decimal:
    # SQLite sums decimals as floats: back to exact cents (sums of cents stay far within a float's precision).
    return Decimal(str(value or 0)).quantize(Decimal("0.01"))


def reimbursement_rows(*, year: int, low: int, high: int) -> list[ReimbursementRow]:
    """Reimbursements paid in the year, summed in SQL by person, year of the expense and kind of claim."""
    spent = Coalesce("document__amount", "amount_requested", output_field=DecimalField())
    grouped = (
        reimbursements_paid(year=year)
        .filter(document__claim__member_id__gte=low, document__claim__member_id__lte=high)
        .values(
            member=F("document__claim__member_id"),
            beneficiary=F("document__beneficiary_id"),
            expense_year=F("competence_year"),
            kind=F("document__claim__kind"),
        )
        .annotate(
            paid=Sum("amount_paid"),
            spent=Sum(spent),
            over=Count("pk", filter=Q(document__amount__isnull=False, amount_paid__gt=F("document__amount"))),
        )
        .order_by()
    )
    return [
        ReimbursementRow(
            member_id=g["member"],
            beneficiary_id=g["beneficiary"],
            expense_year=g["expense_year"],
            payment_year=year,
            expense_type=EXPENSE_TYPES[g["kind"]],
            amount_paid=_cents(g["paid"]),
            amount_spent=_cents(g["spent"]),
            over_expense=g["over"],
        )
        for g in grouped
    ]


def member_reimbursement_rows(*, member: Member, year: int) -> list[ReimbursementRow]:
    """One member's reimbursements paid in the year, one row per document, naming its claim (the portal page)."""
    return [
        ReimbursementRow(
            member_id=member.pk,
            beneficiary_id=s.document.beneficiary_id,
            expense_year=s.competence_year,
            payment_year=year,
            expense_type=EXPENSE_TYPES[s.document.claim.kind],
            amount_paid=s.amount_paid,
            amount_spent=s.document.amount if s.document.amount is not None else s.amount_requested,
            over_expense=int(s.document.amount is not None and s.amount_paid > s.document.amount),
            claim_ids=(s.document.claim_id,),
        )
        for s in reimbursements_paid(year=year)
        .filter(document__claim__member=member)
        .select_related("document__claim")
        .order_by("document__claim_id", "pk")
    ]


def households(
    *,
    year: int,
    cap: Decimal | None,
    size: int = SLICE_SIZE,
    progress: Callable[[int, int], None] | None = None,
) -> Iterator[MemberFigures]:
    """Every household with something to report in the year, by member id, one slice of members at a time;
    `progress` is told (slices done, slices in all) after each slice."""
    slices = list(member_slices(year=year, size=size))
    for done, (low, high) in enumerate(slices, start=1):
        yield from tax_figures(
            year=year,
            people=people_rows(low=low, high=high),
            contributions=contribution_rows(year=year, low=low, high=high),
            reimbursements=reimbursement_rows(year=year, low=low, high=high),
            cap=cap,
        )
        if progress is not None:
            progress(done, len(slices))


def member_figures(*, member: Member, year: int, cap: Decimal | None) -> MemberFigures | None:
    """One member's household for the year, each reimbursement with its claims: what the portal page shows."""
    found = tax_figures(
        year=year,
        people=people_rows(low=member.pk, high=member.pk),
        contributions=contribution_rows(year=year, low=member.pk, high=member.pk),
        reimbursements=member_reimbursement_rows(member=member, year=year),
        cap=cap,
    )
    return found[0] if found else None
