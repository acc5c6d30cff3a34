"""Study subsidies in the back office: filtered by region, approved with the call's fixed amount, or rejected."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from mutua.claims.models import Claim, ClaimStatus, Settlement
from mutua.claims.tests.test_backoffice_services import sent_claim
from mutua.claims.tests.test_study_subsidy_approval import certificate, study_claim
from mutua.members.models import RegionalOffice

pytestmark = pytest.mark.django_db


def approve_url(claim: Claim) -> str:
    return reverse("backoffice:claim_approve", args=[claim.pk])


def test_worklist_filters_study_subsidies_by_region(client, operator, member, other_member):
    lombard = study_claim(member, operator, region="Lombardia")
    roman = study_claim(other_member, operator, region="Lazio")
    reimbursement = sent_claim(member)
    client.force_login(operator)

    def rows(**params: str) -> list[int]:
        response = client.get(reverse("backoffice:worklist"), params)
        assert response.status_code == 200
        return [c.pk for c in response.context["page"].object_list]

    assert set(rows()) == {lombard.pk, roman.pk, reimbursement.pk}
    assert rows(regione="Lazio") == [roman.pk]
    assert rows(regione="Lombardia", tipo="study_subsidy") == [lombard.pk]
    assert set(rows(regione="Atlantide")) == {lombard.pk, roman.pk, reimbursement.pk}  # unknown: no filter


def test_approve_asks_first_then_settles_with_the_fixed_amounts(client, operator, member):
    claim = study_claim(member, operator, certificate(member, school_type="middle", grade=10))
    client.force_login(operator)
    review = client.get(reverse("backoffice:claim_review", args=[claim.pk])).content.decode()
    assert approve_url(claim) in review and reverse("backoffice:claim_settle", args=[claim.pk]) not in review
    page = client.get(approve_url(claim))
    assert page.status_code == 200
    text = page.content.decode()
    assert "Scuola secondaria di primo grado (licenza media)" in text and "€ 100,00" in text and "Lombardia" in text
    assert Claim.objects.get(pk=claim.pk).status == ClaimStatus.IN_REVIEW
    response = client.post(approve_url(claim))
    assert response.status_code == 302
    assert Claim.objects.get(pk=claim.pk).status == ClaimStatus.SETTLED
    assert Settlement.objects.get().amount_paid == Decimal("100.00")


def test_a_missing_call_amount_is_a_message_and_nothing_is_settled(client, operator, member):
    claim = study_claim(member, operator, certificate(member, school_type="high", year=2031))
    client.force_login(operator)
    assert "importo non previsto" in client.get(approve_url(claim)).content.decode()
    response = client.post(approve_url(claim), follow=True)
    assert "Manca l&#x27;importo del bando 2031" in response.content.decode()
    assert Claim.objects.get(pk=claim.pk).status == ClaimStatus.IN_REVIEW and not Settlement.objects.exists()


def test_reject_a_study_subsidy_with_a_reason(client, operator, member):
    claim = study_claim(member, operator)
    client.force_login(operator)
    assert client.post(reverse("backoffice:claim_reject", args=[claim.pk]), {"reason": " "}).status_code == 400
    client.post(reverse("backoffice:claim_reject", args=[claim.pk]), {"reason": "Voto inferiore al minimo del bando"})
    assert Claim.objects.get(pk=claim.pk).status == ClaimStatus.REJECTED


def test_regional_operators_members_and_anonymous_visitors_cannot_approve(client, regional_operator, member, operator):
    member.regional_office = regional_operator.regional_office
    member.save(update_fields=["regional_office"])
    claim = study_claim(member, operator)
    for user in (regional_operator, member.user):
        client.force_login(user)
        assert client.get(approve_url(claim)).status_code == 404
        assert client.post(approve_url(claim)).status_code == 404
    client.logout()
    assert client.post(approve_url(claim)).status_code == 302
    assert Claim.objects.get(pk=claim.pk).status == ClaimStatus.IN_REVIEW and not Settlement.objects.exists()


def test_approve_is_only_for_study_subsidies_in_review(client, operator, member):
    reimbursement = sent_claim(member)
    client.force_login(operator)
    response = client.post(approve_url(reimbursement), follow=True)
    assert "Si approva solo un sussidio allo studio" in response.content.decode()
    assert not Settlement.objects.exists()


def test_the_approved_subsidy_is_paid_by_the_next_batch(client, operator, member):
    from mutua.payouts.selectors import claims_to_pay

    claim = study_claim(member, operator)
    assert claim.pk not in set(claims_to_pay(claims=Claim.objects.all()).values_list("pk", flat=True))
    client.force_login(operator)
    client.post(approve_url(claim))
    assert claim.pk in set(claims_to_pay(claims=Claim.objects.all()).values_list("pk", flat=True))


def test_office_filter_and_region_filter_are_independent(client, operator, member):
    office = RegionalOffice.objects.create(
        code="VEN", name="Sede regionale Veneto", region="Veneto", address="Via 1", phone="041 1", email="v@m.it"
    )
    member.regional_office = office
    member.save(update_fields=["regional_office"])
    claim = study_claim(member, operator, region="Lazio")  # the school is elsewhere than the member's office
    client.force_login(operator)
    response = client.get(reverse("backoffice:worklist"), {"sede": office.pk, "regione": "Lazio"})
    assert [c.pk for c in response.context["page"].object_list] == [claim.pk]
