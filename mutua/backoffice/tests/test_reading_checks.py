"""What reading the files enables (issue 20): the same document sent again is flagged to the member before sending
and to the operator in review; an amount read that is not the one typed is flagged to the operator, who also reads
the text of the file. Real PDFs, read by the real pypdf in the (immediate) task."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from mutua.claims import services
from mutua.claims.selectors import claim_amount_mismatches, claim_duplicates
from mutua.claims.tests import samples
from mutua.claims.tests.test_backoffice_services import data, sent_claim
from mutua.core.testing import days_ago


@pytest.fixture(autouse=True)
def reading_on(settings):
    settings.DOCUMENT_READING = True


def invoice(member, *, total: str = "150,00", extra: str = "") -> SimpleUploadedFile:
    lines = samples.invoice_lines(patient_cf=member.fiscal_code, date_text=f"{days_ago(10):%d/%m/%Y}", total=total) + [
        extra
    ]
    return SimpleUploadedFile("fattura.pdf", samples.invoice_pdf(lines), content_type="application/pdf")


@pytest.mark.django_db
def test_the_same_provider_and_number_in_another_claim_is_a_likely_duplicate(client, member, operator):
    first = sent_claim(member, upload=invoice(member), number="45/2026", amount=Decimal("150.00"))
    # The same invoice scanned again (another file), typed with another date and amount: the file's provider and
    # number give it away.
    draft = services.draft_start(member=member, actor=member.user)
    services.document_add(
        claim=draft,
        actor=member.user,
        data=data(number="45/2026", amount=Decimal("15.00"), issue_date=days_ago(3)),
        files=[invoice(member, extra="Copia per il paziente")],
    )
    warnings = claim_duplicates(claim=draft)
    assert len(warnings) == 1 and warnings[0].same_provider_number and not warnings[0].same_file
    assert warnings[0].other.claim_id == first.pk

    client.force_login(member.user)
    page = client.get(reverse("portal:claim_submit", args=[draft.pk])).content.decode()
    assert "Documenti forse già inviati" in page and f"pratica n. {first.pk}" in page

    second = services.claim_submit(member=member, token=draft.token, actor=member.user).claim
    client.force_login(operator)
    page = client.get(reverse("backoffice:claim_review", args=[second.pk])).content.decode()
    assert "Possibili duplicati" in page and "stesso fornitore" in page


@pytest.mark.django_db
def test_another_provider_or_number_is_not_a_duplicate(client, member):
    sent_claim(member, upload=invoice(member), number="45/2026")
    draft = services.draft_start(member=member, actor=member.user)
    services.document_add(
        claim=draft, actor=member.user, data=data(number="46/2026"), files=[samples.pdf_upload(text="Altro")]
    )
    assert claim_duplicates(claim=draft) == []
    client.force_login(member.user)
    assert (
        "Documenti forse già inviati"
        not in client.get(reverse("portal:claim_submit", args=[draft.pk])).content.decode()
    )


@pytest.mark.django_db
def test_an_amount_typed_unlike_the_one_read_is_shown_to_the_operator_with_the_text_read(client, member, operator):
    claim = sent_claim(member, upload=invoice(member, total="150,00"), number="45/2026", amount=Decimal("1500.00"))
    mismatches = claim_amount_mismatches(claim=claim)
    assert [(m.document.amount, m.read) for m in mismatches] == [(Decimal("1500.00"), Decimal("150.00"))]
    client.force_login(operator)
    page = client.get(reverse("backoffice:claim_review", args=[claim.pk])).content.decode()
    assert "Importi diversi da quelli letti nei file" in page
    assert "il socio ha indicato € 1.500,00" in page and "è stato letto € 150,00" in page
    assert "Testo letto dal file" in page and "Studio Medico Aurora" in page


@pytest.mark.django_db
def test_the_same_amount_raises_no_flag(client, member, operator):
    claim = sent_claim(member, upload=invoice(member), number="45/2026", amount=Decimal("150.00"))
    assert claim_amount_mismatches(claim=claim) == []
    client.force_login(operator)
    assert "Importi diversi" not in client.get(reverse("backoffice:claim_review", args=[claim.pk])).content.decode()
