"""The rows `mutua.tax.figures.tax_figures` reads, straight from the database, for the whole mutual or one member.

For the whole mutual (`households`) each table is read once, in member order, through a server-side cursor on
PostgreSQL: the contributions paid in the year, the family of the adesioni, the reimbursements summed in SQL by
person, year of expense and kind, the members and their family members. The streams are merged member by member,
so memory stays flat, the file is written as it goes, and the number of queries does not grow with the mutual.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

from django.db import connection
from django.db.models import Count, DecimalField, F, Q, QuerySet, Sum
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

CHUNK_SIZE = 5000

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


def has_data(*, year: int) -> bool:
    """Whether the year has a contribution or a reimbursement to communicate."""
    return contributions_paid(year=year).exists() or reimbursements_paid(year=year).exists()


def people_rows(*, member: Member) -> list[PersonRow]:
    """The member and their family members, in one query besides the member already read."""
    rows = [PersonRow(member.pk, None, member.fiscal_code, f"{member.last_name} {member.first_name}")]
    rows += [
        PersonRow(member_id=member.pk, beneficiary_id=pk, fiscal_code=cf, name=f"{last} {first}")
        for pk, cf, first, last in Beneficiary.objects.filter(member=member).values_list(
            "pk", "fiscal_code", "first_name", "last_name"
        )
    ]
    return rows


CONTRIBUTION_COLUMNS = (
    "member_id", "enrollment_id", "year", "paid_on", "amount_paid", "amount_due", "family_part", "method"
)  # fmt: skip


def _contribution(row: tuple[Any, ...], families: dict[int, list[int]]) -> ContributionRow:
    member_id, enrollment_id, competence, paid_on, paid, due, family_part, method = row
    return ContributionRow(
        member_id=member_id,
        competence_year=competence,
        paid_on=paid_on,
        amount_paid=paid,
        amount_due=due,
        family_part=family_part,
        method=method,
        family_ids=tuple(families.get(enrollment_id, ())),
    )


def contribution_rows(*, member: Member, year: int) -> list[ContributionRow]:
    """One member's contributions paid in the year, each with the family of its adesione."""
    values = list(contributions_paid(year=year).filter(member=member).values_list(*CONTRIBUTION_COLUMNS))
    families: dict[int, list[int]] = defaultdict(list)
    with_family = sorted({v[1] for v in values if v[6] > 0})
    if with_family:
        through = Enrollment.beneficiaries.through
        for enrollment_id, beneficiary_id in (
            through.objects.filter(enrollment_id__in=with_family)
            .order_by("beneficiary_id")
            .values_list("enrollment_id", "beneficiary_id")
        ):
            families[enrollment_id].append(beneficiary_id)
    return [_contribution(v, families) for v in values]


def _cents(value: Decimal | float | None) -> Decimal:
    # SQLite sums decimals as floats: back to exact cents (sums of cents stay far within a float's precision).
    return Decimal(str(value or 0)).quantize(Decimal("0.01"))


def _reimbursement_groups(*, year: int) -> QuerySet[Settlement, tuple[Any, ...]]:
    """Reimbursements paid in the year, summed in SQL by person, year of the expense and kind of claim."""
    spent = Coalesce("document__amount", "amount_requested", output_field=DecimalField())
    return (
        reimbursements_paid(year=year)
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
        .values_list("member", "beneficiary", "expense_year", "kind", "paid", "spent", "over")
    )


def _reimbursement(row: tuple[Any, ...], year: int) -> ReimbursementRow:
    member_id, beneficiary_id, expense_year, kind, paid, spent, over = row
    return ReimbursementRow(
        member_id=member_id,
        beneficiary_id=beneficiary_id,
        expense_year=expense_year,
        payment_year=year,
        expense_type=EXPENSE_TYPES[kind],
        amount_paid=_cents(paid),
        amount_spent=_cents(spent),
        over_expense=over,
    )


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


class _Stream:
    """Rows ordered by member id (their first value), handed out one member at a time."""

    def __init__(self, rows: Iterator[tuple[Any, ...]]) -> None:
        self._rows = rows
        self._next: tuple[Any, ...] | None = next(rows, None)

    def take(self, member_id: int) -> list[tuple[Any, ...]]:
        """The rows of `member_id`, after dropping those of members before it."""
        out = []
        while self._next is not None and self._next[0] <= member_id:
            if self._next[0] == member_id:
                out.append(self._next)
            self._next = next(self._rows, None)
        return out

    @property
    def head(self) -> int | None:
        return None if self._next is None else int(self._next[0])


