"""Dati per la dichiarazione dei redditi: the member's figures per year are the file's, with the claims behind each
reimbursement; "Stampa" gives the same in a PDF; bad years are refused; other members and anonymous visitors see
nothing of them; the queries do not grow with the claims."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from mutua.claims.models import ClaimKind
from mutua.claims.tests.factories import ClaimDocumentFactory, ClaimFactory, SettlementFactory
from mutua.core.formatting import format_eur
from mutua.members.models import Member
from mutua.plans.tests.factories import ContributionFactory, EnrollmentFactory
from mutua.portal.tests.test_membership import pdf_text, text
from mutua.tax import rows

pytestmark = pytest.mark.django_db
D = Decimal
URL = reverse("portal:tax_return")
PDF = reverse("portal:tax_return_pdf")


@pytest.fixture
def year(today: dt.date) -> int:
    return today.year - 1


@pytest.fixture
def household(member: Member, year: int) -> Member:
    """Mario pays for himself and his daughter; a surgery of the year before and a visit of the year, reimbursed."""
    enrollment = EnrollmentFactory(member=member)
    enrollment.beneficiaries.add(*member.beneficiaries.all())
    ContributionFactory(enrollment=enrollment, year=year, amount_due=D("1500.00"), family_part=D("100.00"))
    visit = ClaimDocumentFactory(
        claim=ClaimFactory(member=member, status="paid"), amount=D("200.00"), issue_date=dt.date(year, 3, 1)
    )
    SettlementFactory(document=visit, amount_paid=D("150.00"), paid_on=dt.date(year, 5, 4))
    surgery = ClaimDocumentFactory(
        claim=ClaimFactory(member=member, kind=ClaimKind.REIMBURSEMENT_SURGERY, status="paid"),
        beneficiary=member.beneficiaries.get(),
        amount=D("1000.00"),
        issue_date=dt.date(year - 1, 11, 2),
    )
    SettlementFactory(document=surgery, amount_paid=D("800.00"), paid_on=dt.date(year, 1, 20))
    return member


def compact(value: str) -> str:
    """Text without spaces: table cells sit next to each other once the tags are gone."""
    return "".join(value.split())


def test_the_member_sees_the_year_s_figures_with_the_claims_behind_them(client, household, year) -> None:
    client.force_login(household.user)
    response = client.get(URL, {"anno": year})
    page = compact(text(response))
    assert response.status_code == 200
    sofia = household.beneficiaries.get()
    assert compact(f"{sofia.last_name} {sofia.first_name} € 100,00 € 0,00 Né detraibili né deducibili") in page
    assert (
        compact("Importo che dà diritto alla detrazione del 19%: € 1.300,00 (contributi del socio € 1.400,00") in page
    )
    assert compact(f"{household.last_name} {household.first_name} {year} Spese sanitarie € 200,00 € 150,00") in page
    assert compact(f"{sofia.last_name} {sofia.first_name} {year - 1} Intervento chirurgico € 1.000,00 € 800,00") in page
    claims = sorted(household.claims.values_list("pk", flat=True))
    for pk in claims:
        assert reverse("portal:claim_detail", args=[pk]) in response.content.decode()


def test_the_page_shows_the_figures_of_the_file(client, household, year) -> None:
    """The same function: every person's amounts on the page are the detail records' amounts."""
    (figures,) = list(rows.households(year=year, cap=D("1300.00")))
    client.force_login(household.user)
    page = compact(text(client.get(URL, {"anno": year})))
    for person in figures.persons:
        assert compact(format_eur(person.contributions_same_year)) in page
        for line in person.reimbursed.values():
            assert compact(f"{format_eur(line.spent)} {format_eur(line.paid)}") in page


def test_stampa_gives_the_same_figures_in_a_pdf(client, household, year) -> None:
    client.force_login(household.user)
    response = client.get(PDF, {"anno": year})
    assert response["Content-Disposition"] == f'attachment; filename="dati-dichiarazione-redditi-{year}.pdf"'
    content = pdf_text(response)
    assert f"Dati per la dichiarazione dei redditi – anno {year}" in content
    assert "€ 1.300,00" in content and "€ 150,00" in content and "€ 800,00" in content
    assert household.fiscal_code in content


def test_a_year_with_nothing_says_so(client, household, year) -> None:
    client.force_login(household.user)
    page = text(client.get(URL, {"anno": year - 2}))
    assert "Per questo anno la mutua non ha contributi versati né rimborsi da comunicare." in page


def test_the_first_visit_offers_the_search_and_shows_no_year(client, household, year) -> None:
    client.force_login(household.user)
    response = client.get(URL)
    assert response.status_code == 200
    assert f'<option value="{year}" selected>' in response.content.decode()
    assert "Contributi versati direttamente" not in text(response)


@pytest.mark.parametrize("value", ["", "1999", "abc", "<script>alert(1)</script>", "9" * 400])
def test_a_year_not_offered_is_refused_next_to_the_field(client, household, value) -> None:
    client.force_login(household.user)
    for url in (URL, PDF):
        response = client.get(url, {"anno": value})
        assert response.status_code == 400
        page = text(response)
        assert "Scegli l'anno dal menu a tendina." in page or "Scegli uno degli anni del menu a tendina." in page
        assert "<script>alert" not in response.content.decode()


@pytest.mark.parametrize("url", [URL, PDF])
def test_anonymous_visitors_are_sent_to_sign_in(client, household, year, url) -> None:
    response = client.get(url, {"anno": year})
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_another_member_sees_only_their_own_data(client, household, other_member, year) -> None:
    client.force_login(other_member.user)
    page = text(client.get(URL, {"anno": year}))
    assert "Per questo anno la mutua non ha contributi versati né rimborsi da comunicare." in page
    assert household.last_name not in page and "€ 150,00" not in page
    content = pdf_text(client.get(PDF, {"anno": year}))
    assert other_member.fiscal_code in content
    assert household.fiscal_code not in content and "€ 150,00" not in content


def test_staff_without_a_member_record_get_404(client, operator, year) -> None:
    client.force_login(operator)
    assert client.get(URL, {"anno": year}).status_code == 404


def test_queries_do_not_grow_with_the_claims(client, household, year) -> None:
    client.force_login(household.user)
    client.get(URL, {"anno": year})
    with CaptureQueriesContext(connection) as few:
        client.get(URL, {"anno": year})
    for n in range(6):
        document = ClaimDocumentFactory(
            claim=ClaimFactory(member=household, status="paid"), amount=D("50.00") + n, issue_date=dt.date(year, 6, 1)
        )
        SettlementFactory(document=document, paid_on=dt.date(year, 7, 1))
    with CaptureQueriesContext(connection) as many:
        page = client.get(URL, {"anno": year}).content.decode()
    assert page.count('data-testid="rimborso"') == 2  # the visits of the year summed in one line, with their claims
    assert len(many) == len(few), [q["sql"][:100] for q in many.captured_queries]
