"""Certificates read back from the PDF: who, which year, each payment or subsidy, the sums, the cap and the law;
subsidies selected by the year the expense was paid or the year it was reimbursed; codes checked on /verifica/."""

from __future__ import annotations

import datetime as dt
import html
import re
import time
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from mutua.claims.certificates import subsidy_certificate_pdf, subsidy_lines, subsidy_years
from mutua.claims.models import ClaimStatus
from mutua.claims.selectors import SubsidyBasis, subsidies_received
from mutua.claims.tests.factories import ClaimDocumentFactory, ClaimFactory, SettlementFactory
from mutua.documents.models import DocumentKind, IssuedDocument
from mutua.documents.tests.pdfread import page_texts, read
from mutua.documents.verification import (
    BASIS_COMPETENCE,
    BASIS_PAYMENT,
    certificate_object_id,
    certificate_subject,
    document_verify,
)
from mutua.plans.certificates import contribution_certificate_pdf
from mutua.plans.models import Contribution, ContributionMethod
from mutua.plans.selectors import contribution_certificate_for
from mutua.plans.tests.factories import ContributionFactory, EnrollmentFactory, PlanFactory

pytestmark = pytest.mark.django_db
D = Decimal
TODAY = dt.date(2026, 11, 30)
CODE = re.compile(r"Codice di verifica ([A-Z2-7]{4}-[A-Z2-7]{4}-[A-Z2-7]{4}-[A-Z2-7]{4})")


def flat(data: bytes) -> str:
    return re.sub(r"\s+", " ", "\n".join(page_texts(data)))


@pytest.fixture
def payments(member):
    """2025: the plan's fee with the family's part by direct debit, a late 2024 balance by transfer, an extra by
    payroll; a 2026 payment and another member's payment that must not appear."""
    plan = PlanFactory(code="PLUS", name="Piano Plus")
    enrollment = EnrollmentFactory(member=member, plan=plan)
    ContributionFactory(
        enrollment=enrollment, year=2025, amount_due=D("510.00"), family_part=D("90.00"), paid_on=dt.date(2025, 1, 31)
    )
    ContributionFactory(
        enrollment=enrollment,
        year=2024,
        period="Saldo 2024",
        amount_due=D("1234.56"),
        paid_on=dt.date(2025, 3, 4),
        method=ContributionMethod.TRANSFER,
    )
    ContributionFactory(
        enrollment=enrollment,
        year=2025,
        period="Integrazione 2025",
        amount_due=D("60.00"),
        paid_on=dt.date(2025, 6, 30),
        method=ContributionMethod.PAYROLL,
    )
    ContributionFactory(enrollment=enrollment, year=2026, paid_on=dt.date(2026, 1, 31))
    return enrollment


def certificate(member, year=2025) -> bytes:
    summary = contribution_certificate_for(member=member, year=year)
    return contribution_certificate_pdf(member=member, summary=summary, today=TODAY)


# Certificazione contributi


def test_the_contribution_certificate_names_the_mutual_the_member_and_the_year(member, payments, settings):
    text = flat(certificate(member))

    assert settings.MUTUA_NAME in text
    assert "Certificazione dei contributi versati – anno 2025" in text
    assert member.full_name in text and member.code in text and member.fiscal_code in text
    assert "Legge 15 aprile 1886, n. 3818" in text


def test_each_payment_has_date_method_plan_and_period(member, payments):
    text = flat(certificate(member))

    assert "31/01/2025 Addebito diretto SEPA Piano Plus Anno 2025 € 420,00 € 90,00 € 510,00" in text
    assert "04/03/2025 Bonifico Piano Plus Saldo 2024 € 1.234,56 € 0,00 € 1.234,56" in text
    assert "30/06/2025 Trattenuta in busta paga Piano Plus Integrazione 2025" in text
    assert "31/01/2026" not in text


