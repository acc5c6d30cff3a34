"""Sussidi allo studio in the browser: a request for a child, a grade outside the school's scale refused next to
its field, the receipt, the claim in Lista pratiche; members of a collective agreement read why they cannot."""

from __future__ import annotations

import datetime as dt
import io
import re
from pathlib import Path

from django.utils import timezone
from playwright.sync_api import Page, expect
from pypdf import PdfReader

from e2e.helpers import open_menu, sign_in, take_expected_problem
from mutua.claims.models import Claim, ClaimKind, ClaimStatus
from mutua.claims.tests.samples import pdf_bytes
from mutua.members.models import Member, MemberKind, Relationship


def student_form(page: Page):
    return page.locator("#form-documento")


def test_sussidio_per_un_figlio(
    page: Page, base_url_live: str, member: Member, tmp_path: Path, browser_problems, check_page
) -> None:
    child = member.beneficiaries.get(relationship=Relationship.CHILD)
    certificate = tmp_path / "diploma.pdf"
    certificate.write_bytes(pdf_bytes("Diploma di maturità"))
    certificate_date = timezone.localdate() - dt.timedelta(days=30)

    sign_in(page, base_url_live, member.code)
    open_menu(page, "Sussidi allo studio")
    expect(page.get_by_role("heading", name="Sussidi allo studio", level=1)).to_be_visible()
    check_page(page, "sussidi-apertura")
    page.get_by_role("button", name="Inizia la richiesta").click()
    expect(page).to_have_url(re.compile(r"/pratiche/\d+/bozza/$"))
    expect(page.get_by_text("Indica la regione nei dati preliminari")).to_be_visible()
    check_page(page, "sussidi-bozza-vuota")

    # 1. Dati preliminari: the region of the school.
    page.get_by_label("Regione").select_option("Lombardia")
    page.get_by_role("button", name="Salva").click()
    expect(page.get_by_label("Regione")).to_have_value("Lombardia")

    # 2. A grade outside the scale of a diploma is refused next to its field; what was typed stays.
    form = student_form(page)
    form.get_by_label("Rimborso richiesto per").select_option(label=f"{child.first_name} {child.last_name} (Figlio/a)")
    form.get_by_label("Tipo di scuola o università").select_option("high")
    form.get_by_label("Voto conseguito").fill("105")
    form.get_by_label("Scuola o università", exact=True).fill("Liceo Scientifico Volta")
    form.get_by_label("Data del certificato").fill(certificate_date.isoformat())
    form.get_by_label("Certificato della segreteria").set_input_files([certificate])
    form.get_by_role("button", name="Carica documento").click()
    grade = form.get_by_label("Voto conseguito")
    expect(grade).to_have_attribute("aria-invalid", "true")
    expect(form.get_by_text("Per questo tipo di scuola il voto va da 60 a 100.")).to_be_visible()
    expect(form.get_by_label("Scuola o università", exact=True)).to_have_value("Liceo Scientifico Volta")
    take_expected_problem(browser_problems, r"HTTP 400 POST .*/documenti/|status of 400")
    check_page(page, "sussidi-voto-errato")

    grade.fill("100 e lode")
    form.get_by_label("Certificato della segreteria").set_input_files([certificate])
    form.get_by_role("button", name="Carica documento").click()
    summary = page.get_by_role("region", name="Documenti pratica")
    expect(summary.get_by_test_id("documento")).to_have_count(1)
    expect(summary).to_contain_text(child.first_name)
    expect(summary.get_by_role("link", name="diploma.pdf")).to_be_visible()
    check_page(page, "sussidi-bozza-con-documento")

    # 3. Invio: the summary, then the receipt.
    page.get_by_role("link", name="Invia pratica").click()
    window = page.get_by_role("dialog", name="Riepilogo della pratica")
    expect(window).to_be_visible()
    check_page(page, "sussidi-riepilogo")
    window.get_by_role("button", name="Invia pratica").click()
    claim = Claim.objects.get(member=member)
    expect(page.get_by_role("status").filter(has_text="è stata trasmessa")).to_contain_text(f"La pratica n. {claim.pk}")
    check_page(page, "sussidi-inviata")
    with page.expect_download() as download:
        page.get_by_role("link", name="Scarica la ricevuta").click()
    text = " ".join(
        " ".join(
            p.extract_text() or "" for p in PdfReader(io.BytesIO(Path(download.value.path()).read_bytes())).pages
        ).split()
    )
    assert str(claim.pk) in text and child.first_name in text and "diploma.pdf" in text

    assert (claim.kind, claim.status, claim.region) == (ClaimKind.STUDY_SUBSIDY, ClaimStatus.SUBMITTED, "Lombardia")
    document = claim.documents.get()
    assert (document.grade, document.grade_honours, document.beneficiary) == (100, True, child)

    open_menu(page, "Lista pratiche")
    row = page.get_by_test_id("pratica").filter(has_text=str(claim.pk))
    expect(row).to_contain_text("Sussidio allo studio")
    expect(row).to_contain_text("Trasmessa")
    expect(row.locator("td").nth(4)).to_have_text("—")  # a study subsidy has no amount asked: the call fixes it
    check_page(page, "sussidi-lista")


def test_assistito_da_accordo_collettivo(page: Page, base_url_live: str, member: Member, check_page) -> None:
    member.kind = MemberKind.COLLECTIVE
    member.save()
    sign_in(page, base_url_live, member.code)
    open_menu(page, "Sussidi allo studio")
    expect(page.get_by_text("I sussidi allo studio sono riservati ai soci ordinari")).to_be_visible()
    expect(page.get_by_role("button", name="Inizia la richiesta")).to_have_count(0)
    check_page(page, "sussidi-non-previsti")
