"""The draft page reads the file the member chooses and proposes the document's fields (issue 20): real PDFs and
scans, read by the real pypdf and Tesseract in the (immediate) task; the member's own pages only."""

from __future__ import annotations

import shutil

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from mutua.claims.models import Attachment, Claim, FileReading, ReadingStatus
from mutua.claims.tests import samples
from mutua.core.testing import days_ago, typed

needs_tesseract = pytest.mark.skipif(
    shutil.which("tesseract") is None, reason="Tesseract is missing: apt-get install -y tesseract-ocr tesseract-ocr-ita"
)


@pytest.fixture
def reading_on(settings):
    settings.DOCUMENT_READING = True


@pytest.fixture
def draft(client, member, reading_on):
    client.force_login(member.user)
    response = client.post(reverse("portal:reimbursement_start"))
    return Claim.objects.get(pk=int(response["Location"].split("/")[2]))


def lines_for(member):
    family = member.beneficiaries.first()
    return samples.invoice_lines(patient_cf=family.fiscal_code, date_text=f"{days_ago(10):%d/%m/%Y}")


def start_reading(client, draft, content: bytes, name: str, content_type: str):
    upload = SimpleUploadedFile(name, content, content_type=content_type)
    return client.post(reverse("portal:reading_start", args=[draft.pk]), {"file": upload})


def proposals(answer) -> dict[str, str]:
    return {p["field"]: p["value"] for p in answer["proposals"]}


@pytest.mark.django_db
class TestReadingOnTheDraftPage:
    def test_a_pdf_with_text_proposes_every_field_and_picks_the_family_member(self, client, member, draft):
        response = start_reading(client, draft, samples.invoice_pdf(lines_for(member)), "f.pdf", "application/pdf")
        assert response.status_code == 202
        answer = client.get(response.json()["url"]).json()
        assert answer["status"] == ReadingStatus.DONE
        family = member.beneficiaries.first()
        assert proposals(answer) == {
            "doc_type": "fattura",
            "number": "45/2026",
            "issue_date": days_ago(10).isoformat(),
            "amount": "150,00",
            "provider_province": "MI",
            "provider_name": "Studio Medico Aurora",
            "holder": str(family.pk),
        }
        shown = {p["field"]: p["shown"] for p in answer["proposals"]}
        assert shown["amount"] == "€ 150,00" and shown["issue_date"] == f"{days_ago(10):%d/%m/%Y}"
        page = client.get(answer["image"])
        assert page.status_code == 200 and page["Content-Type"] == "image/png" and page.content[:4] == b"\x89PNG"
        assert "private" in page["Cache-Control"] and "no-store" in page["Cache-Control"]

    def test_a_partita_iva_of_a_network_provider_proposes_the_provider_as_the_network_knows_it(
        self, client, member, draft
    ):
        from mutua.providers.tests.factories import ProviderFactory

        ProviderFactory(name="Centro Medico Aurora S.r.l.", province="MB", vat_number="12345670017")
        ProviderFactory(name="Altro Centro", province="TO", vat_number="86334519757")
        response = start_reading(client, draft, samples.invoice_pdf(lines_for(member)), "f.pdf", "application/pdf")
        answer = client.get(response.json()["url"]).json()
        got = proposals(answer)
        assert got["provider_name"] == "Centro Medico Aurora S.r.l." and got["provider_province"] == "MB"
        assert got["number"] == "45/2026"  # the rest as read

    def test_a_partita_iva_no_network_provider_has_leaves_the_provider_as_read(self, client, member, draft):
        from mutua.providers.tests.factories import ProviderFactory

        ProviderFactory(name="Altro Centro", province="TO", vat_number="86334519757")
        response = start_reading(client, draft, samples.invoice_pdf(lines_for(member)), "f.pdf", "application/pdf")
        got = proposals(client.get(response.json()["url"]).json())
        assert got["provider_name"] == "Studio Medico Aurora" and got["provider_province"] == "MI"

    @needs_tesseract
    def test_a_scanned_receipt_is_read_by_ocr_with_where_each_value_is(self, client, member, draft):
        response = start_reading(client, draft, samples.invoice_scan(lines_for(member)), "scan.jpg", "image/jpeg")
        answer = client.get(response.json()["url"]).json()
        got = proposals(answer)
        assert got["amount"] == "150,00" and got["number"] == "45/2026"
        assert got["issue_date"] == days_ago(10).isoformat()
        reading = FileReading.objects.get(claim=draft)
        assert reading.method == "ocr" and "Studio Medico Aurora" in reading.text
        assert abs(reading.page_angles[0] + 3) <= 0.75
        for p in answer["proposals"]:
            x0, y0, x1, y1 = p["box"]
            assert 0 <= x0 < x1 <= 1 and 0 <= y0 < y1 <= 1

    def test_a_file_that_is_not_a_document_is_refused_in_italian_and_nothing_is_kept(self, client, draft):
        response = start_reading(client, draft, b"MZ\x90\x00" + b"\x00" * 200, "virus.pdf", "application/pdf")
        assert response.status_code == 400
        assert "virus.pdf" in response.json()["error"]
        assert not FileReading.objects.exists()
        assert client.post(reverse("portal:reading_start", args=[draft.pk])).status_code == 400

    def test_the_reading_joins_the_attachment_of_the_same_file_and_its_copy_is_deleted(
        self, client, member, draft, django_capture_on_commit_callbacks
    ):
        content = samples.invoice_pdf(lines_for(member))
        started = start_reading(client, draft, content, "f.pdf", "application/pdf")
        reading = FileReading.objects.get()
        copy_name, storage = reading.file.name, reading.file.storage
        assert storage.exists(copy_name)
        form = {
            "doc_type": "fattura",
            "number": "45/2026",
            "issue_date": typed(days_ago(10)),
            "amount": "150,00",
            "provider_province": "MI",
            "provider_name": "Studio Medico Aurora",
            "holder": "socio",
            "notes": "",
            "files": [SimpleUploadedFile("fattura.pdf", content, content_type="application/pdf")],
        }
        with django_capture_on_commit_callbacks(execute=True):
            assert client.post(reverse("portal:document_add", args=[draft.pk]), form).status_code == 302
        reading.refresh_from_db()
        assert reading.attachment == Attachment.objects.get() and not reading.file
        assert not storage.exists(copy_name)
        assert started.status_code == 202

    def test_a_file_added_without_the_page_script_is_read_in_the_worker_too(self, client, member, draft):
        form = {
            "doc_type": "fattura",
            "number": "45/2026",
            "issue_date": typed(days_ago(10)),
            "amount": "120,00",
            "provider_province": "MI",
            "provider_name": "Studio Medico Aurora",
            "holder": "socio",
            "files": [SimpleUploadedFile("f.pdf", samples.invoice_pdf(lines_for(member)), "application/pdf")],
        }
        client.post(reverse("portal:document_add", args=[draft.pk]), form)
        reading = Attachment.objects.get().reading
        assert reading.status == ReadingStatus.DONE and reading.proposals["amount"]["value"] == "150.00"

    def test_the_page_offers_the_reading_only_when_it_is_on(self, client, draft, settings):
        page = client.get(reverse("portal:claim_draft", args=[draft.pk])).content.decode()
        assert "data-reading=" in page and "js/reading.js" in page
        settings.DOCUMENT_READING = False
        page = client.get(reverse("portal:claim_draft", args=[draft.pk])).content.decode()
        assert "data-reading=" not in page and 'name="files"' in page
        assert start_reading(client, draft, samples.pdf_bytes(), "f.pdf", "application/pdf").status_code == 404


