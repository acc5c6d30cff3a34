"""The "Liquida" page: who may settle, editable figures with a reason, errors next to the field, the member's view."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils.html import escape

from mutua.claims import services
from mutua.claims.models import Claim, ClaimStatus, Settlement
from mutua.claims.tests.test_backoffice_services import sent_claim
from mutua.claims.tests.test_settle import enroll

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def claim(member, operator) -> Claim:
    enroll(member, beneficiary_ceiling=D("1000.00"))
    return services.claim_take(claim=sent_claim(member), actor=operator)


def settle_url(claim: Claim) -> str:
    return reverse("backoffice:claim_settle", args=[claim.pk])


def fields(claim: Claim, **values: str) -> dict[str, str]:
    pk = claim.documents.get().pk
    data = {f"admitted_{pk}": "80,00", f"withheld_{pk}": "20,00", f"paid_{pk}": "60,00", f"reason_{pk}": ""}
    data.update({f"{k}_{pk}": v for k, v in values.items()})
    return data


@pytest.mark.parametrize("persona", ["operator", "supervisor"])
def test_operator_and_supervisor_settle_with_the_computed_figures(client, request, persona, claim):
    client.force_login(request.getfixturevalue(persona))
    page = client.get(settle_url(claim)).content.decode()
    assert "Scoperto del 20% con il minimo di € 20,00." in page
    assert "usati € 0,00, residui € 1.000,00 su € 1.000,00" in page
    assert 'value="60,00"' in page
    response = client.post(settle_url(claim), fields(claim))
    assert response.status_code == 302
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.SETTLED
    review = client.get(reverse("backoffice:claim_review", args=[claim.pk])).content.decode()
    assert "liquidato € 60,00" in review


def test_review_page_offers_liquida_only_in_review_and_to_roles_that_may(client, claim, regional_operator, operator):
    client.force_login(operator)
    assert "Liquida" in client.get(reverse("backoffice:claim_review", args=[claim.pk])).content.decode()
    claim.member.regional_office = regional_operator.regional_office
    claim.member.save(update_fields=["regional_office"])
    client.force_login(regional_operator)
    assert client.get(settle_url(claim)).status_code == 404
    assert client.post(settle_url(claim), fields(claim)).status_code == 404
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.IN_REVIEW


def test_members_and_anonymous_visitors_cannot_settle(client, claim, member, other_member):
    assert client.get(settle_url(claim)).status_code == 302
    for user in (member.user, other_member.user):
        client.force_login(user)
        assert client.get(settle_url(claim)).status_code == 404
        assert client.post(settle_url(claim), fields(claim)).status_code == 404
    assert not Settlement.objects.exists()


def test_changed_figures_need_a_reason_shown_next_to_the_field(client, operator, claim):
    client.force_login(operator)
    response = client.post(settle_url(claim), fields(claim, withheld="10,00", paid="70,00"))
    assert response.status_code == 400
    assert (
        escape("Hai cambiato gli importi calcolati: scrivi il motivo, il socio lo leggerà.")
        in response.content.decode()
    )
    assert not Settlement.objects.exists()
    response = client.post(
        settle_url(claim), fields(claim, withheld="10,00", paid="70,00", reason="Franchigia ridotta.")
    )
    assert response.status_code == 302
    assert Settlement.objects.get().amount_paid == D("70.00")


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"paid": ""}, "Indica l'importo."),
        ({"paid": "abc"}, "Scrivi un importo in euro, per esempio 70,00."),
        ({"paid": "-5"}, "Scrivi un importo in euro, per esempio 70,00."),
        ({"paid": "1e9"}, "Scrivi un importo in euro, per esempio 70,00."),
        ({"paid": "60,001"}, "Scrivi un importo in euro, per esempio 70,00."),
        ({"admitted": "1.000,00", "reason": "x"}, "L'importo ammesso deve essere tra € 0,00 e l'importo richiesto."),
        ({"paid": "75,00", "reason": "<script>alert(1)</script>"}, "non può superare l'ammesso meno franchigia"),
    ],
)
def test_wrong_amounts_are_refused_and_nothing_is_saved(client, operator, claim, values, message):
    client.force_login(operator)
    response = client.post(settle_url(claim), fields(claim, **values))
    assert response.status_code == 400
    page = response.content.decode()
    assert escape(message) in page and "<script>alert" not in page
    assert not Settlement.objects.exists()
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.IN_REVIEW


def test_a_claim_not_in_review_is_sent_back_to_its_page(client, operator, member):
    enroll(member)
    claim = sent_claim(member)
    client.force_login(operator)
    response = client.get(settle_url(claim))
    assert response.status_code == 302 and response["Location"] == reverse("backoffice:claim_review", args=[claim.pk])


def test_member_sees_the_settlement_per_document_then_the_payment(client, member, operator, supervisor, claim):
    services.claim_settle(claim=claim, actor=operator)
    client.force_login(member.user)
    page = client.get(reverse("portal:claim_detail", args=[claim.pk])).content.decode()
    assert "Liquidata" in page and "€ 60,00" in page and "€ 20,00" in page
    assert "Scoperto del 20% con il minimo di € 20,00." in page
    from mutua.payouts import services as payouts
    from mutua.payouts.tests.test_payouts import execution_day

    batch = payouts.batch_create(claims=[claim], execution_date=execution_day(), actor=supervisor)
    payouts.batch_confirm(batch=batch, actor=supervisor)
    page = client.get(reverse("portal:claim_detail", args=[claim.pk])).content.decode()
    assert "Pagata" in page and f"Pagato il {batch.execution_date:%d/%m/%Y}" in page
