"""Adesioni, Certificazioni, Tessera and Riepilogo sussidi ricevuti through the test client: what the member reads,
bad input, constant queries, and never another member's data."""

from __future__ import annotations

import datetime as dt
import html
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.html import strip_tags

from mutua.claims.models import ClaimStatus
from mutua.claims.tests.factories import ClaimDocumentFactory, ClaimFactory, SettlementFactory
from mutua.core.testing import frozen_year
from mutua.documents.tests.pdfread import page_texts
from mutua.plans.models import ContributionMethod
from mutua.plans.tests.factories import ContributionFactory, EnrollmentFactory, PlanFactory

pytestmark = pytest.mark.django_db
D = Decimal
THIS_YEAR = frozen_year()  # parameters are computed before the clock is frozen
ZERO = Decimal("0")


def text(response) -> str:
    """What the member reads: the page without tags."""
    return re.sub(r"\s+", " ", html.unescape(strip_tags(response.content.decode())))


def raw(response) -> str:
    return response.content.decode()


def pdf_text(response) -> str:
    assert response["Content-Type"] == "application/pdf"
    return re.sub(r"\s+", " ", "\n".join(page_texts(response.content)))


def enroll(member, *, code="FAMIGLIA", name="Piano Famiglia", years=(THIS_YEAR - 1, THIS_YEAR), unpaid=ZERO):
    enrollment = EnrollmentFactory(
        member=member, plan=PlanFactory(code=code, name=name), start_date=dt.date(2016, 1, 1)
    )
    enrollment.beneficiaries.set(member.beneficiaries.all())
    for year in years:
        ContributionFactory(
            enrollment=enrollment,
            year=year,
            amount_due=D("300.00"),
            amount_paid=D("300.00") - (unpaid if year == THIS_YEAR else 0),
            family_part=D("60.00"),
            paid_on=dt.date(year, 1, 31),
            method=ContributionMethod.TRANSFER,
        )
    return enrollment


@pytest.fixture
def signed_in(client, member):
    client.force_login(member.user)
    return client


@pytest.fixture
def member_data(member):
    enroll(member, unpaid=D("120.50"))
    claim = ClaimFactory(member=member, status=ClaimStatus.PAID, submitted_at=timezone.now())
    document = ClaimDocumentFactory(claim=claim, issue_date=dt.date(THIS_YEAR - 1, 11, 3), amount=D("250.00"))
    SettlementFactory(document=document, amount_paid=D("200.00"), paid_on=dt.date(THIS_YEAR, 2, 14))
    return member


# Adesioni


def test_adesioni_shows_each_plan_its_start_family_and_regularity(signed_in, member_data):
    child = member_data.beneficiaries.get()
    page = text(signed_in.get(reverse("portal:enrollments")))

    assert "Piano Famiglia" in page and "Attiva dal 01/01/2016" in page
    assert f"{child.first_name} {child.last_name}" in page
    assert f"{THIS_YEAR - 1} € 300,00 € 300,00 Regolare" in page
    assert f"{THIS_YEAR} € 300,00 € 179,50 Non regolare Da versare: € 120,50" in page


def test_adesioni_without_any_plan(signed_in):
    assert "Non risultano adesioni a forme di assistenza." in text(signed_in.get(reverse("portal:enrollments")))


def test_adesioni_runs_a_constant_number_of_queries(signed_in, member):
    enroll(member)
    signed_in.get(reverse("portal:enrollments"))
    with CaptureQueriesContext(connection) as few:
        signed_in.get(reverse("portal:enrollments"))
    for n in range(4):
        enroll(member, code=f"X{n}", name=f"Piano {n}", years=(THIS_YEAR - 2, THIS_YEAR - 1, THIS_YEAR))
    with CaptureQueriesContext(connection) as many:
        page = raw(signed_in.get(reverse("portal:enrollments")))
    assert page.count('data-testid="adesione"') == 5
    assert len(many) == len(few), [q["sql"][:100] for q in many.captured_queries]


# Certificazioni


def test_certificazioni_offers_the_last_two_years_and_the_infocenter_for_earlier_ones(signed_in, settings):
    page = text(signed_in.get(reverse("portal:certificates")))

    assert f"Certificazione contributi {THIS_YEAR}" in page and f"Certificazione contributi {THIS_YEAR - 1}" in page
    assert f"Certificazione contributi {THIS_YEAR - 2}" not in page
    assert f"Per gli anni precedenti bisogna inviare una email di richiesta a {settings.MUTUA_INFOCENTER_EMAIL}" in page


