"""Riepilogo sussidi ricevuti: search by "anno di competenza" or "anno di pagamento", the list, "Stampa" and the
certificate read back; a bad year gets an error next to the field."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from pathlib import Path

from django.utils import timezone
from playwright.sync_api import Page, expect

from e2e.helpers import open_menu, sign_in, take_expected_problem
from mutua.claims.models import ClaimStatus
from mutua.claims.tests.factories import ClaimDocumentFactory, ClaimFactory, SettlementFactory
from mutua.documents.tests.pdfread import page_texts
from mutua.members.models import Member

THIS_YEAR = timezone.localdate().year
LAST_YEAR = THIS_YEAR - 1
PHONE = {"width": 390, "height": 844}


def pdf_text(data: bytes) -> str:
    return re.sub(r"\s+", " ", "\n".join(page_texts(data)))


def received(member: Member, *, spent_on: dt.date, spent: str, paid: str, paid_on: dt.date, child: bool = False):
    claim = ClaimFactory(member=member, status=ClaimStatus.PAID, submitted_at=timezone.now())
    document = ClaimDocumentFactory(
        claim=claim,
        issue_date=spent_on,
        amount=Decimal(spent),
        beneficiary=member.beneficiaries.get() if child else None,
    )
    return SettlementFactory(document=document, amount_paid=Decimal(paid), paid_on=paid_on)


def search(page: Page, *, basis: str, year: int) -> None:
    page.locator("label", has_text=basis).click()
    expect(page.get_by_label(basis)).to_be_checked()
    page.get_by_label("Anno", exact=True).select_option(str(year))
    page.get_by_role("button", name="Cerca").click()
    expect(page).to_have_url(re.compile(rf"anno={year}$"))


def test_riepilogo_sussidi_ricevuti(
    page: Page, base_url_live: str, member: Member, other_member: Member, browser_problems, check_page
) -> None:
    child = member.beneficiaries.get()
    # An expense of last December reimbursed this February; one of last September, for the child, paid in October.
    received(
        member, spent_on=dt.date(LAST_YEAR, 12, 10), spent="300.00", paid="240.00", paid_on=dt.date(THIS_YEAR, 2, 14)
    )
    received(
        member,
        spent_on=dt.date(LAST_YEAR, 9, 1),
        spent="1500.00",
        paid="1234.56",
        paid_on=dt.date(LAST_YEAR, 10, 20),
        child=True,
    )
    received(
        other_member, spent_on=dt.date(LAST_YEAR, 5, 5), spent="99.00", paid="99.00", paid_on=dt.date(THIS_YEAR, 1, 9)
    )

    sign_in(page, base_url_live, member.code)
    open_menu(page, "Riepilogo sussidi ricevuti")
    expect(page.get_by_role("heading", name="Riepilogo sussidi ricevuti", level=1)).to_be_visible()
    expect(page.get_by_label("Anno", exact=True).locator("option")).to_have_text(
        [str(THIS_YEAR), str(LAST_YEAR), str(THIS_YEAR - 2)]
    )
    check_page(page, "ricerca")

    # By year of payment: this year only the February reimbursement.
    search(page, basis="Anno di pagamento", year=THIS_YEAR)
    rows = page.get_by_test_id("sussidio")
    expect(rows).to_have_count(1)
    expect(rows.nth(0).locator("td")).to_have_text(
        [member.full_name, f"10/12/{LAST_YEAR}", "€ 300,00", "€ 240,00", f"14/02/{THIS_YEAR}"]
    )
    check_page(page, "per-anno-di-pagamento")

    # By year of competence: last year's two expenses, whenever they were reimbursed.
    search(page, basis="Anno di competenza", year=LAST_YEAR)
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text(f"{child.first_name} {child.last_name}")
    expect(page.get_by_test_id("totale-rimborsato")).to_have_text("€ 1.474,56")
    assert other_member.full_name not in page.content() and "€ 99,00" not in page.content()
    check_page(page, "per-anno-di-competenza")
    page.set_viewport_size(PHONE)
    check_page(page, "per-anno-di-competenza-telefono")
    page.set_viewport_size({"width": 1280, "height": 720})

    # "Stampa": the certificate of this very selection.
    with page.expect_download() as info:
        page.get_by_role("link", name="Stampa").click()
    assert info.value.suggested_filename == f"certificazione-sussidi-competenza-{LAST_YEAR}.pdf"
    text = pdf_text(Path(info.value.path()).read_bytes())
    for expected in (
        f"Certificazione dei sussidi ricevuti – anno {LAST_YEAR}",
        member.full_name,
        member.fiscal_code,
        f"Anno di competenza {LAST_YEAR}",
        f"{child.first_name} {child.last_name} 01/09/{LAST_YEAR} € 1.500,00 € 1.234,56 20/10/{LAST_YEAR}",
        f"{member.full_name} 10/12/{LAST_YEAR} € 300,00 € 240,00 14/02/{THIS_YEAR}",
        "Totale importi rimborsati € 1.474,56",
    ):
        assert expected in text, expected
    assert other_member.full_name not in text

    # A year with nothing received says so.
    search(page, basis="Anno di competenza", year=THIS_YEAR)
    expect(page.get_by_test_id("nessun-sussidio")).to_be_visible()

    # A year outside the last three, typed into the address: an Italian error next to the field, no list.
    page.goto(f"{base_url_live}/pratiche/sussidi-ricevuti/?tipo=pagamento&anno={THIS_YEAR - 5}")
    expect(page.locator("#id_anno-error")).to_have_text("Scegli uno degli anni del menu a tendina.")
    expect(rows).to_have_count(0)
    take_expected_problem(browser_problems, r"HTTP 400 GET .*/sussidi-ricevuti/")
    take_expected_problem(browser_problems, r"sussidi-ricevuti/.*status of 400")
    check_page(page, "anno-non-valido")
