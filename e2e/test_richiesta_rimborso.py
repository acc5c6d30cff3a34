"""Richiesta di rimborso: the guide's three steps in the browser, drafts that outlive the browser, one claim per
submission, rejected files, and the same journey with JavaScript turned off."""

from __future__ import annotations

import base64
import datetime as dt
import io
import os
import re
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image
from playwright.sync_api import BrowserContext, Locator, Page, expect
from pypdf import PdfReader

from e2e.helpers import (
    check_page_without_scripts,
    open_menu,
    scriptless_twin,
    sign_in,
    take_expected_problem,
    wait_until,
    watch_context,
)
from mutua.claims import services
from mutua.claims.models import Attachment, Claim, ClaimDocument, ClaimEvent, ClaimStatus, ClaimSubmission
from mutua.claims.services import DocumentData
from mutua.claims.tests.samples import image_bytes, pdf_bytes
from mutua.members.models import Member, Relationship
from mutua.members.tests.factories import BeneficiaryFactory

UNTHROTTLED = {"offline": False, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1}
UPLOADED = "Documento caricato: lo trovi in «Documenti pratica»"
AMOUNT_ERROR = "Scrivi l'importo in euro, ad esempio 1.234,56."
# The document form comes back with status 400 and its errors: the response, and Chromium's console line about it.
FORM_SENT_BACK = (
    r"^HTTP 400 POST .*/pratiche/\d+/documenti/$|/pratiche/\d+/documenti/: .*status of 400 \(Bad Request\)$"
)


@pytest.fixture
def spouse(member: Member):
    return BeneficiaryFactory(
        member=member, relationship=Relationship.SPOUSE, first_name="Laura", birth_date=dt.date(1980, 3, 2)
    )


def days_ago(n: int) -> dt.date:
    return timezone.localdate() - dt.timedelta(days=n)


def noisy_jpeg(side: int = 500) -> bytes:
    """A photo-like JPEG of about 200 KB (random pixels do not compress): big enough for a visible upload."""
    buf = io.BytesIO()
    Image.frombytes("L", (side, side), os.urandom(side * side)).save(buf, format="JPEG", quality=90)
    return buf.getvalue()


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def document_form(page: Page) -> Locator:
    return page.locator("#form-documento")


def fill_document(
    page: Page,
    *,
    doc_type: str,
    issue_date: dt.date,
    holder: str,
    number: str = "",
    amount: str = "",
    province: str = "MI",
    provider: str = "Studio medico Bianchi",
    notes: str = "",
    files: list[Path] | None = None,
) -> None:
    """Step 2 of the guide, by the labels a member reads; `holder` is the option's text."""
    form = document_form(page)
    form.get_by_label("Tipo documento").select_option(label=doc_type)
    form.get_by_label("Numero documento").fill(number)
    form.get_by_label("Data di emissione").fill(issue_date.isoformat())
    form.get_by_label("Importo totale pagato").fill(amount)
    form.get_by_label("Provincia del fornitore").select_option(province)
    form.get_by_label("Nome del fornitore").fill(provider)
    form.get_by_label("Intestatario del documento").select_option(label=holder)
    form.get_by_label("Annotazioni").fill(notes)
    if files is not None:
        form.get_by_label("File del documento").set_input_files(files)


def upload(page: Page) -> None:
    document_form(page).get_by_role("button", name="Carica documento").click()


def document_rows(page: Page) -> Locator:
    return page.get_by_role("region", name="Documenti pratica").get_by_test_id("documento")


def expect_row(row: Locator, *cells: str) -> None:
    """Tipo, Numero, Data, Importo, Intestatario, File: each cell contains its text (File: names separated by |)."""
    tds = row.locator("td")
    for i, text in enumerate(cells[:5]):
        expect(tds.nth(i)).to_have_text(text)
    for name in cells[5].split("|") if len(cells) > 5 else []:
        expect(tds.nth(5).get_by_role("link", name=name, exact=True)).to_be_visible()


