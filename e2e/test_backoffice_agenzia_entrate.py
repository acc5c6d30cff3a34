"""Back office, the yearly communication to the Agenzia delle Entrate: a supervisor prepares last year's file,
checks totals and anomalies, downloads it, marks it sent with the receipt's protocol; a reimbursement's payment is
then cancelled, and the supervisor prepares, downloads and sends the replacing communication listing the change."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone
from playwright.sync_api import Page, expect
from pytest_django.fixtures import Settings as SettingsWrapper

from e2e.helpers import take_expected_problem
from e2e.test_backoffice_prenotazioni import staff, staff_signs_in
from mutua.accounts.models import Role
from mutua.claims.models import Settlement
from mutua.claims.tests.factories import ClaimDocumentFactory, ClaimFactory, SettlementFactory
from mutua.members.tests.factories import BeneficiaryFactory, MemberFactory
from mutua.plans.tests.factories import ContributionFactory, EnrollmentFactory
from mutua.tax.layout import RECORD_LENGTH, parse

D = Decimal


def downloaded_lines(page: Page, link_name: str) -> list[str]:
    with page.expect_download() as info:
        page.get_by_role("link", name=link_name).click()
    path = info.value.path()
    return path.read_bytes().decode("ascii").split("\r\n")[:-1]


def test_il_supervisore_prepara_invia_e_corregge_la_comunicazione(
    page: Page, base_url_live: str, check_page, browser_problems: list[str], settings: SettingsWrapper
) -> None:
    settings.MUTUA_FISCAL_CODE = "00743110157"
    year = timezone.localdate().year - 1
    member = MemberFactory(first_name="Mario", last_name="Rossi")
    child = BeneficiaryFactory(member=member, first_name="Sofia")
    enrollment = EnrollmentFactory(member=member)
    enrollment.beneficiaries.add(child)
    ContributionFactory(enrollment=enrollment, year=year, amount_due=D("300.00"), family_part=D("60.00"))
    document = ClaimDocumentFactory(
        claim=ClaimFactory(member=member, status="paid"), amount=D("200.00"), issue_date=dt.date(year, 3, 1)
    )
    SettlementFactory(document=document, amount_paid=D("150.00"), paid_on=dt.date(year, 5, 4))
    secret = staff("supervisore.fisco", Role.SUPERVISOR, "Sara", "Galli")

    staff_signs_in(page, base_url_live, "supervisore.fisco", secret)
    page.get_by_role("link", name="Comunicazione all'Agenzia delle Entrate").click()
    expect(page.get_by_role("heading", name="Comunicazione all'Agenzia delle Entrate", level=1)).to_be_visible()
    check_page(page, "agenzia-anni")
    page.get_by_role("link", name=f"Anno {year}").click()
    check_page(page, "agenzia-anno-da-preparare")
    page.get_by_role("button", name="Prepara il file").click()
    expect(page.get_by_test_id("pronta")).to_contain_text("Versione 1 (Ordinaria) pronta")
    totals = page.get_by_test_id("totali")
    expect(totals).to_contain_text("€ 300,00")
    expect(totals).to_contain_text("€ 150,00")
    check_page(page, "agenzia-anno-pronta")

    lines = downloaded_lines(page, "Scarica il file della versione 1")
    assert [line[0] for line in lines] == ["0", "1", "1", "9"]
    assert all(len(line) == RECORD_LENGTH for line in lines)
    assert parse(lines[1])["person_cf"] == member.fiscal_code

    # A protocol that is not one: the error next to the field, nothing recorded.
    page.get_by_label("Protocollo della ricevuta dell'Agenzia").fill("abc")
    page.get_by_role("button", name="Segna come inviata").click()
    expect(page.locator("#id_protocol-error")).to_contain_text("da 6 a 24 caratteri")
    take_expected_problem(browser_problems, r"(HTTP 400 POST |console error from ).*/inviata/")
    check_page(page, "agenzia-protocollo-errato")
    page.get_by_label("Protocollo della ricevuta dell'Agenzia").fill("26031612345678901-000001")
    page.get_by_role("button", name="Segna come inviata").click()
    expect(page.get_by_test_id("inviata")).to_contain_text("protocollo 26031612345678901-000001")
    check_page(page, "agenzia-anno-inviata")

    # After sending, the payment of the reimbursement is cancelled: the year is corrected.
    Settlement.objects.filter(pk=document.settlement.pk).update(paid_on=None, payment_year=None)
    page.get_by_role("button", name="Verifica le modifiche e prepara la sostitutiva").click()
    expect(page.get_by_test_id("pronta")).to_contain_text("Versione 2 (Sostitutiva) pronta")
    expect(page.get_by_test_id("modifiche-conteggio")).to_have_text("1 persona con dati cambiati.")
    expect(page.get_by_test_id("modifiche")).to_contain_text(member.fiscal_code)
    expect(page.get_by_test_id("modifiche")).to_contain_text("rimborsi di spese dell'anno: € 150,00 → € 0,00")
    check_page(page, "agenzia-sostitutiva")
    lines = downloaded_lines(page, "Scarica il file della versione 2")
    header = parse(lines[0])
    assert (header["kind"], header["replaced_protocol"]) == ("S", "26031612345678901-000001")
    assert parse(lines[1])["reimbursed_same_year"] == "000000000000"
    page.get_by_label("Protocollo della ricevuta dell'Agenzia").fill("26031612345678901-000002")
    page.get_by_role("button", name="Segna come inviata").click()
    expect(page.get_by_test_id("inviata")).to_contain_text(
        "Versione 2 (Sostitutiva), protocollo 26031612345678901-000002"
    )
    expect(page.get_by_test_id("versioni").get_by_role("row")).to_have_count(3)
    check_page(page, "agenzia-sostitutiva-inviata")
