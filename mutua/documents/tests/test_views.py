"""Verifica documento (/verifica/): public, answers with claim number and time only, rate limited."""

from __future__ import annotations

import datetime as dt
import html
from decimal import Decimal

import pytest
from django.urls import reverse

from mutua.claims.models import Claim, ClaimStatus
from mutua.claims.services import claim_transition
from mutua.claims.tests.factories import ClaimDocumentFactory, ClaimFactory
from mutua.documents.models import DocumentKind
from mutua.documents.verification import document_code, document_issue
from mutua.documents.views import VERIFY_IP_LIMIT

pytestmark = pytest.mark.django_db

SUBMITTED_AT = dt.datetime(2026, 3, 12, 9, 41, 30, tzinfo=dt.UTC)  # 10:41 in Rome


@pytest.fixture
def receipt_code(member) -> tuple[Claim, str]:
    claim = ClaimFactory(member=member)
    ClaimDocumentFactory(claim=claim, amount=Decimal("1234.56"), beneficiary=member.beneficiaries.first())
    claim = claim_transition(claim=claim, to_status=ClaimStatus.SUBMITTED, actor=None, at=SUBMITTED_AT)
    return claim, document_issue(kind=DocumentKind.RECEIPT, object_id=claim.pk, issued_at=claim.submitted_at)


def text(response) -> str:
    return html.unescape(response.content.decode())


def test_anyone_opens_the_page_without_signing_in(client):
    response = client.get("/verifica/")

    assert response.status_code == 200
    assert "Verifica di un documento" in text(response)
    assert 'name="code"' in text(response)
    assert "Codice non valido" not in text(response)
    assert response["X-Robots-Tag"] == "noindex"


def test_a_valid_code_from_the_qr_shows_claim_number_and_submission_time_only(client, member, receipt_code):
    claim, code = receipt_code
    response = client.get(f"/verifica/{code}/")
    page = text(response)

    assert response.status_code == 200
    assert f"Documento valido: ricevuta della pratica n. {claim.pk} trasmessa il 12/03/2026 alle 10:41" in page
    beneficiary = member.beneficiaries.get()
    for private in (
        member.first_name,
        member.last_name,
        member.code,
        member.fiscal_code,
        beneficiary.first_name,
        beneficiary.fiscal_code,
        "1.234,56",
        "1234.56",
        "Poliambulatorio",
        member.iban,
    ):
        assert private not in page, private


def test_a_code_typed_in_the_form_in_any_form_is_verified(client, receipt_code):
    claim, code = receipt_code
    response = client.get(reverse("documents:verify"), {"code": f"  {code.lower().replace('-', ' ')} "})

    assert f"ricevuta della pratica n. {claim.pk}" in text(response)


def test_a_signed_in_member_uses_the_same_page(client, member, receipt_code):
    claim, code = receipt_code
    client.force_login(member.user)
    assert f"ricevuta della pratica n. {claim.pk}" in text(client.get(f"/verifica/{code}/"))


@pytest.mark.parametrize(
    "typed",
    ["", "   ", "AAAA-BBBB-CCCC-DDDD", "x" * 1000, "<script>alert(1)</script>", '"><img src=x onerror=alert(1)>'],
)
def test_anything_but_a_valid_code_is_just_invalid(client, typed):
    response = client.get("/verifica/", {"code": typed})
    raw = response.content.decode()

    assert response.status_code == 200
    assert "Codice non valido" in text(response)
    assert "Documento valido" not in text(response)
    assert "<script>alert" not in raw and "<img src=x" not in raw


@pytest.mark.parametrize("path", ["%3Cscript%3Ealert(1)", "AAAA-BBBB-CCCC-DDDD", "x" * 1000])
def test_an_invalid_code_in_the_address_is_invalid_and_escaped(client, path):
    response = client.get(f"/verifica/{path}/")

    assert response.status_code == 200
    assert "Codice non valido" in text(response)
    assert "<script>" not in response.content.decode()


def test_the_code_of_a_document_never_issued_is_invalid(client, receipt_code):
    claim, _ = receipt_code
    other = document_code(kind=DocumentKind.RECEIPT, object_id=claim.pk + 1, issued_at=claim.submitted_at)
    assert "Codice non valido" in text(client.get(f"/verifica/{other}/"))


def test_lookups_are_rate_limited_per_address_and_say_when_to_retry(client, receipt_code):
    _, code = receipt_code
    for _n in range(VERIFY_IP_LIMIT):
        assert client.get("/verifica/", {"code": "AAAA-BBBB-CCCC-DDDD"}).status_code == 200

    response = client.get(f"/verifica/{code}/")

    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    page = text(response)
    assert "Troppi tentativi" in page and "riprova tra" in page
    assert "Documento valido" not in page
    assert client.get("/verifica/").status_code == 200  # the empty form stays reachable


def test_rate_limit_can_be_switched_off(client, settings, receipt_code):
    settings.RATE_LIMITS_ENABLED = False
    _, code = receipt_code
    for _n in range(VERIFY_IP_LIMIT + 5):
        response = client.get(f"/verifica/{code}/")
    assert response.status_code == 200 and "Documento valido" in text(response)


def test_only_get_is_allowed(client, receipt_code):
    _, code = receipt_code
    assert client.post("/verifica/", {"code": code}).status_code == 405
