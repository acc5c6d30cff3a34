"""The portal reads the invoice (issue 20): the member chooses a scanned receipt, sees its fields proposed and marked
"letto dal documento" with the spot highlighted on the page read, confirms them and sends the claim; the same with a
PDF that has a text layer. Real Tesseract and pypdf, run by the live server's (immediate) task."""

from __future__ import annotations

import datetime as dt
import re
import shutil
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from e2e.helpers import open_menu, sign_in
from mutua.claims.models import ClaimDocument, ClaimStatus, FileReading
from mutua.claims.tests import samples
from mutua.members.models import Member


@pytest.fixture(autouse=True)
def reading_on(settings):
    settings.DOCUMENT_READING = True


def days_ago(n: int) -> dt.date:
    return timezone.localdate() - dt.timedelta(days=n)


def start_draft(page: Page, base_url: str, member: Member, check_page: Callable[[Page, str], None]) -> None:
    sign_in(page, base_url, member.code)
    open_menu(page, "Richiesta di rimborso")
    page.get_by_role("button", name="Inizia la richiesta").click()
    expect(page).to_have_url(re.compile(r"/pratiche/\d+/bozza/$"))
    check_page(page, "bozza-con-lettura")


def choose_and_expect_proposals(page: Page, path: Path, member: Member, date: dt.date) -> None:
    form = page.locator("#form-documento")
    form.get_by_label("File del documento").set_input_files([path])
    status = page.get_by_test_id("lettura")
    expect(status).to_contain_text("Documento letto", timeout=60_000)  # OCR on a loaded 2-core machine
    family = member.beneficiaries.first()
    expect(form.get_by_label("Tipo documento")).to_have_value("fattura")
    expect(form.get_by_label("Numero documento")).to_have_value("45/2026")
    expect(form.get_by_label("Data di emissione")).to_have_value(date.isoformat())
    expect(form.get_by_label("Importo totale pagato")).to_have_value("150,00")
    expect(form.get_by_label("Provincia del fornitore")).to_have_value("MI")
    expect(form.get_by_label("Nome del fornitore")).to_have_value("Studio Medico Aurora")
    expect(form.get_by_label("Intestatario del documento")).to_have_value(str(family.pk))
    expect(form.locator(".mutua-read-badge")).to_have_count(7)
    expect(form.locator("label[for=id_amount]")).to_contain_text("letto dal documento")
    expect(page.get_by_test_id("pagina-letta")).to_be_visible()
    expect(page.get_by_test_id("pagina-letta")).to_have_js_property("complete", True)
    # The spot of the field the member looks at is highlighted on the page read.
    form.get_by_label("Importo totale pagato").focus()
    mark = page.get_by_test_id("evidenziato")
    expect(mark).to_be_visible()
    image_box = page.get_by_test_id("pagina-letta").bounding_box()
    amount_box = mark.bounding_box()
    assert image_box and amount_box
    assert amount_box["x"] > image_box["x"] + image_box["width"] * 0.4  # the total is on the right-hand side
    form.get_by_label("Numero documento").focus()
    number_box = mark.bounding_box()
    assert number_box and number_box["y"] < amount_box["y"]  # the number is above the total


def send(page: Page) -> None:
    page.locator("#form-documento").get_by_role("button", name="Carica documento").click()
    expect(page.get_by_text("Documento caricato")).to_be_visible()
    page.get_by_role("region", name="3. Invio della pratica").get_by_role("link", name="Invia pratica").click()
    page.get_by_role("button", name="Invia pratica").click()
    expect(page).to_have_url(re.compile(r"/pratiche/inviata/"))