def test_a_certificate_downloads_with_the_members_payments(signed_in, member_data):
    response = signed_in.get(reverse("portal:certificate_pdf", args=[THIS_YEAR - 1]))

    assert response.status_code == 200
    assert f'filename="certificazione-contributi-{THIS_YEAR - 1}.pdf"' in response["Content-Disposition"]
    assert response["Cache-Control"] == "private, no-store"
    content = pdf_text(response)
    assert member_data.full_name in content and f"anno {THIS_YEAR - 1}" in content
    assert "Contributi per la posizione del socio € 240,00" in content
    assert "Contributi per i familiari (non detraibili) € 60,00" in content
    assert "Importo detraibile € 240,00" in content


@pytest.mark.parametrize("year", [THIS_YEAR - 2, THIS_YEAR + 1, 1999])
def test_other_years_are_not_downloadable(signed_in, member_data, year):
    assert signed_in.get(reverse("portal:certificate_pdf", args=[year])).status_code == 404


# Tessera


def test_tessera_shows_the_preview_and_the_download(signed_in, member_data):
    page = raw(signed_in.get(reverse("portal:card")))
    assert reverse("portal:card_pdf") in page and reverse("portal:card_preview") in page
    assert f"Anteprima della tessera associativa di {member_data.full_name}" in page

    preview = signed_in.get(reverse("portal:card_preview"))
    assert preview["Content-Type"].startswith("image/svg+xml") and member_data.code in preview.content.decode()
    card = signed_in.get(reverse("portal:card_pdf"))
    assert f'filename="tessera-{member_data.code}.pdf"' in card["Content-Disposition"]
    content = pdf_text(card)
    assert member_data.full_name in content and "Piano Famiglia" in content


def test_without_a_plan_in_force_there_is_no_card(signed_in, member):
    enrollment = enroll(member)
    enrollment.end_date = dt.date(2020, 12, 31)
    enrollment.save()
    assert "la tessera non è disponibile" in text(signed_in.get(reverse("portal:card")))
    assert signed_in.get(reverse("portal:card_pdf")).status_code == 404
    assert signed_in.get(reverse("portal:card_preview")).status_code == 404


# Riepilogo sussidi ricevuti


def summary(client, **params):
    return client.get(reverse("portal:subsidies_summary"), params)


def test_the_search_form_comes_first_with_the_last_three_years(signed_in):
    response = summary(signed_in)
    page = raw(response)
    assert response.status_code == 200
    assert "Anno di competenza" in page and "Anno di pagamento" in page and "Cerca" in page
    years = re.findall(r'<option value="(\d{4})"', response.content.decode())
    assert years == [str(THIS_YEAR), str(THIS_YEAR - 1), str(THIS_YEAR - 2)]
    assert 'data-testid="stampa"' not in page


def test_by_payment_year_the_list_shows_holder_dates_and_amounts(signed_in, member_data):
    response = summary(signed_in, tipo="pagamento", anno=THIS_YEAR)
    assert f"{member_data.full_name} 03/11/{THIS_YEAR - 1} € 250,00 € 200,00 14/02/{THIS_YEAR}" in text(response)
    assert 'data-testid="stampa"' in raw(response)


def test_by_competence_year_the_same_subsidy_is_under_the_year_of_the_expense(signed_in, member_data):
    assert "€ 200,00" in text(summary(signed_in, tipo="competenza", anno=THIS_YEAR - 1))
    assert "Nessun sussidio ricevuto per l'anno selezionato." in text(
        summary(signed_in, tipo="competenza", anno=THIS_YEAR)
    )


