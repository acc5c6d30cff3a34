"""The member's claim pages through the test client: the guide's flow, bad input, and other members."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from mutua.claims import services
from mutua.claims.models import Claim, ClaimDocument, ClaimStatus
from mutua.claims.tests import samples
from mutua.claims.tests.test_drafts import data
from mutua.core.testing import days_ago, typed
from mutua.members.tests.factories import UserFactory


def start(client):
    response = client.post(reverse("portal:reimbursement_start"))
    return Claim.objects.get(pk=int(response["Location"].split("/")[2]))


def doc_post(**overrides):
    values = {
        "doc_type": "fattura",
        "number": "A-17",
        "issue_date": typed(days_ago(30)),
        "amount": "1.234,56",
        "provider_province": "TO",
        "provider_name": "Ospedale Maria Vittoria",
        "holder": "socio",
        "notes": "",
        "files": [samples.pdf_upload()],
    }
    # A value may be computed when the test runs (by the frozen clock), not when parameters are collected.
    values.update({name: value() if callable(value) else value for name, value in overrides.items()})
    return values


def field_error(response, name: str) -> str:
    """The error shown next to the field `name` (components/_field.html), or "" when there is none."""
    page = response.content.decode()
    match = re.search(rf'<div class="invalid-feedback d-block" id="id_{name}-error">(.*?)</div>', page)
    return match.group(1) if match else ""


@pytest.fixture
def signed_in(client, member):
    client.force_login(member.user)
    return client


@pytest.mark.django_db
class TestRichiestaDiRimborso:
    def test_opening_page_states_the_conditions(self, signed_in):
        page = signed_in.get(reverse("portal:reimbursement_start")).content.decode()
        for text in ("fatture, ricevute", "2 MB", "PDF, JPG, JPEG, TIF o TIFF", "Inizia la richiesta"):
            assert text in page

    def test_full_flow_to_receipt_and_list(self, signed_in, member):
        draft = start(signed_in)
        page = signed_in.get(reverse("portal:claim_draft", args=[draft.pk])).content.decode()
        assert "1. Dati preliminari" in page and "**** ****" in page and "Carica documento" in page
        child = member.beneficiaries.get()
        response = signed_in.post(reverse("portal:document_add", args=[draft.pk]), doc_post(holder=str(child.pk)))
        assert response.status_code == 302
        page = signed_in.get(reverse("portal:claim_draft", args=[draft.pk])).content.decode()
        assert "€ 1.234,56" in page and "fattura.pdf" in page and child.first_name in page
        confirm = signed_in.get(reverse("portal:claim_submit", args=[draft.pk])).content.decode()
        assert "Invia pratica" in confirm and "Annulla" in confirm
        response = signed_in.post(reverse("portal:claim_submit", args=[draft.pk]), {"token": str(draft.token)})
        result = signed_in.get(response["Location"]).content.decode()
        assert f"La pratica n. {draft.pk} è stata trasmessa" in result and "Scarica la ricevuta" in result
        listing = signed_in.get(reverse("portal:claim_list")).content.decode()
        assert f">{draft.pk}<" in listing and "Trasmessa" in listing
        # Double click / retry: same result, still one claim.
        again = signed_in.post(reverse("portal:claim_submit", args=[draft.pk]), {"token": str(draft.token)})
        assert again["Location"] == response["Location"]
        assert Claim.objects.filter(member=member).exclude(status=ClaimStatus.DRAFT).count() == 1

    @pytest.mark.parametrize(
        ("overrides", "field_message"),
        [
            ({"number": ""}, "il numero è obbligatorio"),
            ({"amount": ""}, "l'importo è obbligatorio"),
            ({"amount": "dodici"}, "Scrivi l'importo in euro"),
            ({"amount": "-5"}, "Scrivi l'importo in euro"),
            ({"amount": "0,00"}, "maggiore di zero"),
            ({"amount": "999.999.999,00"}, "supera € 200.000,00"),
            ({"issue_date": lambda: typed(days_ago(-1))}, "nel futuro"),  # tomorrow, by the frozen clock
            ({"issue_date": "31/02/2026"}, "Inserisci una data valida"),
            ({"provider_province": "XX"}, "Scegli un'opzione valida"),
            ({"provider_name": "x" * 201}, "non contenga più di 200 caratteri"),
            ({"holder": "999999"}, "Scegli un'opzione valida"),
            ({"files": []}, "Allega almeno un file"),
            ({"files": [samples.fake_pdf_upload()]}, "virus.pdf"),
            ({"files": [samples.html_as_jpeg_upload()]}, "foto.jpg"),
            ({"files": [samples.oversize_pdf_upload()]}, "grande.pdf"),
        ],
    )
    def test_bad_document_is_refused_next_to_the_field_and_nothing_saved(self, signed_in, overrides, field_message):
        draft = start(signed_in)
        response = signed_in.post(reverse("portal:document_add", args=[draft.pk]), doc_post(**overrides))
        page = response.content.decode()
        assert response.status_code == 400
        assert field_message.replace("'", "&#x27;") in page or field_message in page
        assert 'value="Ospedale Maria Vittoria"' in page or "provider_name" in overrides  # other fields kept
        assert not ClaimDocument.objects.exists()

    @pytest.mark.parametrize(
        ("upload", "file_message"),
        [
            (samples.fake_pdf_upload, "«virus.pdf» non è un file valido"),
            (samples.html_as_jpeg_upload, "«foto.jpg» non è un file valido"),
            (samples.oversize_pdf_upload, "«grande.pdf» supera i 2 MB"),
            (samples.empty_upload, "«vuoto.pdf» è vuoto"),
        ],
    )
    def test_a_bad_file_is_reported_together_with_the_other_errors(self, signed_in, upload, file_message):
        """The member sees every problem at the first "Carica documento", not the file's only after the rest."""
        draft = start(signed_in)
        response = signed_in.post(
            reverse("portal:document_add", args=[draft.pk]), doc_post(number="", amount="dodici", files=[upload()])
        )
        assert response.status_code == 400
        assert file_message in field_error(response, "files")
        assert "il numero è obbligatorio" in field_error(response, "number")
        assert "Scrivi l&#x27;importo in euro" in field_error(response, "amount")
        page = response.content.decode()
        assert 'value="dodici"' in page and 'value="Ospedale Maria Vittoria"' in page  # what was typed comes back
        assert not ClaimDocument.objects.exists()

    def test_certificate_needs_no_amount(self, signed_in):
        draft = start(signed_in)
        response = signed_in.post(
            reverse("portal:document_add", args=[draft.pk]), doc_post(doc_type="cartella_clinica", number="", amount="")
        )
        assert response.status_code == 302
        assert ClaimDocument.objects.get().amount is None

    def test_hostile_text_is_escaped(self, signed_in):
        draft = start(signed_in)
        signed_in.post(
            reverse("portal:document_add", args=[draft.pk]), doc_post(provider_name="<script>alert(1)</script>")
        )
        page = signed_in.get(reverse("portal:claim_draft", args=[draft.pk])).content.decode()
        assert "<script>alert(1)</script>" not in page

    def test_draft_survives_a_new_session(self, client, member):
        client.force_login(member.user)
        draft = start(client)
        client.post(reverse("portal:document_add", args=[draft.pk]), doc_post())
        client.logout()
        client.force_login(member.user)  # another browser, another day
        page = client.get(reverse("portal:reimbursement_start")).content.decode()
        assert "Riprendi la bozza" in page and "1 documento" in page

    def test_remove_file_and_delete_document(self, signed_in):
        draft = start(signed_in)
        signed_in.post(
            reverse("portal:document_add", args=[draft.pk]),
            doc_post(files=[samples.pdf_upload(), samples.jpeg_upload()]),
        )
        doc = ClaimDocument.objects.get()
        jpg = doc.attachments.get(original_name="scontrino.jpg")
        signed_in.post(reverse("portal:attachment_remove", args=[draft.pk, jpg.pk]))
        assert [a.original_name for a in doc.attachments.all()] == ["fattura.pdf"]
        confirm = signed_in.get(reverse("portal:document_delete", args=[draft.pk, doc.pk])).content.decode()
        assert "Vuoi cancellare il documento" in confirm
        signed_in.post(reverse("portal:document_delete", args=[draft.pk, doc.pk]))
        assert not ClaimDocument.objects.exists()

    def test_attachment_download_is_private(self, signed_in, client, other_member):
        draft = start(signed_in)
        signed_in.post(reverse("portal:document_add", args=[draft.pk]), doc_post())
        attachment = ClaimDocument.objects.get().attachments.get()
        response = signed_in.get(reverse("portal:attachment_download", args=[attachment.pk]))
        assert response.status_code == 200
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Content-Disposition"].startswith("attachment")
        assert b"".join(response.streaming_content).startswith(b"%PDF")

    def test_cancel_a_transmitted_claim(self, signed_in, member):
        draft = start(signed_in)
        signed_in.post(reverse("portal:document_add", args=[draft.pk]), doc_post())
        signed_in.post(reverse("portal:claim_submit", args=[draft.pk]), {"token": str(draft.token)})
        assert "Annulla la pratica" in signed_in.get(reverse("portal:claim_detail", args=[draft.pk])).content.decode()
        signed_in.post(reverse("portal:claim_cancel", args=[draft.pk]))
        assert Claim.objects.get(pk=draft.pk).status == ClaimStatus.CANCELLED