def _ordered(queryset: QuerySet[Any, Any]) -> Iterator[tuple[Any, ...]]:
    return iter(queryset.iterator(chunk_size=CHUNK_SIZE))


def _streams(*, year: int) -> tuple[_Stream, _Stream, _Stream, _Stream, _Stream]:
    """The five streams `households` merges, each a query read in member order through a server-side cursor."""
    contributions = _Stream(
        _ordered(contributions_paid(year=year).order_by("member_id", "pk").values_list(*CONTRIBUTION_COLUMNS))
    )
    through = Enrollment.beneficiaries.through
    family = _Stream(
        _ordered(
            through.objects.filter(
                enrollment__contributions__in=contributions_paid(year=year).filter(family_part__gt=0)
            )
            .order_by("enrollment__member_id", "enrollment_id", "beneficiary_id")
            .values_list("enrollment__member_id", "enrollment_id", "beneficiary_id")
            .distinct()
        )
    )
    reimbursed = _Stream(_ordered(_reimbursement_groups(year=year).order_by("document__claim__member_id")))
    members = _Stream(
        _ordered(Member.objects.order_by("pk").values_list("pk", "fiscal_code", "first_name", "last_name"))
    )
    beneficiaries = _Stream(
        _ordered(
            Beneficiary.objects.order_by("member_id", "pk").values_list(
                "member_id", "pk", "fiscal_code", "first_name", "last_name"
            )
        )
    )
    return contributions, family, reimbursed, members, beneficiaries


# How PostgreSQL plans and runs the streams' queries, for as long as they are being opened (see `households`).
STREAM_SETTINGS = {"cursor_tuple_fraction": "1", "work_mem": "256MB"}


def _session_settings(values: dict[str, str]) -> dict[str, str]:
    """Set PostgreSQL settings for the session; what they were comes back (elsewhere: nothing is set)."""
    if connection.vendor != "postgresql":
        return {}
    before = {}
    with connection.cursor() as cursor:
        for name, value in values.items():
            cursor.execute("SELECT current_setting(%s), set_config(%s, %s, false)", [name, name, value])
            before[name] = str(cursor.fetchone()[0])
    return before


def households(
    *, year: int, cap: Decimal | None, progress: Callable[[int, int], None] | None = None
) -> Iterator[MemberFigures]:
    """Every household with something to report in the year, by member id; `progress` is told (members done,
    members with something to report) every `CHUNK_SIZE` households.

    PostgreSQL plans a cursor's query for its first tenth of rows (`cursor_tuple_fraction` 0.1): for the
    reimbursements' GROUP BY that means nested loops over indexes in member order, several times the work of
    hash joins and one sort when every row is read, as here; and with the default `work_mem` (4 MB) its hashes
    and sort spill to disk. The streams are opened with `STREAM_SETTINGS` and the session's settings put back
    once they are open (outside a transaction a cursor is computed whole when it is opened).
    """
    total = max(contributions_paid(year=year).values("member_id").distinct().count(), 1)
    before = _session_settings(STREAM_SETTINGS)
    try:
        streams = _streams(year=year)
    finally:
        _session_settings(before)
    contributions, family, reimbursed, members, beneficiaries = streams
    done = 0
    while True:
        heads = [h for h in (contributions.head, reimbursed.head) if h is not None]
        if not heads:
            break
        member_id = min(heads)
        people = [PersonRow(pk, None, cf, f"{last} {first}") for pk, cf, first, last in members.take(member_id)]
        people += [PersonRow(m, pk, cf, f"{last} {first}") for m, pk, cf, first, last in beneficiaries.take(member_id)]
        families: dict[int, list[int]] = defaultdict(list)
        for _member, enrollment_id, beneficiary_id in family.take(member_id):
            families[enrollment_id].append(beneficiary_id)
        yield from tax_figures(
            year=year,
            people=people,
            contributions=[_contribution(row, families) for row in contributions.take(member_id)],
            reimbursements=[_reimbursement(row, year) for row in reimbursed.take(member_id)],
            cap=cap,
        )
        done += 1
        if progress is not None and done % CHUNK_SIZE == 0:
            progress(done, total)
    if progress is not None:
        progress(done, total)


def member_figures(*, member: Member, year: int, cap: Decimal | None) -> MemberFigures | None:
    """One member's household for the year, each reimbursement with its claims: what the portal page shows."""
    found = tax_figures(
        year=year,
        people=people_rows(member=member),
        contributions=contribution_rows(member=member, year=year),
        reimbursements=member_reimbursement_rows(member=member, year=year),
        cap=cap,
    )
    return found[0] if found else None