def drop_files(page: Page, zone: Locator, files: list[tuple[str, str, bytes]]) -> None:
    """A real drop: a DataTransfer built in the page with File objects made from the bytes, then dragenter + drop."""
    payload = [{"name": n, "type": t, "b64": base64.b64encode(d).decode()} for n, t, d in files]
    data_transfer = page.evaluate_handle(
        """files => {
            const dataTransfer = new DataTransfer();
            for (const f of files) {
                const bytes = Uint8Array.from(atob(f.b64), c => c.charCodeAt(0));
                dataTransfer.items.add(new File([bytes], f.name, {type: f.type}));
            }
            return dataTransfer;
        }""",
        payload,
    )
    zone.dispatch_event("dragenter", {"dataTransfer": data_transfer})
    expect(zone).to_have_class(re.compile(r"\bmutua-dragover\b"))  # the zone shows it will take the files
    handled = zone.evaluate(
        """(zone, dataTransfer) => !zone.dispatchEvent(
            new DragEvent("drop", {dataTransfer, bubbles: true, cancelable: true})
        )""",
        data_transfer,
    )
    assert handled, "the drop was not taken by the page (the browser would open the file instead)"
    expect(zone).not_to_have_class(re.compile(r"\bmutua-dragover\b"))


def start_draft(page: Page, check_page: Callable[[Page, str], None]) -> None:
    """From the menu to a new, empty draft, checking both pages."""
    open_menu(page, "Richiesta di rimborso")
    expect(page.get_by_role("heading", name="Richiesta di rimborso", level=1)).to_be_visible()
    check_page(page, "richiesta-apertura")
    page.get_by_role("button", name="Inizia la richiesta").click()
    expect(page).to_have_url(re.compile(r"/pratiche/\d+/bozza/$"))
    expect(page.get_by_role("region", name="Documenti pratica")).to_contain_text("Nessun documento caricato finora.")
    check_page(page, "bozza-vuota")


def pdf_text(data: bytes) -> str:
    return " ".join(" ".join((p.extract_text() or "") for p in PdfReader(io.BytesIO(data)).pages).split())


