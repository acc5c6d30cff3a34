"""The membership card: holder, family members and plans in force, validity, a QR code to the public check of the
card, and an SVG preview drawn from the same layout; the public check says only "valid today" and initials."""

from __future__ import annotations

import datetime as dt
import html
import itertools
import re

import pytest
import segno
from django.utils import timezone

from mutua.documents.drawing import Text
from mutua.documents.tests.pdfread import page_texts, qr_matrices
from mutua.documents.verification import document_verify
from mutua.documents.views import VERIFY_IP_LIMIT
from mutua.members.tests.factories import BeneficiaryFactory
from mutua.plans.card import (
    CARD_HEIGHT,
    CARD_WIDTH,
    card_check_url,
    card_data,
    card_layout,
    card_member_id,
    card_pdf,
    card_svg,
    card_token,
)
from mutua.plans.selectors import active_enrollments
from mutua.plans.tests.factories import EnrollmentFactory, PlanFactory

pytestmark = pytest.mark.django_db
CODE = re.compile(r"Codice di verifica ([A-Z2-7]{4}-[A-Z2-7]{4}-[A-Z2-7]{4}-[A-Z2-7]{4})")


@pytest.fixture
def enrolled(member):
    """Mario Rossi in Piano Famiglia with his child, and in an ended plan that must not show."""
    plan = PlanFactory(code="FAMIGLIA", name="Piano Famiglia")
    enrollment = EnrollmentFactory(member=member, plan=plan, start_date=dt.date(2016, 1, 1))
    enrollment.beneficiaries.set(member.beneficiaries.all())
    EnrollmentFactory(
        member=member,
        plan=PlanFactory(code="OLD", name="Piano Vecchio"),
        start_date=dt.date(2010, 1, 1),
        end_date=dt.date(2015, 12, 31),
    )
    return member


def data_for(member):
    today = timezone.localdate()
    return card_data(member=member, enrollments=active_enrollments(member=member, on=today), today=today)


def text(data: bytes) -> str:
    return re.sub(r"\s+", " ", "\n".join(page_texts(data)))


def test_the_card_shows_the_holder_the_family_the_plans_in_force_and_the_validity(enrolled, settings):
    child = enrolled.beneficiaries.get()
    content = text(card_pdf(data=data_for(enrolled)))

    assert settings.MUTUA_NAME in content and "Tessera associativa" in content
    assert enrolled.full_name in content and enrolled.code in content and enrolled.fiscal_code in content
    assert f"{child.first_name} {child.last_name}" in content and child.fiscal_code in content
    assert "Piano Famiglia, attiva dal 01/01/2016" in content
    assert "Piano Vecchio" not in content
    assert f"Valida fino al 31/12/{timezone.localdate().year}" in content


def test_the_card_follows_the_current_data(enrolled):
    BeneficiaryFactory(member=enrolled, first_name="Sara", last_name="Rossi", birth_date=dt.date(2020, 5, 5))
    enrollment = enrolled.enrollments.get(plan__code="FAMIGLIA")
    enrollment.beneficiaries.set(enrolled.beneficiaries.all())

    assert "Sara Rossi" in text(card_pdf(data=data_for(enrolled)))


def test_the_qr_code_opens_the_signed_check_of_this_card(enrolled, settings):
    url = card_check_url(member=enrolled)
    data = card_pdf(data=data_for(enrolled))

    assert url.startswith(settings.MUTUA_PUBLIC_URL + "/verifica/tessera/")
    assert qr_matrices(data) == [[list(row) for row in segno.make(url, error="m", micro=False).matrix]]


def test_the_card_verification_code_is_valid_while_the_holder_has_a_plan_in_force(enrolled):
    code = CODE.search(text(card_pdf(data=data_for(enrolled)))).group(1)
    assert document_verify(code) is not None

    enrolled.enrollments.update(end_date=timezone.localdate() - dt.timedelta(days=1))
    assert document_verify(code) is None


def test_the_preview_is_an_svg_of_the_same_card(enrolled):
    svg = card_svg(data=data_for(enrolled), title="Anteprima")

    assert svg.startswith("<svg") and svg.endswith("</svg>")
    assert html.escape(enrolled.full_name) in svg and enrolled.code in svg and "Piano Famiglia" in svg
    assert "<script" not in svg