@pytest.mark.django_db
def test_another_member_and_an_anonymous_visitor_never_reach_a_reading(client, member, other_member, draft):
    start_reading(client, draft, samples.invoice_pdf(lines_for(member)), "f.pdf", "application/pdf")
    reading = FileReading.objects.get()
    urls = [
        reverse("portal:reading_status", args=[draft.pk, reading.pk]),
        reverse("portal:reading_page", args=[draft.pk, reading.pk, 1]),
    ]
    client.force_login(other_member.user)
    for url in urls:
        assert client.get(url).status_code == 404
    assert start_reading(client, draft, samples.pdf_bytes(), "f.pdf", "application/pdf").status_code == 404
    client.logout()
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.django_db
def test_a_file_read_but_not_saved_is_forgotten_with_its_copy_when_the_document_is_saved(
    client, member, draft, django_capture_on_commit_callbacks
):
    start_reading(client, draft, samples.invoice_pdf(lines_for(member)), "sbagliato.pdf", "application/pdf")
    chosen_first = FileReading.objects.get()
    copy_name, storage = chosen_first.file.name, chosen_first.file.storage
    form = {
        "doc_type": "certificato_ospedaliero",
        "issue_date": typed(days_ago(5)),
        "provider_province": "MI",
        "provider_name": "Ospedale Niguarda",
        "holder": "socio",
        "files": [samples.pdf_upload(text="Certificato di ricovero")],
    }
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(reverse("portal:document_add", args=[draft.pk]), form).status_code == 302
    assert not FileReading.objects.filter(pk=chosen_first.pk).exists()
    assert not storage.exists(copy_name)
    assert FileReading.objects.get().attachment == Attachment.objects.get()  # the saved file, read in the worker