@pytest.mark.django_db
def test_list_query_count_does_not_grow(client, member):
    client.force_login(member.user)

    def make(n):
        for i in range(n):
            claim = services.draft_start(member=member, actor=member.user)
            services.document_add(
                claim=claim, actor=member.user, data=data(number=str(i)), files=[samples.pdf_upload()]
            )
            services.claim_submit(member=member, token=claim.token, actor=member.user)
            services.claim_transition(claim=Claim.objects.get(pk=claim.pk), to_status=ClaimStatus.IN_REVIEW, actor=None)
            services.claim_transition(claim=Claim.objects.get(pk=claim.pk), to_status=ClaimStatus.REJECTED, actor=None)

    make(2)
    client.get(reverse("portal:claim_list"))  # warm: session bookkeeping happens on the first request
    with CaptureQueriesContext(connection) as few:
        assert client.get(reverse("portal:claim_list")).status_code == 200
    make(8)
    client.get(reverse("portal:claim_list"))
    with CaptureQueriesContext(connection) as many:
        page = client.get(reverse("portal:claim_list")).content.decode()
    assert page.count('data-testid="pratica"') == 10
    assert len(many) == len(few), [q["sql"][:120] for q in many.captured_queries]


@pytest.mark.django_db
def test_other_member_and_anonymous_never_reach_a_claim(client, member, other_member):
    client.force_login(member.user)
    draft = start(client)
    client.post(reverse("portal:document_add", args=[draft.pk]), doc_post())
    doc = ClaimDocument.objects.get()
    attachment = doc.attachments.get()
    draft_urls = [
        ("get", reverse("portal:claim_draft", args=[draft.pk])),
        ("post", reverse("portal:claim_draft_kind", args=[draft.pk])),
        ("post", reverse("portal:document_add", args=[draft.pk])),
        ("post", reverse("portal:document_files_add", args=[draft.pk, doc.pk])),
        ("get", reverse("portal:document_delete", args=[draft.pk, doc.pk])),
        ("post", reverse("portal:document_delete", args=[draft.pk, doc.pk])),
        ("post", reverse("portal:attachment_remove", args=[draft.pk, attachment.pk])),
        ("get", reverse("portal:claim_submit", args=[draft.pk])),
        ("post", reverse("portal:claim_submit", args=[draft.pk])),
    ]
    client.post(reverse("portal:claim_submit", args=[draft.pk]), {"token": str(draft.token)})
    sent_urls = [
        ("get", reverse("portal:claim_detail", args=[draft.pk])),
        ("get", reverse("portal:claim_receipt", args=[draft.pk])),
        ("get", reverse("portal:claim_cancel", args=[draft.pk])),
        ("post", reverse("portal:claim_cancel", args=[draft.pk])),
        ("get", reverse("portal:attachment_download", args=[attachment.pk])),
        ("get", reverse("portal:claim_submitted") + f"?t={draft.token}"),
    ]
    other = client.__class__()
    other.force_login(other_member.user)
    anonymous = client.__class__()
    for method, url in draft_urls + sent_urls:
        response = getattr(other, method)(url, {"token": str(draft.token)} if method == "post" else None)
        assert response.status_code == 404, url
        response = getattr(anonymous, method)(url)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/"), url
    listing = other.get(reverse("portal:claim_list")).content.decode()
    assert f">{draft.pk}<" not in listing
    assert Claim.objects.get(pk=draft.pk).status == ClaimStatus.SUBMITTED
    assert ClaimDocument.objects.filter(pk=doc.pk).exists()