def test_richiesta_con_due_documenti(
    page: Page,
    context: BrowserContext,
    base_url_live: str,
    member: Member,
    spouse,
    tmp_path: Path,
    browser_problems,
    check_page,
) -> None:
    child = member.beneficiaries.get(relationship=Relationship.CHILD)
    child_label, spouse_label = f"{child.first_name} {child.last_name}", f"{spouse.first_name} {spouse.last_name}"
    date1, date2, date3 = days_ago(20), days_ago(10), days_ago(5)
    tiff = write(tmp_path, "ricevuta-laura.tiff", image_bytes("TIFF"))
    cartella = write(tmp_path, "cartella.pdf", pdf_bytes("Cartella clinica"))

    sign_in(page, base_url_live, member.code)
    open_menu(page, "Richiesta di rimborso")
    expect(page).to_have_url(base_url_live + "/rimborso/")
    expect(page.get_by_role("heading", name="Richiesta di rimborso", level=1)).to_be_visible()
    conditions = page.locator(".callout")
    expect(conditions).to_contain_text("fatture, ricevute, cartelle cliniche, certificati ospedalieri")
    expect(conditions).to_contain_text("Allega obbligatoriamente i documenti")
    expect(conditions).to_contain_text("PDF, JPG, JPEG, TIF o TIFF")
    expect(conditions).to_contain_text("al massimo 2 MB per ogni file")
    check_page(page, "richiesta-apertura")
    page.get_by_role("button", name="Inizia la richiesta").click()

    # Step 1: the IBAN, masked but for its first and last 4 characters.
    expect(page).to_have_url(re.compile(r"/pratiche/\d+/bozza/$"))
    expect(page.get_by_role("heading", name="1. Dati preliminari")).to_be_visible()
    expect(page.get_by_test_id("iban")).to_have_text(f"{member.iban[:4]} **** **** {member.iban[-4:]}")
    expect(page.locator("main")).not_to_contain_text(member.iban[4:-4])
    expect(page.get_by_role("region", name="Documenti pratica")).to_contain_text("Nessun documento caricato finora.")
    check_page(page, "bozza-vuota")

    # Document 1: an invoice for the child, its two files dropped onto the drop zone.
    form = document_form(page)
    fill_document(
        page,
        doc_type="Fattura",
        number="F-2026/118",
        issue_date=date1,
        amount="1.234,56",
        holder=f"{child_label} (Figlio/a)",
    )
    drop_files(
        page,
        form.locator("[data-dropzone]"),
        [
            ("fattura-sofia.pdf", "application/pdf", pdf_bytes("Fattura F-2026/118")),
            ("scontrino.jpg", "image/jpeg", noisy_jpeg()),
        ],
    )
    file_input = form.get_by_label("File del documento")
    assert file_input.evaluate("i => Array.from(i.files).map(f => [f.name, f.size > 0])") == [
        ["fattura-sofia.pdf", True],
        ["scontrino.jpg", True],
    ]

    # A slow line (100 KB/s up, the JPEG is about 200 KB) makes the upload last seconds: the progress bar appears
    # and fills. Every value it takes is recorded in the page (the window outlives the answer written over it).
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.emulateNetworkConditions", {**UNTHROTTLED, "uploadThroughput": 100 * 1024})
    bar = form.locator("progress.mutua-progress")
    expect(bar).to_be_hidden()
    bar.evaluate(
        """bar => {
            window.progressValues = [];
            new MutationObserver(() => window.progressValues.push(bar.value))
                .observe(bar, {attributes: true, attributeFilter: ["value"]});
        }"""
    )
    upload(page)
    expect(bar).to_be_visible()
    expect(form.get_by_role("button", name="Carica documento")).to_be_disabled()  # no second upload meanwhile
    wait_until(page, "() => document.querySelector('#form-documento progress').value > 0")
    expect(page.get_by_text(UPLOADED)).to_be_visible(timeout=20_000)
    cdp.send("Network.emulateNetworkConditions", UNTHROTTLED)
    cdp.detach()
    values = page.evaluate("window.progressValues")
    assert len(values) >= 2 and 0 < values[0] < 100 and values[-1] == 100, values
    assert values == sorted(values), values

    rows = document_rows(page)
    expect(rows).to_have_count(1)
    expect_row(
        rows.nth(0),
        "Fattura",
        "F-2026/118",
        date1.strftime("%d/%m/%Y"),
        "€ 1.234,56",
        child_label,
        "fattura-sofia.pdf|scontrino.jpg",
    )
    check_page(page, "documento-1-caricato")

    # Document 2: a receipt for the spouse, with the file button. A wrong amount first.
    fill_document(
        page,
        doc_type="Ricevuta",
        number="R 77",
        issue_date=date2,
        amount="abc",
        province="RM",
        provider="Farmacia Centrale",
        holder=f"{spouse_label} (Coniuge)",
        notes="Ricevuta del dentista",
        files=[tiff],
    )
    upload(page)
    form = document_form(page)
    amount = form.get_by_label("Importo totale pagato")
    expect(amount).to_have_attribute("aria-invalid", "true")
    expect(form.locator("#id_amount-error")).to_have_text(AMOUNT_ERROR)
    expect(amount).to_have_attribute("aria-describedby", re.compile(r"\bid_amount-error\b"))
    expect(amount).to_have_value("abc")  # what was typed comes back as typed
    expect(form.get_by_label("Tipo documento")).to_have_value("ricevuta")
    expect(form.get_by_label("Numero documento")).to_have_value("R 77")
    expect(form.get_by_label("Data di emissione")).to_have_value(date2.isoformat())
    expect(form.get_by_label("Provincia del fornitore")).to_have_value("RM")
    expect(form.get_by_label("Nome del fornitore")).to_have_value("Farmacia Centrale")
    expect(form.get_by_label("Intestatario del documento")).to_have_value(str(spouse.pk))
    expect(form.get_by_label("Annotazioni")).to_have_value("Ricevuta del dentista")
    expect(document_rows(page)).to_have_count(1)  # nothing was saved
    take_expected_problem(browser_problems, FORM_SENT_BACK)
    check_page(page, "documento-2-importo-errato")

    amount.fill("85,00")
    form.get_by_label("File del documento").set_input_files([tiff])  # a browser never keeps the chosen files
    upload(page)
    expect(page.get_by_text(UPLOADED)).to_be_visible()
    rows = document_rows(page)
    expect(rows).to_have_count(2)
    expect_row(
        rows.nth(1), "Ricevuta", "R 77", date2.strftime("%d/%m/%Y"), "€ 85,00", spouse_label, "ricevuta-laura.tiff"
    )

    # Remove one file of document 1.
    rows.nth(0).get_by_role("button", name="Rimuovi il file scontrino.jpg").click()
    expect(page.get_by_text("File «scontrino.jpg» rimosso.")).to_be_visible()
    rows = document_rows(page)
    expect(rows.nth(0).locator("td").nth(5).get_by_role("link")).to_have_text(["fattura-sofia.pdf"])
    check_page(page, "file-rimosso")

    # A throwaway document 3, then "Cancella documento" with its confirmation.
    fill_document(
        page, doc_type="Cartella clinica", issue_date=date3, holder=f"{member.full_name} (socio)", files=[cartella]
    )
    upload(page)
    expect(page.get_by_text("Documento caricato")).to_be_visible()
    rows = document_rows(page)
    expect(rows).to_have_count(3)
    expect_row(rows.nth(2), "Cartella clinica", "—", date3.strftime("%d/%m/%Y"), "—", member.full_name, "cartella.pdf")
    rows.nth(2).get_by_role("link", name="Cancella documento").click()
    expect(page.get_by_role("heading", name="Cancella documento", level=1)).to_be_visible()
    expect(page.locator("main")).to_contain_text(
        "Vuoi cancellare il documento «Cartella clinica» con tutti i suoi file e dati?"
    )
    check_page(page, "conferma-cancella-documento")
    page.get_by_role("button", name="Cancella documento").click()
    expect(page.get_by_text("Documento cancellato con tutti i suoi file.")).to_be_visible()
    expect(document_rows(page)).to_have_count(2)

    # Step 3: the summary, in a window over the draft ("Annulla" closes it), then the submission.
    send = page.get_by_role("region", name="3. Invio della pratica").get_by_role("link", name="Invia pratica")
    send.click()
    window = page.get_by_role("dialog", name="Riepilogo della pratica")
    expect(window).to_be_visible()
    window.get_by_role("link", name="Annulla", exact=True).click()
    expect(window).to_be_hidden()
    expect(send).to_be_focused()
    send.click()
    summary = window.get_by_role("table", name="Documenti")
    expect(summary.locator("tbody tr")).to_have_count(2)
    expect(summary.locator("tbody tr").nth(0)).to_contain_text("F-2026/118")
    expect(summary.locator("tbody tr").nth(0)).to_contain_text("€ 1.234,56")
    expect(summary.locator("tbody tr").nth(0)).to_contain_text(child_label)
    expect(summary.locator("tbody tr").nth(0)).to_contain_text("fattura-sofia.pdf")
    expect(summary.locator("tbody tr").nth(1)).to_contain_text("R 77")
    expect(summary.locator("tbody tr").nth(1)).to_contain_text(spouse_label)
    expect(summary.locator("tbody tr").nth(1)).to_contain_text("ricevuta-laura.tiff")
    expect(window.get_by_role("link", name="Annulla", exact=True)).to_be_visible()
    check_page(page, "riepilogo")
    window.get_by_role("button", name="Invia pratica").click()

    expect(page.get_by_role("heading", name="Pratica inviata", level=1)).to_be_visible()
    result = page.get_by_role("status").filter(has_text="è stata trasmessa")
    expect(result).to_have_text(re.compile(r"La pratica n\. \d+ è stata trasmessa\."))
    claim_id = re.search(r"n\. (\d+)", result.inner_text()).group(1)
    check_page(page, "pratica-inviata")

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Scarica la ricevuta").click()
    download = download_info.value
    assert download.suggested_filename == f"ricevuta-pratica-{claim_id}.pdf"
    text = pdf_text(Path(download.path()).read_bytes())
    for expected in (
        claim_id,
        child_label,
        spouse_label,
        "€ 1.234,56",
        "€ 85,00",
        "fattura-sofia.pdf",
        "ricevuta-laura.tiff",
    ):
        assert expected in text, f"{expected!r} not in the receipt: {text}"
    assert "scontrino.jpg" not in text and "cartella.pdf" not in text

    # Lista pratiche: the new claim, "Trasmessa"; its page with documents, timeline and the way to withdraw it.
    page.get_by_role("main").get_by_role("link", name="Lista pratiche").click()
    expect(page.get_by_role("heading", name="Lista pratiche", level=1)).to_be_visible()
    row = page.get_by_test_id("pratica").filter(has=page.get_by_role("link", name=claim_id, exact=True))
    expect(row).to_have_count(1)
    expect(row.locator("[data-status]")).to_have_text("Trasmessa")
    expect(row).to_contain_text("€ 1.319,56")
    check_page(page, "lista-pratiche")
    row.get_by_role("link", name=claim_id, exact=True).click()

    expect(page.get_by_role("heading", name=f"Pratica n. {claim_id}", level=1)).to_be_visible()
    documents = page.get_by_role("table", name="Documenti della pratica").locator("tbody tr")
    expect(documents).to_have_count(2)
    expect(documents.nth(0)).to_contain_text("F-2026/118")
    expect(documents.nth(0).get_by_role("link", name="fattura-sofia.pdf")).to_be_visible()
    expect(documents.nth(1).get_by_role("link", name="ricevuta-laura.tiff")).to_be_visible()
    expect(page.get_by_role("heading", name="Cronologia")).to_be_visible()
    expect(page.locator("main ol li")).to_contain_text(["Trasmessa"])
    expect(page.get_by_role("link", name="Annulla la pratica")).to_be_visible()
    check_page(page, "dettaglio-pratica")


