"""CSV exports for the mutual's accounting: claims, settlements and payments of a year, streamed row by row, each
ending with a total line. Amounts are written with a decimal comma and no thousands separator, dates gg/mm/aaaa,
semicolons between cells (what an Italian spreadsheet opens as it is)."""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterator
from decimal import Decimal
from typing import Literal

from django.db.models import Count, Q, Sum
from django.utils import timezone

from mutua.claims.models import Claim, ClaimStatus, Settlement
from mutua.payouts.models import BatchStatus, PaymentBatchItem

ExportKind = Literal["claims", "settlements", "payments"]
YearBasis = Literal["competence", "payment"]
KINDS: tuple[ExportKind, ...] = ("claims", "settlements", "payments")
ZERO = Decimal("0.00")


class _Echo:
    def write(self, value: str) -> str:
        return value


def _eur(value: Decimal | None) -> str:
    return f"{(value or ZERO):.2f}".replace(".", ",")


def _day(value: dt.date | dt.datetime | None) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        value = timezone.localtime(value).date()
    return f"{value:%d/%m/%Y}"


def export_lines(*, kind: ExportKind, year: int, basis: YearBasis = "payment") -> Iterator[str]:
    """The export as CSV lines (header first, total last); `basis` picks the year of settlements: the year the
    expense was paid by the member (competence) or the year the mutual paid it (payment)."""
    writer = csv.writer(_Echo(), delimiter=";")
    yield "\ufeff"
    rows = {"claims": _claims, "settlements": _settlements, "payments": _payments}[kind]
    for row in rows(year=year, basis=basis):
        yield writer.writerow(row)


def _claims(*, year: int, basis: YearBasis) -> Iterator[list[str]]:
    """Claims sent in the year (Rome's), with what was asked, admitted and paid on their documents."""
    yield ["pratica", "matricola", "tipo", "stato", "trasmessa il", "richiesto", "ammesso", "liquidato"]
    start = timezone.make_aware(dt.datetime(year, 1, 1))
    end = timezone.make_aware(dt.datetime(year + 1, 1, 1))
    claims = (
        Claim.objects.filter(submitted_at__gte=start, submitted_at__lt=end)
        .exclude(status=ClaimStatus.DRAFT)
        .annotate(
            requested=Sum("documents__settlement__amount_requested"),
            admitted=Sum("documents__settlement__amount_admitted"),
            paid=Sum("documents__settlement__amount_paid"),
            settled=Count("documents__settlement"),
        )
        .values_list("pk", "member__code", "kind", "status", "submitted_at", "requested", "admitted", "paid")
        .order_by("submitted_at", "pk")
    )
    totals = [ZERO, ZERO, ZERO]
    count = 0
    for pk, code, kind, status, submitted_at, requested, admitted, paid in claims.iterator(chunk_size=2000):
        count += 1
        for i, amount in enumerate((requested, admitted, paid)):
            totals[i] += amount or ZERO
        yield [str(pk), code, kind, status, _day(submitted_at), _eur(requested), _eur(admitted), _eur(paid)]
    yield [f"totale ({count})", "", "", "", "", *(_eur(t) for t in totals)]


def _settlements(*, year: int, basis: YearBasis) -> Iterator[list[str]]:
    yield [
        "pratica",
        "matricola",
        "anno di competenza",
        "anno di pagamento",
        "data di pagamento",
        "richiesto",
        "ammesso",
        "franchigia / scoperto",
        "liquidato",
    ]
    condition = Q(competence_year=year) if basis == "competence" else Q(payment_year=year)
    settlements = (
        Settlement.objects.filter(condition)
        .values_list(
            "document__claim_id",
            "document__claim__member__code",
            "competence_year",
            "payment_year",
            "paid_on",
            "amount_requested",
            "amount_admitted",
            "amount_withheld",
            "amount_paid",
        )
        .order_by("document__claim_id", "pk")
    )
    totals = [ZERO] * 4
    count = 0
    for claim, code, competence, payment, paid_on, *amounts in settlements.iterator(chunk_size=2000):
        count += 1
        totals = [t + (a or ZERO) for t, a in zip(totals, amounts, strict=True)]
        yield [str(claim), code, str(competence), str(payment or ""), _day(paid_on), *(_eur(a) for a in amounts)]
    yield [f"totale ({count})", "", "", "", "", *(_eur(t) for t in totals)]


def _payments(*, year: int, basis: YearBasis) -> Iterator[list[str]]:
    """Every payment of a confirmed batch executed in the year, by execution date."""
    yield ["distinta", "data di esecuzione", "pratica", "matricola", "intestatario", "IBAN", "importo"]
    items = (
        PaymentBatchItem.objects.filter(batch__status=BatchStatus.CONFIRMED, batch__execution_date__year=year)
        .values_list(
            "batch_id",
            "batch__execution_date",
            "settlement__document__claim_id",
            "settlement__document__claim__member__code",
            "account_holder",
            "iban",
            "settlement__amount_paid",
        )
        .order_by("batch__execution_date", "batch_id", "pk")
    )
    total, count = ZERO, 0
    for batch, day, claim, code, holder, iban, amount in items.iterator(chunk_size=2000):
        count += 1
        total += amount
        yield [str(batch), _day(day), str(claim), code, holder, iban, _eur(amount)]
    yield [f"totale ({count})", "", "", "", "", "", _eur(total)]