@pytest.mark.django_db
def test_suspended_claim_gets_documents_and_returns_to_review(client, member, other_member):
    client.force_login(member.user)
    draft = start(client)
    client.post(reverse("portal:document_add", args=[draft.pk]), doc_post())
    client.post(reverse("portal:claim_submit", args=[draft.pk]), {"token": str(draft.token)})
    claim = Claim.objects.get(pk=draft.pk)
    services.claim_transition(claim=claim, to_status=ClaimStatus.IN_REVIEW, actor=None)
    operator = UserFactory(username="operatore.sospensioni", role="operator")
    services.claim_suspend_for_documents(
        claim=claim, actor=operator, items=["Manca la prescrizione medica."], deadline=dt.date.today() + dt.timedelta(7)
    )
    page = client.get(reverse("portal:claim_detail", args=[claim.pk])).content.decode()
    assert "Pratica sospesa" in page and "Manca la prescrizione medica." in page and "Aggiungi documenti" in page
    url = reverse("portal:claim_add_documents", args=[claim.pk])
    bad = client.post(url, doc_post(files=[samples.fake_pdf_upload()]))
    assert bad.status_code == 400 and "virus.pdf" in bad.content.decode()
    assert Claim.objects.get(pk=claim.pk).status == ClaimStatus.SUSPENDED
    other = client.__class__()
    other.force_login(other_member.user)
    assert other.post(url, doc_post(number="X1")).status_code == 404
    response = client.post(url, doc_post(number="PRESCR-1", doc_type="cartella_clinica", amount=""))
    assert response.status_code == 302
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.IN_REVIEW
    assert claim.documents.filter(number="PRESCR-1").exists()
    # Not suspended any more: the form is gone and a new post is refused.
    assert "Aggiungi documenti" not in client.get(reverse("portal:claim_detail", args=[claim.pk])).content.decode()
    assert client.post(url, doc_post(number="X2")).status_code == 400