def test_bozza_sopravvive_alla_chiusura_del_browser(
    page: Page,
    context: BrowserContext,
    new_context,
    base_url_live: str,
    member: Member,
    tmp_path: Path,
    browser_problems,
    check_page,
) -> None:
    original = pdf_bytes("Fattura 9/2026")
    invoice = write(tmp_path, "fattura-9.pdf", original)

    sign_in(page, base_url_live, member.code)
    start_draft(page, check_page)
    fill_document(
        page,
        doc_type="Fattura",
        number="9/2026",
        issue_date=days_ago(3),
        amount="120",
        holder=f"{member.full_name} (socio)",
        files=[invoice],
    )
    upload(page)
    expect(document_rows(page)).to_have_count(1)
    check_page(page, "bozza-con-documento")
    context.close()  # the browser is gone: cookies, tabs, everything

    other_device = new_context()
    watch_context(other_device, browser_problems)
    page = other_device.new_page()
    sign_in(page, base_url_live, member.code)
    open_menu(page, "Richiesta di rimborso")
    expect(page.get_by_text("Hai una bozza con 1 documento.")).to_be_visible()
    check_page(page, "bozza-da-riprendere")
    page.get_by_role("button", name="Riprendi la bozza").click()

    rows = document_rows(page)
    expect(rows).to_have_count(1)
    expect_row(
        rows.nth(0),
        "Fattura",
        "9/2026",
        days_ago(3).strftime("%d/%m/%Y"),
        "€ 120,00",
        member.full_name,
        "fattura-9.pdf",
    )
    check_page(page, "bozza-ripresa")
    with page.expect_download() as download_info:
        rows.nth(0).get_by_role("link", name="fattura-9.pdf").click()
    assert Path(download_info.value.path()).read_bytes() == original  # the very file, intact