def test_own_and_family_parts_are_separate_and_the_detraibile_amount_stops_at_the_cap(member, payments):
    text = flat(certificate(member))

    assert "Contributi per la posizione del socio € 1.714,56" in text
    assert "Contributi per i familiari (non detraibili) € 90,00" in text
    assert "Totale versato nel 2025 € 1.804,56" in text
    assert "Contributi del socio detraibili € 1.654,56" in text  # the payroll 60,00 is not
    assert "Limite annuo detraibile € 1.300,00" in text
    assert "Importo detraibile € 1.300,00" in text
    assert "Eccedenza oltre il limite (non detraibile) € 354,56" in text
    assert "art. 83, comma 5, D.Lgs. 117/2017" in text and "codice 22" in text


def test_a_year_without_payments_says_so(member):
    text = flat(certificate(member, 2026))

    assert "Nessun contributo versato nell'anno." in text
    assert "Importo detraibile € 0,00" in text


def test_the_certificate_is_a4_and_fast(member, payments):
    certificate(member)  # warm-up: fonts, translations
    start = time.perf_counter()
    data = certificate(member)
    elapsed = time.perf_counter() - start
    box = read(data).pages[0].mediabox
    assert (round(float(box.width), 1), round(float(box.height), 1)) == (595.3, 841.9)
    assert elapsed < 0.5  # the budget is 30 ms on the reference machine; this only catches a gross regression


def test_the_certificate_code_is_verified_on_the_public_page_while_the_payments_exist(member, payments):
    code = CODE.search(flat(certificate(member))).group(1)

    verified = document_verify(code)
    assert verified is not None and verified.kind == DocumentKind.CONTRIBUTION_CERTIFICATE and verified.year == 2025
    assert certificate(member) and IssuedDocument.objects.count() == 1  # one code a day, however many downloads

    Contribution.objects.filter(member=member, paid_on__year=2025).delete()
    assert document_verify(code) is None


def test_certificate_object_ids_pack_member_basis_year_and_emptiness():
    listed = certificate_object_id(member_id=4321, year=2025, basis=BASIS_PAYMENT)
    empty = certificate_object_id(member_id=4321, year=2025, basis=BASIS_PAYMENT, empty=True)
    assert certificate_subject(listed) == (4321, 2, 2025, False)
    assert certificate_subject(empty) == (4321, 2, 2025, True)
    assert listed != empty
    with pytest.raises(ValueError):
        certificate_object_id(member_id=1, year=25)


# Riepilogo sussidi ricevuti


def paid_claim(member):
    return ClaimFactory(member=member, status=ClaimStatus.PAID, submitted_at=timezone.now())


@pytest.fixture
def subsidies(member, other_member):
    """Expenses paid in 2024 and 2025, reimbursed in 2025 and 2026; one settled but not yet paid; another member's."""
    child = member.beneficiaries.get()
    spent_2024 = ClaimDocumentFactory(claim=paid_claim(member), issue_date=dt.date(2024, 12, 10), amount=D("300.00"))
    spent_2025 = ClaimDocumentFactory(
        claim=paid_claim(member), issue_date=dt.date(2025, 9, 1), amount=D("1500.00"), beneficiary=child
    )
    late = ClaimDocumentFactory(claim=paid_claim(member), issue_date=dt.date(2025, 11, 5), amount=D("80.00"))
    unpaid = ClaimDocumentFactory(claim=paid_claim(member), issue_date=dt.date(2025, 10, 1), amount=D("50.00"))
    SettlementFactory(document=spent_2024, amount_paid=D("240.00"), paid_on=dt.date(2025, 2, 14))
    SettlementFactory(document=spent_2025, amount_paid=D("1234.56"), paid_on=dt.date(2025, 10, 20))
    SettlementFactory(document=late, amount_paid=D("64.00"), paid_on=dt.date(2026, 1, 15))
    SettlementFactory(document=unpaid, amount_paid=D("40.00"), paid_on=None)
    other = ClaimDocumentFactory(claim=paid_claim(other_member), issue_date=dt.date(2025, 5, 5))
    SettlementFactory(document=other, paid_on=dt.date(2025, 6, 1))
    return child