def test_names_are_escaped_in_the_preview(enrolled):
    enrolled.first_name = "<b>Mario</b>"
    svg = card_svg(data=data_for(enrolled), title="<script>")
    assert "<b>" not in svg and "<script>" not in svg


# Public check (/verifica/tessera/<token>/)


def check(client, token: str):
    response = client.get(f"/verifica/tessera/{token}/")
    return response, html.unescape(response.content.decode())


def test_a_valid_card_shows_only_validity_today_and_initials(client, enrolled):
    response, page = check(client, card_token(member_id=enrolled.pk))

    assert response.status_code == 200
    assert "Tessera valida oggi" in page and "Iniziali del titolare: M. R." in page
    for private in (enrolled.full_name, enrolled.code, enrolled.fiscal_code, "Piano Famiglia", "Rossi"):
        assert private not in page
    assert response["X-Robots-Tag"] == "noindex"


@pytest.mark.parametrize(
    "tamper", [lambda t: t[:-1] + ("A" if t[-1] != "A" else "B"), lambda t: "9" + t, lambda t: "x"]
)
def test_a_tampered_link_says_the_card_is_not_valid(client, enrolled, tamper):
    response, page = check(client, tamper(card_token(member_id=enrolled.pk)))

    assert response.status_code == 200
    assert "Tessera non valida." in page and "M. R." not in page


def test_another_members_id_with_this_signature_is_not_valid(client, enrolled, other_member):
    signature = card_token(member_id=enrolled.pk).split(":", 1)[1]
    assert card_member_id(f"{other_member.pk}:{signature}") is None


def test_a_card_without_a_plan_in_force_is_not_valid_today(client, enrolled):
    enrolled.enrollments.update(end_date=timezone.localdate() - dt.timedelta(days=1))
    _, page = check(client, card_token(member_id=enrolled.pk))
    assert "Tessera non valida." in page


def test_the_card_check_is_rate_limited(client, enrolled, settings):
    settings.RATE_LIMITS_ENABLED = True
    token = card_token(member_id=enrolled.pk)
    for _ in range(VERIFY_IP_LIMIT):
        assert check(client, token)[0].status_code == 200
    response, page = check(client, token)
    assert response.status_code == 429 and "Troppi tentativi" in page and "M. R." not in page


def test_on_narrow_screens_the_preview_puts_the_back_under_the_front(enrolled):
    wide = card_svg(data=data_for(enrolled), title="Anteprima")
    stacked = card_svg(data=data_for(enrolled), title="Anteprima", stacked=True)
    width, height = (float(v) for v in re.search(r'viewBox="0 0 ([\d.]+) ([\d.]+)"', wide).groups())
    s_width, s_height = (float(v) for v in re.search(r'viewBox="0 0 ([\d.]+) ([\d.]+)"', stacked).groups())
    assert (round(s_width * 2, 1), round(s_height / 2, 1)) == (round(width, 1), round(height, 1))
    assert "Piano Famiglia" in stacked and enrolled.code in stacked


def test_a_crowded_card_keeps_every_line_inside_its_face(enrolled):
    for n in range(5):
        EnrollmentFactory(member=enrolled, plan=PlanFactory(code=f"EXTRA{n}", name=f"Piano Aggiuntivo {n}"))
    for n in range(7):
        BeneficiaryFactory(
            member=enrolled, first_name=f"Figlio{n}", last_name="Rossi", birth_date=dt.date(2010, 1, 1 + n)
        )
    enrolled.enrollments.get(plan__code="FAMIGLIA").beneficiaries.set(enrolled.beneficiaries.all())
    layout = card_layout(data_for(enrolled))
    texts = [shape for shape in layout.shapes if isinstance(shape, Text)]
    assert all(0 < t.y < CARD_HEIGHT for t in texts)
    back = sorted((t for t in texts if t.x >= CARD_WIDTH), key=lambda t: -t.y)
    assert all(upper.y - lower.y >= 6 for upper, lower in itertools.pairwise(back) if upper.x == lower.x)
    contents = [t.text for t in back]
    assert "e altre 3: vedi l'elenco allegato" in contents and "e altri 4: vedi l'elenco allegato" in contents
    content = text(card_pdf(data=data_for(enrolled)))
    assert all(f"Figlio{n} Rossi" in content for n in range(7))  # the full list after the card
