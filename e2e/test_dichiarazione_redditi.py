"""Dati per la dichiarazione dei redditi: the member chooses last year, "Cerca" shows the contributions and their tax
treatment and the reimbursements by year of expense with their claims, "Stampa" gives the PDF; another member's
figures never appear; a year typed into the address that is not offered gets an error next to the field."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from pathlib import Path

from django.utils import timezone
from playwright.sync_api import Page, expect

from e2e.helpers import open_menu, sign_in, take_expected_problem
from e2e.test_sussidi_ricevuti import pdf_text
from mutua.claims.models import ClaimStatus
from mutua.claims.tests.factories import ClaimDocumentFactory, ClaimFactory, SettlementFactory
from mutua.members.models import Member
from mutua.plans.tests.factories import ContributionFactory, EnrollmentFactory

LAST_YEAR = timezone.localdate().year - 1
PHONE = {"width": 390, "height": 844}
D = Decimal


def test_dati_per_la_dichiarazione_dei_redditi(
    page: Page, base_url_live: str, member: Member, other_member: Member, browser_problems, check_page
) -> None:
    child = member.beneficiaries.get()
    enrollment = EnrollmentFactory(member=member)
    enrollment.beneficiaries.add(child)
    ContributionFactory(enrollment=enrollment, year=LAST_YEAR, amount_due=D("300.00"), family_part=D("60.00"))
    claim = ClaimFactory(member=member, status=ClaimStatus.PAID, submitted_at=timezone.now())
    document = ClaimDocumentFactory(
        claim=claim, issue_date=dt.date(LAST_YEAR - 1, 12, 10), amount=D("300.00"), beneficiary=child
    )
    SettlementFactory(document=document, amount_paid=D("240.00"), paid_on=dt.date(LAST_YEAR, 2, 14))
    ContributionFactory(enrollment=EnrollmentFactory(member=other_member), year=LAST_YEAR, amount_due=D("99.00"))

    sign_in(page, base_url_live, member.code)
    open_menu(page, "Dati per la dichiarazione dei redditi")
    expect(page.get_by_role("heading", name="Dati per la dichiarazione dei redditi", level=1)).to_be_visible()
    check_page(page, "ricerca")
    page.get_by_label("Anno d'imposta").select_option(str(LAST_YEAR))
    page.get_by_role("button", name="Cerca").click()
    expect(page).to_have_url(re.compile(rf"anno={LAST_YEAR}$"))
    contributions = page.get_by_test_id("contributi").locator("tbody tr")
    expect(contributions).to_have_count(2)
    expect(contributions.nth(0).locator("td")).to_have_text(
        [f"{member.last_name} {member.first_name}", "€ 240,00", "€ 0,00", "Detrazione del 19%"]
    )
    expect(contributions.nth(1)).to_contain_text("Né detraibili né deducibili")
    expect(page.get_by_test_id("detraibile")).to_contain_text("€ 240,00")
    reimbursement = page.get_by_test_id("rimborso")
    expect(reimbursement.locator("td")).to_have_text(
        [f"{child.last_name} {child.first_name}", str(LAST_YEAR - 1), "Spese sanitarie", "€ 300,00", "€ 240,00",
         f"Pratica n. {claim.pk}"]
    )  # fmt: skip
    assert "€ 99,00" not in page.content() and other_member.last_name not in page.content()
    check_page(page, "anno-scorso")
    page.set_viewport_size(PHONE)
    check_page(page, "anno-scorso-telefono")
    page.set_viewport_size({"width": 1280, "height": 720})

    with page.expect_download() as info:
        page.get_by_role("link", name="Stampa").click()
    assert info.value.suggested_filename == f"dati-dichiarazione-redditi-{LAST_YEAR}.pdf"
    text = pdf_text(Path(info.value.path()).read_bytes())
    assert f"Dati per la dichiarazione dei redditi – anno {LAST_YEAR}" in text
    assert member.fiscal_code in text and "€ 240,00" in text and "€ 99,00" not in text

    reimbursement.get_by_role("link", name=f"Pratica n. {claim.pk}").click()
    expect(page).to_have_url(re.compile(rf"/pratiche/{claim.pk}/$"))

    page.goto(f"{base_url_live}/adesioni/dichiarazione-redditi/?anno={LAST_YEAR - 10}")
    expect(page.locator("#id_anno-error")).to_have_text("Scegli uno degli anni del menu a tendina.")
    take_expected_problem(browser_problems, r"(HTTP 400 GET |console error from ).*/dichiarazione-redditi/")
    check_page(page, "anno-non-valido")