def paid(member, basis, year) -> list[Decimal]:
    return [s.amount_paid for s in subsidies_received(member=member, basis=basis, year=year)]


def test_by_competence_year_the_expenses_paid_in_that_year_are_listed(member, subsidies):
    assert paid(member, SubsidyBasis.COMPETENCE, 2025) == [D("1234.56"), D("64.00")]
    assert paid(member, SubsidyBasis.COMPETENCE, 2024) == [D("240.00")]


def test_by_payment_year_the_reimbursements_paid_in_that_year_are_listed(member, subsidies):
    assert paid(member, SubsidyBasis.PAYMENT, 2025) == [D("240.00"), D("1234.56")]
    assert paid(member, SubsidyBasis.PAYMENT, 2026) == [D("64.00")]


def test_a_settlement_not_yet_paid_and_other_members_subsidies_are_never_listed(member, subsidies, other_member):
    every = [
        s
        for basis in SubsidyBasis.values
        for y in (2024, 2025, 2026)
        for s in subsidies_received(member=member, basis=basis, year=y)
    ]
    assert D("40.00") not in [s.amount_paid for s in every]
    assert all(s.document.claim.member_id == member.pk for s in every)


def test_the_search_offers_the_last_three_years():
    assert subsidy_years(today=TODAY) == [2026, 2025, 2024]


def test_the_subsidy_certificate_lists_holder_dates_and_amounts(member, subsidies, settings):
    settlements = list(subsidies_received(member=member, basis=SubsidyBasis.PAYMENT, year=2025))
    data = subsidy_certificate_pdf(
        member=member,
        basis=SubsidyBasis.PAYMENT,
        year=2025,
        lines=subsidy_lines(member=member, settlements=settlements),
        today=TODAY,
    )
    text = flat(data)

    assert settings.MUTUA_NAME in text and "Certificazione dei sussidi ricevuti – anno 2025" in text
    assert member.full_name in text and member.fiscal_code in text
    assert "Anno di pagamento 2025" in text
    assert f"{member.full_name} 10/12/2024 € 300,00 € 240,00 14/02/2025" in text
    assert f"{subsidies.first_name} {subsidies.last_name} 01/09/2025 € 1.500,00 € 1.234,56 20/10/2025" in text
    assert "Totale importi spesi € 1.800,00" in text and "Totale importi rimborsati € 1.474,56" in text
    code = CODE.search(text).group(1)
    verified = document_verify(code)
    assert verified is not None and verified.year == 2025 and verified.basis == BASIS_PAYMENT


def test_an_empty_selection_still_prints_and_says_so(member):
    data = subsidy_certificate_pdf(member=member, basis=SubsidyBasis.COMPETENCE, year=2024, lines=[], today=TODAY)
    text = flat(data)
    assert "Nessun sussidio ricevuto per l'anno selezionato." in text and "Anno di competenza 2024" in text
    assert "Totale importi rimborsati € 0,00" in text
    assert CODE.search(text) is not None


def empty_subsidy_certificate(member, *, basis=SubsidyBasis.PAYMENT, year=2025) -> bytes:
    lines = subsidy_lines(member=member, settlements=list(subsidies_received(member=member, basis=basis, year=year)))
    assert lines == []
    return subsidy_certificate_pdf(member=member, basis=basis, year=year, lines=lines, today=TODAY)


def verify_page(client, code: str) -> str:
    return re.sub(r"\s+", " ", html.unescape(client.get(f"/verifica/{code}/").content.decode()))