def add_document_through_services(member: Member) -> Claim:
    draft = services.draft_start(member=member, actor=member.user)
    data = DocumentData(
        doc_type="fattura",
        number="31/2026",
        issue_date=days_ago(7),
        amount=Decimal("60.00"),
        provider_province="MI",
        provider_name="Studio medico Bianchi",
        beneficiary=None,
        notes="",
    )
    services.document_add(
        claim=draft,
        actor=member.user,
        data=data,
        files=[SimpleUploadedFile("fattura-31.pdf", pdf_bytes(), "application/pdf")],
    )
    return draft


def test_doppio_invio(page: Page, context: BrowserContext, base_url_live: str, member: Member, check_page) -> None:
    draft = add_document_through_services(member)

    sign_in(page, base_url_live, member.code)
    open_menu(page, "Richiesta di rimborso")
    check_page(page, "richiesta-bozza-da-riprendere")
    page.get_by_role("button", name="Riprendi la bozza").click()
    expect(document_rows(page)).to_have_count(1)
    check_page(page, "bozza")
    page.get_by_role("link", name="Invia pratica").click()
    window = page.get_by_role("dialog", name="Riepilogo della pratica")
    expect(window).to_be_visible()
    check_page(page, "riepilogo")

    second_tab = context.new_page()  # the same summary, open in another tab before sending
    second_tab.goto(page.url)
    second_tab.get_by_role("link", name="Invia pratica").click()
    expect(second_tab.get_by_role("dialog").get_by_role("button", name="Invia pratica")).to_be_enabled()

    window.get_by_role("button", name="Invia pratica").dblclick()
    expect(page.get_by_role("status").filter(has_text="è stata trasmessa")).to_contain_text(f"La pratica n. {draft.pk}")
    check_page(page, "pratica-inviata")

    second_tab.get_by_role("dialog").get_by_role("button", name="Invia pratica").click()  # the same form again
    expect(second_tab.get_by_role("heading", name="Pratica inviata", level=1)).to_be_visible()
    expect(second_tab.get_by_role("status").filter(has_text="è stata trasmessa")).to_contain_text(
        f"La pratica n. {draft.pk}"
    )

    open_menu(page, "Lista pratiche")
    expect(page.get_by_test_id("pratica")).to_have_count(1)
    expect(page.get_by_test_id("pratica").get_by_role("link")).to_have_text(str(draft.pk))
    check_page(page, "lista-pratiche")
    assert Claim.objects.filter(member=member).count() == 1
    assert ClaimSubmission.objects.count() == 1
    assert ClaimEvent.objects.filter(to_status=ClaimStatus.SUBMITTED).count() == 1