@pytest.mark.django_db
def test_aggiungi_documenti_reports_a_bad_file_together_with_the_other_errors(client, member, operator):
    client.force_login(member.user)
    draft = start(client)
    client.post(reverse("portal:document_add", args=[draft.pk]), doc_post())
    client.post(reverse("portal:claim_submit", args=[draft.pk]), {"token": str(draft.token)})
    claim = services.claim_take(claim=Claim.objects.get(pk=draft.pk), actor=operator)
    services.claim_suspend_for_documents(
        claim=claim, actor=operator, items=["Manca la prescrizione medica."], deadline=days_ago(-7)
    )

    response = client.post(
        reverse("portal:claim_add_documents", args=[claim.pk]),
        doc_post(number="PRESCR-1", provider_name="", files=[samples.html_as_jpeg_upload()]),
    )

    assert response.status_code == 400
    assert "«foto.jpg» non è un file valido" in field_error(response, "files")
    assert "Inserisci il nome del fornitore" in field_error(response, "provider_name")
    assert 'value="PRESCR-1"' in response.content.decode()
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.SUSPENDED and claim.documents.count() == 1


@pytest.mark.django_db
def test_summary_announces_the_claim_the_documents_will_join(client, member):
    """With two open claims, the page names the oldest, which is the one the submission joins."""
    client.force_login(member.user)
    older = Claim.objects.create(member=member)
    services.claim_transition(claim=older, to_status=ClaimStatus.SUBMITTED, actor=None)
    newer = Claim.objects.create(member=member)
    services.claim_transition(claim=newer, to_status=ClaimStatus.SUBMITTED, actor=None)
    draft = start(client)
    client.post(reverse("portal:document_add", args=[draft.pk]), doc_post())
    page = client.get(reverse("portal:claim_submit", args=[draft.pk])).content.decode()
    assert f"Hai già la pratica n. {older.pk}" in page
    client.post(reverse("portal:claim_submit", args=[draft.pk]), {"token": str(draft.token)})
    assert ClaimDocument.objects.get().claim_id == older.pk


@pytest.mark.django_db
def test_each_document_shows_the_reimbursement_estimate_of_the_plan_rules(signed_in, member):
    from decimal import Decimal

    from mutua.plans.models import Enrollment, Plan

    plan = Plan.objects.create(
        code="STIMA",
        name="Piano Stima",
        yearly_fee=Decimal("100.00"),
        reimbursement_pct=Decimal("80"),
        minimum_withheld=Decimal("50.00"),
    )
    Enrollment.objects.create(member=member, plan=plan, start_date=dt.date(2020, 1, 1))
    draft = start(signed_in)
    signed_in.post(reverse("portal:document_add", args=[draft.pk]), doc_post(amount="1.000,00"))
    signed_in.post(reverse("portal:document_add", args=[draft.pk]), doc_post(number="B-2", amount="100,00"))

    page = signed_in.get(reverse("portal:claim_draft", args=[draft.pk])).content.decode()

    # 20 % withheld with a minimum of € 50: € 800 of € 1.000, € 50 of € 100, with the reasons.
    assert "Rimborso stimato</th>" in page
    assert '<td data-testid="stima"><strong>€ 800,00</strong>' in page
    assert '<td data-testid="stima"><strong>€ 50,00</strong>' in page
    assert "Scoperto del 20% con il minimo di € 50,00." in page
    assert "importo definitivo lo stabilisce" in page


@pytest.mark.django_db
def test_without_a_plan_in_force_the_estimate_says_why(signed_in):
    draft = start(signed_in)
    signed_in.post(reverse("portal:document_add", args=[draft.pk]), doc_post())
    page = signed_in.get(reverse("portal:claim_draft", args=[draft.pk])).content.decode()
    assert '<td data-testid="stima"><strong>€ 0,00</strong>' in page
    assert "Nessuna forma di assistenza attiva alla data della spesa." in page