def test_an_empty_subsidy_certificate_is_confirmed_as_certifying_no_subsidies(client, member):
    """A tax office asking "did the mutual reimburse anything in 2025?" gets a verifiable "no"."""
    code = CODE.search(flat(empty_subsidy_certificate(member))).group(1)

    page = verify_page(client, code)
    assert "Documento valido: certificazione dei sussidi ricevuti, anno di pagamento 2025" in page
    assert "Attesta che non risulta alcun sussidio ricevuto." in page
    assert "Codice non valido" not in page and member.full_name not in page
    verified = document_verify(code)
    assert verified is not None and verified.empty and verified.basis == BASIS_PAYMENT and verified.year == 2025
    assert BASIS_COMPETENCE == 1


def test_an_empty_subsidy_certificate_stops_being_valid_once_a_subsidy_is_paid_that_year(client, member):
    empty_code = CODE.search(flat(empty_subsidy_certificate(member))).group(1)
    document = ClaimDocumentFactory(claim=paid_claim(member), issue_date=dt.date(2025, 3, 1), amount=D("100.00"))
    SettlementFactory(document=document, amount_paid=D("80.00"), paid_on=dt.date(2025, 4, 1))

    assert document_verify(empty_code) is None
    page = verify_page(client, empty_code)
    assert "Codice non valido" in page and "Attesta che non risulta" not in page
    lines = subsidy_lines(
        member=member, settlements=list(subsidies_received(member=member, basis=SubsidyBasis.PAYMENT, year=2025))
    )
    data = subsidy_certificate_pdf(member=member, basis=SubsidyBasis.PAYMENT, year=2025, lines=lines, today=TODAY)
    listed_code = CODE.search(flat(data)).group(1)
    assert listed_code != empty_code  # same day, same selection: a different statement, a different code
    verified = document_verify(listed_code)
    assert verified is not None and not verified.empty


def test_an_empty_contribution_certificate_is_confirmed_until_a_payment_is_recorded(client, member):
    text = flat(certificate(member, 2024))
    assert "Nessun contributo versato nell'anno." in text
    code = CODE.search(text).group(1)

    page = verify_page(client, code)
    assert "Documento valido: certificazione dei contributi versati nell'anno 2024" in page
    assert "Attesta che nell'anno non risulta alcun contributo versato." in page

    ContributionFactory(enrollment=EnrollmentFactory(member=member), year=2024, paid_on=dt.date(2024, 5, 2))
    assert document_verify(code) is None
    page = verify_page(client, code)
    assert "Codice non valido" in page and "Documento valido" not in page


def test_a_listing_certificate_does_not_turn_into_an_empty_one_when_its_payments_go(member, payments):
    code = CODE.search(flat(certificate(member))).group(1)
    Contribution.objects.filter(member=member, paid_on__year=2025).delete()
    assert document_verify(code) is None  # it listed payments that no longer exist: not valid, not "no payments"
    verified = document_verify(CODE.search(flat(certificate(member))).group(1))
    assert verified is not None and verified.empty


def test_the_issue_day_is_today_in_rome(member, payments):
    certificate(member)
    issued = IssuedDocument.objects.get()
    assert issued.issued_at == dt.datetime.combine(timezone.localdate(), dt.time(0), tzinfo=ZoneInfo("Europe/Rome"))


def test_the_public_page_names_the_certificate_and_its_year_but_no_amount(client, member, payments, subsidies):
    code = CODE.search(flat(certificate(member))).group(1)
    page = html.unescape(client.get(f"/verifica/{code}/").content.decode())
    assert "Documento valido: certificazione dei contributi versati nell'anno 2025" in page
    for private in (member.full_name, member.fiscal_code, "420,00", "1.300"):
        assert private not in page

    lines = subsidy_lines(
        member=member, settlements=list(subsidies_received(member=member, basis=SubsidyBasis.COMPETENCE, year=2025))
    )
    data = subsidy_certificate_pdf(member=member, basis=SubsidyBasis.COMPETENCE, year=2025, lines=lines, today=TODAY)
    page = html.unescape(client.get(f"/verifica/{CODE.search(flat(data)).group(1)}/").content.decode())
    assert "Documento valido: certificazione dei sussidi ricevuti, anno di competenza 2025" in page
    assert member.full_name not in page and "1.234,56" not in page