def test_messaggio_dopo_il_caricamento_da_un_indirizzo_con_ancora(
    page: Page, base_url_live: str, member: Member, tmp_path: Path, check_page
) -> None:
    """After "Rimuovi" or "Aggiungi" the draft's address ends with #documento-N; the next upload must still confirm."""
    draft = add_document_through_services(member)
    sign_in(page, base_url_live, member.code)
    page.goto(f"{base_url_live}/pratiche/{draft.pk}/bozza/#documento-{draft.documents.get().pk}")
    fill_document(
        page,
        doc_type="Certificato ospedaliero",
        issue_date=days_ago(4),
        holder=f"{member.full_name} (socio)",
        files=[write(tmp_path, "certificato.pdf", pdf_bytes("Certificato"))],
    )
    upload(page)
    expect(document_rows(page)).to_have_count(2)
    expect(page.get_by_text(UPLOADED)).to_be_visible()
    check_page(page, "documento-caricato")


def test_file_rifiutato(
    page: Page, base_url_live: str, member: Member, tmp_path: Path, browser_problems, check_page
) -> None:
    fake_photo = write(tmp_path, "foto.jpg", b"<html><script>alert(1)</script></html>")
    data = pdf_bytes()
    too_big = write(tmp_path, "grande.pdf", data + b"%" * (2 * 1024 * 1024 + 1 - len(data)))
    assert too_big.stat().st_size == 2 * 1024 * 1024 + 1

    sign_in(page, base_url_live, member.code)
    start_draft(page, check_page)
    fill_document(
        page,
        doc_type="Fattura",
        number="44/B",
        issue_date=days_ago(2),
        amount="1.500,OO",  # letters O for zeros: a second mistake, reported with the files'
        province="TO",
        provider="Ospedale San Giovanni",
        holder="Sofia Rossi (Figlio/a)",
        notes="IBAN per questa pratica: IT60X0542811101000000123456",
        files=[fake_photo, too_big],
    )
    upload(page)

    form = document_form(page)
    files_error = form.locator("#id_files-error")
    expect(files_error).to_contain_text("«foto.jpg» non è un file valido: sono ammessi i formati PDF, JPEG e TIFF.")
    expect(files_error).to_contain_text("«grande.pdf» supera i 2 MB.")
    expect(form.get_by_label("File del documento")).to_have_attribute("aria-invalid", "true")
    # Every error at once, each next to its field: the member does not find the files refused only after fixing
    # the amount.
    expect(form.locator("#id_amount-error")).to_have_text(AMOUNT_ERROR)
    expect(form.get_by_label("Importo totale pagato")).to_have_attribute("aria-invalid", "true")
    expect(form.get_by_label("Tipo documento")).to_have_value("fattura")
    expect(form.get_by_label("Numero documento")).to_have_value("44/B")
    expect(form.get_by_label("Data di emissione")).to_have_value(days_ago(2).isoformat())
    expect(form.get_by_label("Importo totale pagato")).to_have_value("1.500,OO")
    expect(form.get_by_label("Provincia del fornitore")).to_have_value("TO")
    expect(form.get_by_label("Nome del fornitore")).to_have_value("Ospedale San Giovanni")
    expect(form.get_by_label("Intestatario del documento")).to_have_value(str(member.beneficiaries.get().pk))
    expect(form.get_by_label("Annotazioni")).to_have_value("IBAN per questa pratica: IT60X0542811101000000123456")
    expect(page.get_by_role("region", name="Documenti pratica")).to_contain_text("Nessun documento caricato finora.")
    expect(document_rows(page)).to_have_count(0)
    take_expected_problem(browser_problems, FORM_SENT_BACK)
    check_page(page, "file-rifiutati")
    assert ClaimDocument.objects.count() == 0 and Attachment.objects.count() == 0


