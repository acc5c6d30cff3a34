"""CSV exports for the accounting: the totals equal what the back office shows (the batch total, the settlements)."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.urls import reverse

from mutua.audit.models import AuditEvent
from mutua.claims.models import Settlement
from mutua.payouts import services
from mutua.payouts.exports import export_lines
from mutua.payouts.tests.test_payouts import execution_day, settled

pytestmark = pytest.mark.django_db


def rows(kind: str, year: int, basis: str = "payment") -> list[list[str]]:
    text = "".join(export_lines(kind=kind, year=year, basis=basis)).lstrip("\ufeff")  # type: ignore[arg-type]
    return list(csv.reader(io.StringIO(text), delimiter=";"))


def euros(text: str) -> Decimal:
    return Decimal(text.replace(",", "."))


@pytest.fixture
def paid(member, other_member, operator, supervisor):
    claims = [settled(member, operator), settled(other_member, operator)]
    batch = services.batch_create(claims=claims, execution_date=execution_day(), actor=supervisor)
    services.batch_confirm(batch=batch, actor=supervisor)
    batch.refresh_from_db()
    return batch


def test_payments_total_equals_the_confirmed_batch_total(paid) -> None:
    table = rows("payments", paid.execution_date.year)

    assert table[0][0] == "distinta"
    assert len(table) == 2 + paid.items.count()
    assert table[-1][0] == f"totale ({paid.items.count()})"
    assert euros(table[-1][-1]) == paid.total
    assert rows("payments", paid.execution_date.year - 1)[-1] == ["totale (0)", "", "", "", "", "", "0,00"]


def test_settlements_by_payment_and_by_competence_year_add_up(paid) -> None:
    year = paid.execution_date.year
    paid_total = sum(s.amount_paid for s in Settlement.objects.filter(payment_year=year))
    competence = Settlement.objects.first().competence_year

    by_payment = rows("settlements", year)
    by_competence = rows("settlements", competence, "competence")

    assert euros(by_payment[-1][-1]) == paid_total == paid.total
    assert euros(by_competence[-1][-1]) == sum(
        s.amount_paid for s in Settlement.objects.filter(competence_year=competence)
    )


def test_claims_export_lists_the_claims_sent_in_the_year_with_their_amounts(paid, today) -> None:
    table = rows("claims", today.year)

    assert table[-1][0] == "totale (2)"
    assert euros(table[-1][-1]) == paid.total


def test_the_command_writes_the_same_csv(paid, tmp_path) -> None:
    out = tmp_path / "pagamenti.csv"
    call_command("export_accounting", "payments", "--year", str(paid.execution_date.year), "--output", str(out))

    assert out.read_bytes().decode("utf-8").lstrip("\ufeff") == "".join(
        export_lines(kind="payments", year=paid.execution_date.year)
    ).lstrip("\ufeff")


def test_supervisors_download_it_from_the_back_office_and_operators_cannot(client, paid, supervisor, operator) -> None:
    url = reverse("backoffice:payouts_export")
    query = {"tipo": "payments", "anno": paid.execution_date.year}
    client.force_login(operator)
    assert client.get(url, query).status_code == 404

    client.force_login(supervisor)
    response = client.get(url, query)

    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    assert body.splitlines()[-1].endswith(f"{paid.total:.2f}".replace(".", ","))
    assert AuditEvent.objects.filter(action="payouts.export").exists()
    assert client.get(url, {"tipo": "nope", "anno": 2026}).status_code == 404
    assert client.get(url, {"tipo": "claims", "anno": "x"}).status_code == 404
