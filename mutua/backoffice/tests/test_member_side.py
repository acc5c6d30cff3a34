"""What the member sees of the operators' moves, on their claim page (portal:claim_detail)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from mutua.claims import services
from mutua.claims.models import ClaimStatus
from mutua.claims.tests import samples
from mutua.claims.tests.test_backoffice_services import sent_claim
from mutua.core.testing import days_ago, typed

pytestmark = pytest.mark.django_db


def detail(claim) -> str:
    return reverse("portal:claim_detail", args=[claim.pk])


def test_member_reads_the_checklist_and_deadline_and_can_add_documents(client, member, operator):
    claim = services.claim_take(claim=sent_claim(member), actor=operator)
    deadline = timezone.localdate() + dt.timedelta(days=12)
    services.claim_suspend_for_documents(
        claim=claim, actor=operator, items=["Ricevuta", "Prescrizione del medico"], deadline=deadline
    )
    client.force_login(member.user)
    page = client.get(detail(claim)).content.decode()
    assert "Pratica sospesa: documenti da integrare" in page
    assert f"Per proseguire con la pratica servono questi documenti, da inviare entro il {deadline:%d/%m/%Y}:" in page
    assert "<li>Ricevuta</li>" in page and "<li>Prescrizione del medico</li>" in page
    assert reverse("portal:claim_add_documents", args=[claim.pk]) in page
    # The event is in the member's timeline with the operator's note.
    assert "Sospesa: Documenti da integrare: Ricevuta; Prescrizione del medico." in page

    response = client.post(
        reverse("portal:claim_add_documents", args=[claim.pk]),
        {
            "holder": "socio",
            "doc_type": "ricevuta",
            "number": "77",
            "issue_date": typed(days_ago(30)),
            "amount": "30,00",
            "provider_province": "MI",
            "provider_name": "Farmacia Centrale",
            "files": samples.pdf_upload(),
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.IN_REVIEW
    page = client.get(detail(claim)).content.decode()
    assert "documenti da integrare" not in page.split("Cronologia")[0]


def test_member_reads_the_block_reason_and_is_not_offered_to_add_documents(client, member, operator):
    claim = services.claim_take(claim=sent_claim(member), actor=operator)
    services.claim_block(claim=claim, actor=operator, reason="Regolarizza il contributo 2026 presso la tua sede.")
    client.force_login(member.user)
    page = client.get(detail(claim)).content.decode()
    assert "Pratica sospesa: blocco amministrativo" in page
    assert "Regolarizza il contributo 2026 presso la tua sede." in page
    assert reverse("portal:claim_add_documents", args=[claim.pk]) not in page


def test_another_member_and_anonymous_visitors_see_nothing_of_the_suspension(client, member, other_member, operator):
    claim = services.claim_take(claim=sent_claim(member), actor=operator)
    services.claim_suspend_for_documents(
        claim=claim, actor=operator, items=["Cartella clinica segreta"], deadline=timezone.localdate() + dt.timedelta(5)
    )
    response = client.get(detail(claim))
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    client.force_login(other_member.user)
    response = client.get(detail(claim))
    assert response.status_code == 404 and "Cartella clinica segreta" not in response.content.decode()


def test_switching_language_after_a_refused_upload_returns_to_the_claim(client, member, operator):
    """The refused "Aggiungi documenti" page is at a URL that only takes POST: the language switch must not go there."""
    claim = services.claim_take(claim=sent_claim(member), actor=operator)
    services.claim_suspend_for_documents(
        claim=claim, actor=operator, items=["Ricevuta"], deadline=timezone.localdate() + dt.timedelta(days=12)
    )
    client.force_login(member.user)
    page_url = "http://testserver" + detail(claim)
    refused = client.post(
        reverse("portal:claim_add_documents", args=[claim.pk]), {"holder": "socio"}, HTTP_REFERER=page_url
    )
    assert refused.status_code == 400
    assert f'name="next" type="hidden" value="{page_url}"' in refused.content.decode()
    switched = client.post(reverse("set_language"), {"language": "en", "next": page_url})
    assert switched.status_code == 302 and switched["Location"] == page_url
    assert client.get(detail(claim)).status_code == 200