def test_senza_javascript(
    new_context, base_url_live: str, member: Member, tmp_path: Path, browser_problems, check_page
) -> None:
    """The same journey with JavaScript off: plain form posts, redirects and pages. Each page is checked through a
    scriptless twin (see check_page_without_scripts)."""
    ctx = new_context(java_script_enabled=False)
    watch_context(ctx, browser_problems)
    page = ctx.new_page()
    twin = scriptless_twin(new_context(), browser_problems)

    def check(name: str) -> None:
        check_page_without_scripts(check_page, twin, page, name)

    invoice = write(tmp_path, "fattura-nojs.pdf", pdf_bytes())

    sign_in(page, base_url_live, member.code)
    open_menu(page, "Richiesta di rimborso")
    check("richiesta-apertura")
    page.get_by_role("button", name="Inizia la richiesta").click()
    expect(page).to_have_url(re.compile(r"/pratiche/\d+/bozza/$"))
    check("bozza-vuota")

    fill_document(
        page,
        doc_type="Fattura",
        number="5",
        issue_date=days_ago(1),
        amount="1.234,56",
        holder="Sofia Rossi (Figlio/a)",
        files=[invoice],
    )
    upload(page)
    expect(page).to_have_url(re.compile(r"/pratiche/\d+/bozza/#documenti-pratica$"))  # a real redirect, not a script
    expect(page.get_by_text(UPLOADED)).to_be_visible()
    expect(document_form(page).locator("progress")).to_be_hidden()
    expect_row(
        document_rows(page).nth(0),
        "Fattura",
        "5",
        days_ago(1).strftime("%d/%m/%Y"),
        "€ 1.234,56",
        "Sofia Rossi",
        "fattura-nojs.pdf",
    )
    check("documento-caricato")

    page.get_by_role("link", name="Invia pratica").click()
    expect(page.get_by_role("heading", name="Invia pratica", level=1)).to_be_visible()
    check("riepilogo")
    page.get_by_role("button", name="Invia pratica").click()
    expect(page.get_by_role("status").filter(has_text="è stata trasmessa")).to_be_visible()
    check("pratica-inviata")
    assert Claim.objects.get(member=member).status == ClaimStatus.SUBMITTED