@pytest.mark.parametrize(
    ("params", "error"),
    [
        ({"tipo": "pagamento", "anno": str(THIS_YEAR - 3)}, "Scegli uno degli anni del menu a tendina."),
        ({"tipo": "pagamento", "anno": ""}, "Scegli l'anno dal menu a tendina."),
        ({"tipo": "pagamento", "anno": "<script>alert(1)</script>"}, "Scegli uno degli anni del menu a tendina."),
        (
            {"tipo": "x" * 5000, "anno": str(THIS_YEAR)},
            "Scegli se cercare per anno di competenza o per anno di pagamento.",
        ),
        ({"anno": str(THIS_YEAR)}, "Scegli se cercare per anno di competenza o per anno di pagamento."),
    ],
)
def test_bad_search_input_gets_an_italian_error_next_to_the_field(signed_in, member_data, params, error):
    response = summary(signed_in, **params)
    assert response.status_code == 400
    body = response.content.decode()
    assert html.escape(error) in body and 'class="invalid-feedback d-block"' in body
    assert "<script>alert(1)</script>" not in body
    assert 'data-testid="sussidio"' not in body
    bad_print = signed_in.get(reverse("portal:subsidies_certificate"), params)
    assert bad_print.status_code == 400 and bad_print["Content-Type"].startswith("text/html")


def test_stampa_downloads_the_certificate_of_the_selection(signed_in, member_data):
    response = signed_in.get(reverse("portal:subsidies_certificate"), {"tipo": "pagamento", "anno": THIS_YEAR})
    assert f'filename="certificazione-sussidi-pagamento-{THIS_YEAR}.pdf"' in response["Content-Disposition"]
    content = pdf_text(response)
    assert f"Anno di pagamento {THIS_YEAR}" in content
    assert f"{member_data.full_name} 03/11/{THIS_YEAR - 1} € 250,00 € 200,00 14/02/{THIS_YEAR}" in content


def test_the_subsidy_list_runs_a_constant_number_of_queries(signed_in, member):
    def add(n):
        for i in range(n):
            claim = ClaimFactory(member=member, status=ClaimStatus.PAID, submitted_at=timezone.now())
            document = ClaimDocumentFactory(
                claim=claim, issue_date=dt.date(THIS_YEAR, 1, 1 + i), beneficiary=member.beneficiaries.get()
            )
            SettlementFactory(document=document, paid_on=dt.date(THIS_YEAR, 2, 1 + i))

    add(1)
    summary(signed_in, tipo="pagamento", anno=THIS_YEAR)
    with CaptureQueriesContext(connection) as few:
        summary(signed_in, tipo="pagamento", anno=THIS_YEAR)
    add(6)
    with CaptureQueriesContext(connection) as many:
        page = raw(summary(signed_in, tipo="pagamento", anno=THIS_YEAR))
    assert page.count('data-testid="sussidio"') == 7
    assert len(many) == len(few), [q["sql"][:100] for q in many.captured_queries]


# Other members and anonymous visitors


PAGES = [
    reverse("portal:enrollments"),
    reverse("portal:certificates"),
    reverse("portal:card"),
    reverse("portal:subsidies_summary") + f"?tipo=pagamento&anno={THIS_YEAR}",
]
DOWNLOADS = [
    reverse("portal:certificate_pdf", args=[THIS_YEAR - 1]),
    reverse("portal:card_pdf"),
    reverse("portal:card_preview"),
    reverse("portal:subsidies_certificate") + f"?tipo=pagamento&anno={THIS_YEAR}",
]


@pytest.mark.parametrize("url", PAGES + DOWNLOADS)
def test_anonymous_visitors_are_sent_to_sign_in(client, member_data, url):
    response = client.get(url)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("url", PAGES)
def test_another_member_sees_only_their_own_data(client, member_data, other_member, url):
    enroll(other_member, code="BASE", name="Piano Base")
    client.force_login(other_member.user)
    page = text(client.get(url))
    assert member_data.full_name not in page and member_data.code not in page
    assert member_data.beneficiaries.get().first_name not in page
    assert "€ 200,00" not in page and "Piano Famiglia" not in page


@pytest.mark.parametrize("url", DOWNLOADS)
def test_another_members_downloads_carry_only_their_own_data(client, member_data, other_member, url):
    enroll(other_member, code="BASE", name="Piano Base")
    client.force_login(other_member.user)
    response = client.get(url)
    assert response.status_code == 200
    content = response.content.decode() if url.endswith(".svg") else pdf_text(response)
    assert other_member.full_name in content
    assert member_data.full_name not in content and member_data.code not in content
    assert "€ 200,00" not in content and "Piano Famiglia" not in content


@pytest.mark.parametrize("url", PAGES + DOWNLOADS)
def test_staff_without_a_member_record_get_404(client, operator, url):
    client.force_login(operator)
    assert client.get(url).status_code == 404