@pytest.mark.skipif(shutil.which("tesseract") is None, reason="apt-get install -y tesseract-ocr tesseract-ocr-ita")
def test_ricevuta_scansionata_letta_confermata_e_inviata(
    page: Page, base_url_live: str, member: Member, tmp_path: Path, check_page
) -> None:
    date = days_ago(10)
    family = member.beneficiaries.first()
    lines = samples.invoice_lines(patient_cf=family.fiscal_code, date_text=f"{date:%d/%m/%Y}")
    scan = tmp_path / "ricevuta-scansionata.jpg"
    scan.write_bytes(samples.invoice_scan(lines, angle=4.0))

    start_draft(page, base_url_live, member, check_page)
    choose_and_expect_proposals(page, scan, member, date)
    check_page(page, "dati-proposti-dalla-scansione")
    send(page)
    check_page(page, "pratica-inviata")

    document = ClaimDocument.objects.get(claim__member=member)
    assert document.claim.status == ClaimStatus.SUBMITTED
    assert (document.number, document.issue_date, document.amount) == ("45/2026", date, Decimal("150.00"))
    assert document.beneficiary == family and document.provider_province == "MI"
    reading = FileReading.objects.get(attachment__document=document)
    assert reading.method == "ocr" and not reading.file  # tied to the attachment, the copy gone


def test_pdf_con_testo_letto_e_corretto_dal_socio(
    page: Page, base_url_live: str, member: Member, tmp_path: Path, check_page
) -> None:
    date = days_ago(3)
    family = member.beneficiaries.first()
    lines = samples.invoice_lines(patient_cf=family.fiscal_code, date_text=f"{date:%d/%m/%Y}")
    pdf = tmp_path / "fattura.pdf"
    pdf.write_bytes(samples.invoice_pdf(lines))

    start_draft(page, base_url_live, member, check_page)
    choose_and_expect_proposals(page, pdf, member, date)
    check_page(page, "dati-proposti-dal-pdf")
    # The member corrects a value: what they type is what is saved.
    page.locator("#form-documento").get_by_label("Nome del fornitore").fill("Studio Aurora srl")
    send(page)
    document = ClaimDocument.objects.get(claim__member=member)
    assert document.provider_name == "Studio Aurora srl" and document.amount == Decimal("150.00")
    assert FileReading.objects.get(attachment__document=document).method == "text"


def test_documento_caricato_prima_della_lettura_nessuna_richiesta_dopo(
    page: Page, base_url_live: str, member: Member, tmp_path: Path, check_page, settings
) -> None:
    """A member who saves the document and sends the claim while the file is still being read: the page stops
    asking about that reading once the form is sent (it used to ask again after the claim was sent, and got 404s)."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}  # no worker
    date = days_ago(5)
    pdf = tmp_path / "fattura.pdf"
    family = member.beneficiaries.first()
    pdf.write_bytes(
        samples.invoice_pdf(samples.invoice_lines(patient_cf=family.fiscal_code, date_text=f"{date:%d/%m/%Y}"))
    )
    start_draft(page, base_url_live, member, check_page)
    form = page.locator("#form-documento")
    form.get_by_label("Tipo documento").select_option(label="Fattura")
    form.get_by_label("Numero documento").fill("45/2026")
    form.get_by_label("Data di emissione").fill(date.isoformat())
    form.get_by_label("Importo totale pagato").fill("150,00")
    form.get_by_label("Provincia del fornitore").select_option("MI")
    form.get_by_label("Nome del fornitore").fill("Studio Medico Aurora")
    form.get_by_label("Intestatario del documento").select_option(str(family.pk))
    form.get_by_label("File del documento").set_input_files([pdf])
    expect(page.get_by_test_id("lettura")).to_contain_text("Lettura del documento in corso")
    page.wait_for_timeout(1_500)  # the page has asked about the reading at least once
    asked: list[str] = []
    failed: list[str] = []
    page.on("request", lambda request: asked.append(request.url) if "/lettura/" in request.url else None)
    page.on("response", lambda response: failed.append(response.url) if response.status >= 400 else None)
    send(page)
    page.wait_for_timeout(2_500)  # more than two rounds of the page's one-second polling
    assert asked == [] and failed == []
    assert ClaimDocument.objects.get(claim__member=member).claim.status == ClaimStatus.SUBMITTED
