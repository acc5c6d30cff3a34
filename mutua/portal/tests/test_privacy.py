"""The footer's pages, "I miei consents" and the conventions every member page follows (breadcrumbs, bell)."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from mutua.accounts.first_access import consent_record
from mutua.audit.models import AuditEvent
from mutua.members.models import Consent, ConsentPurpose, PrivacyNotice, RegionalOffice
from mutua.members.tests.factories import PrivacyNoticeFactory

pytestmark = pytest.mark.django_db

FOOTER = ["portal:privacy", "portal:cookies", "portal:legal_notes", "portal:accessibility", "portal:contacts"]


@pytest.mark.parametrize("name", FOOTER)
def test_footer_pages_are_open_to_anybody_and_linked_from_every_page(client, member, name):
    url = reverse(name)
    assert client.get(url).status_code == 200  # an anonymous visitor
    client.force_login(member.user)
    page = client.get(reverse("portal:claim_list")).content.decode()
    footer = page[page.index('data-testid="footer-links"') :]
    assert f'href="{url}"' in footer


def test_the_privacy_notice_lists_every_version_and_shows_an_old_one_as_not_in_force(client):
    import datetime as dt

    old = PrivacyNotice.objects.get(version="2026.1")
    PrivacyNoticeFactory(
        version="2027.1",
        title="Informativa privacy",
        body="Nuovo testo dell'informativa.",
        published_at=old.published_at + dt.timedelta(days=1),
    )
    page = client.get(reverse("portal:privacy")).content.decode()
    assert "Nuovo testo dell" in page and "in vigore" in page
    assert reverse("portal:privacy_version", args=["2026.1"]) in page
    earlier = client.get(reverse("portal:privacy_version", args=["2026.1"])).content.decode()
    assert old.body.splitlines()[0] in earlier and "non più in vigore" in earlier
    assert client.get(reverse("portal:privacy_version", args=["1999.9"])).status_code == 404


def test_the_cookie_policy_names_every_cookie_the_portal_sets(client, member, settings):
    """Sign in, choose a language, get a message: each cookie the browser then holds is listed, with nothing else."""
    from mutua.claims.tests.test_backoffice_services import sent_claim

    client.post("/accounts/login/", {"login": member.code, "password": "Segreta123"})
    client.post(reverse("set_language"), {"language": "it", "next": "/"})
    claim = sent_claim(member)
    client.post(reverse("portal:claim_cancel", args=[claim.pk]))  # "Pratica annullata": a message to show
    held = set(client.cookies)
    assert {settings.SESSION_COOKIE_NAME, settings.CSRF_COOKIE_NAME, "mutua_device"} <= held
    page = client.get(reverse("portal:cookies")).content.decode()
    table = page[page.index('data-testid="cookie-table"') :]
    for name in held:
        assert f"<code>{name}</code>" in table, name
    assert "profilazione" in page


def test_contacts_list_the_regional_offices(client):
    RegionalOffice.objects.create(
        code="LAZ",
        name="Sede regionale Lazio",
        region="Lazio",
        address="Via Nazionale 10, Roma",
        phone="06 1234567",
        email="lazio@mutua.example",
    )
    page = client.get(reverse("portal:contacts")).content.decode()
    assert "Sede regionale Lazio" in page and "lazio@mutua.example" in page


def test_the_accessibility_statement_follows_agids_sections(client, settings):
    settings.MUTUA_ACCESSIBILITY_REVIEWED_ON = "2026-11-30"
    page = client.get(reverse("portal:accessibility")).content.decode()
    sections = [
        "Stato di conformità",
        "Contenuti non accessibili",
        "Redazione della dichiarazione di accessibilità",
        "Meccanismo di feedback e informazioni di contatto",
        "Modalità di invio delle segnalazioni all'AgID",
        "Informazioni sul sito",
    ]
    positions = [page.index(s) for s in sections]
    assert positions == sorted(positions)
    assert "30/11/2026" in page


# --- I miei consensi ---------------------------------------------------------------------------------------------


def given_at_first_access(member):
    return consent_record(member=member, notice=PrivacyNotice.objects.latest(), given=True, request=None)


def test_consents_page_shows_the_history_with_notice_version(client, member):
    given_at_first_access(member)
    client.force_login(member.user)
    page = client.get(reverse("portal:consents")).content.decode()
    history = page[page.index('data-testid="consent-history"') :]
    now = timezone.localtime().strftime("%d/%m/%Y %H:%M")
    assert "Dato" in history and "versione 2026.1" in history and now in history


def test_giving_then_withdrawing_an_optional_consent_is_recorded_with_time_and_version(client, member, clock):
    import datetime as dt

    given_at_first_access(member)
    client.force_login(member.user)
    response = client.post(reverse("portal:consents"), {"newsletter": "1", "surveys": "0"})
    assert response.status_code == 302
    clock.shift(dt.timedelta(hours=2, minutes=15))  # within the 8-hour session
    client.post(reverse("portal:consents"), {"newsletter": "0", "surveys": "0"})
    rows = list(Consent.objects.filter(member=member, purpose=ConsentPurpose.NEWSLETTER).order_by("created_at"))
    assert [r.given for r in rows] == [True, False]
    assert rows[1].notice.version == "2026.1" and rows[1].notice_sha256 == rows[1].notice.sha256
    assert rows[1].created_at - rows[0].created_at == dt.timedelta(hours=2, minutes=15)
    assert not Consent.objects.filter(member=member, purpose=ConsentPurpose.SURVEYS).exists()  # never changed
    assert AuditEvent.objects.filter(member=member, action="consent.withdrawn", data__purpose="newsletter").exists()
    page = client.get(reverse("portal:consents")).content.decode()
    assert "Revocato" in page and timezone.localtime(rows[1].created_at).strftime("%d/%m/%Y %H:%M") in page


def test_saving_the_same_choices_records_nothing(client, member):
    client.force_login(member.user)
    client.post(reverse("portal:consents"), {"newsletter": "0", "surveys": "0"})
    assert not Consent.objects.filter(member=member).exists()


@pytest.mark.parametrize("posted", [{}, {"newsletter": "forse", "surveys": "1"}, {"newsletter": "1" * 5000}])
def test_a_missing_or_hostile_choice_is_refused_next_to_the_field_and_nothing_saved(client, member, posted):
    client.force_login(member.user)
    response = client.post(reverse("portal:consents"), posted)
    assert response.status_code == 400
    page = response.content.decode()
    assert "Indica se acconsenti o no." in page or "Scegli «Acconsento» o «Non acconsento»." in page
    assert not Consent.objects.filter(member=member).exists()


def test_the_required_consent_cannot_be_withdrawn_by_posting_it(client, member):
    given_at_first_access(member)
    client.force_login(member.user)
    client.post(reverse("portal:consents"), {"newsletter": "0", "surveys": "0", "service": "0"})
    assert Consent.objects.filter(member=member, purpose=ConsentPurpose.SERVICE).get().given


def test_consents_are_each_members_own(client, member, other_member):
    given_at_first_access(member)
    client.force_login(other_member.user)
    page = client.get(reverse("portal:consents")).content.decode()
    assert "Nessuna scelta registrata." in page
    client.post(reverse("portal:consents"), {"newsletter": "1", "surveys": "1"})
    assert Consent.objects.filter(member=member).count() == 1


def test_anonymous_visitor_is_sent_to_login_from_consents(client):
    response = client.get(reverse("portal:consents"))
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_consents_page_query_count(client, member, django_assert_max_num_queries):
    given_at_first_access(member)
    client.force_login(member.user)
    client.get(reverse("portal:consents"))
    with django_assert_max_num_queries(6):
        client.get(reverse("portal:consents"))


# --- Conventions of every member page -------------------------------------------------------------------------


def test_the_bell_has_a_visible_label(client, member):
    client.force_login(member.user)
    page = client.get("/").content.decode()
    bell = page[page.index('data-testid="bell"') : page.index("</a>", page.index('data-testid="bell"'))]
    assert '<span class="ms-1">Notifiche</span>' in bell
