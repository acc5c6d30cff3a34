"""Scheda socio: one member's page in the back office, scoped like the list of Soci, audited, constant queries."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from mutua.accounts.models import FirstAccessPath
from mutua.audit.models import AuditEvent
from mutua.claims.models import ClaimStatus
from mutua.claims.tests.factories import ClaimFactory
from mutua.claims.tests.test_backoffice_services import sent_claim
from mutua.members.models import Member, MemberChange
from mutua.members.tests.factories import NewMemberFactory
from mutua.plans.tests.factories import EnrollmentFactory, PlanFactory
from mutua.registry.services import registry_user

pytestmark = pytest.mark.django_db


def url(member: Member) -> str:
    return reverse("backoffice:member_detail", args=[member.pk])


def plain(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def text(response) -> str:
    return plain(response.content.decode())


def section(response, testid: str) -> str:
    found = re.search(rf'data-testid="{testid}"[^>]*>(.*?)</(?:dl|p|ul|table|div)>', response.content.decode(), re.S)
    assert found, testid
    return plain(found.group(1))


def registry_change(member: Member, when: str, field: str, old: str, new: str) -> MemberChange:
    return MemberChange.objects.create(
        member=member, actor=registry_user(), changed_at=when, field=field, old_value=old, new_value=new
    )


def test_the_page_shows_the_member_their_contacts_first_access_plans_and_claims(client, operator, member, clock):
    member.user.first_access_path = FirstAccessPath.LETTER
    member.user.save(update_fields=["first_access_path"])
    member.email_bounced = member.email.upper()
    member.email_bounced_at = timezone.make_aware(dt.datetime(2026, 6, 2, 10, 0))
    member.email_bounce_reason = "casella inesistente"
    member.save(update_fields=["email_bounced", "email_bounced_at", "email_bounce_reason"])
    EnrollmentFactory(member=member, plan=PlanFactory(name="Piano Base"), end_date=dt.date(2025, 12, 31))
    claim = sent_claim(member)
    client.force_login(operator)

    response = client.get(url(member))

    assert response.status_code == 200
    identity = section(response, "dati-socio")
    assert "Mario Rossi" in identity and member.code in identity and member.fiscal_code in identity
    assert "non recapitabile" in identity and "Segnalata dal fornitore di posta il 02/06/2026" in identity
    assert "casella inesistente" in identity
    assert "con lettera di attivazione" in section(response, "primo-accesso")
    assert "Piano Base: dal 01/01/2016 al 31/12/2025" in section(response, "adesioni")
    assert reverse("backoffice:claim_review", args=[claim.pk]) in response.content.decode()
    assert "Nessuna modifica dal registro dopo l'iscrizione." in text(response)
    assert 'data-testid="assente-dal-registro"' not in response.content.decode()
    crumbs = re.search(r'<ol class="breadcrumb">(.*?)</ol>', response.content.decode(), re.S).group(1)
    assert f'href="{reverse("backoffice:member_list")}"' in crumbs and "Soci" in crumbs


def test_a_good_email_has_no_badge_and_a_draft_is_not_listed(client, operator, member):
    draft_only = NewMemberFactory(first_name="Luca", last_name="Neri")
    ClaimFactory(member=draft_only)  # a draft is the member's own business until sent
    client.force_login(operator)
    assert "non recapitabile" not in section(client.get(url(member)), "dati-socio")
    page = text(client.get(url(draft_only)))
    assert "Nessuna pratica trasmessa." in page and "Nessuna adesione." in page and "Da completare" in page


def test_the_registry_block_shows_its_latest_change_and_warns_when_the_member_is_missing(client, operator, member):
    registry_change(member, "2026-05-01T08:00:00+02:00", "last_name", "Rosi", "Rossi")
    registry_change(member, "2026-06-01T08:00:00+02:00", "residence_city", "Milano", "Monza")
    registry_change(member, "2026-06-01T08:00:00+02:00", "residence_cap", "20100", "20900")
    MemberChange.objects.create(  # the member's own later change is not the registry's
        member=member, actor=member.user, changed_at="2026-06-05T09:00:00+02:00", field="mobile", new_value="x"
    )
    Member.objects.filter(pk=member.pk).update(registry_missing_since="2026-06-10")
    client.force_login(operator)

    response = client.get(url(member))

    assert "Ultima modifica dal registro il 01/06/2026 08:00" in section(response, "modifica-registro")
    fields = section(response, "campi-registro")
    assert "Residenza: comune Milano Monza" in fields and "Residenza: CAP 20100 20900" in fields
    assert "Rosi" not in fields and "Cellulare" not in fields
    assert "non è più nell'elenco completo del registro dal 10/06/2026" in section(response, "assente-dal-registro")


def test_reading_the_page_is_audited_and_the_member_sees_it(client, operator, member):
    client.force_login(operator)
    client.get(url(member))
    event = AuditEvent.objects.get(action="backoffice.member_view")
    assert event.actor == operator and event.member == member
    client.force_login(member.user)
    page = text(client.get(reverse("profile:home")))
    assert "Accessi ai miei dati" in page and "Consultazione della scheda del socio" in page


def test_a_regional_operator_sees_only_their_office_members(client, regional_operator, member, other_member):
    other_member.regional_office = regional_operator.regional_office
    other_member.save(update_fields=["regional_office"])
    client.force_login(regional_operator)
    assert client.get(url(member)).status_code == 404
    assert client.get(url(other_member)).status_code == 200
    assert client.get(reverse("backoffice:member_detail", args=[999999])).status_code == 404
    assert AuditEvent.objects.filter(action="backoffice.member_view").count() == 1


def test_members_get_404_and_anonymous_visitors_the_back_office_login(client, member, other_member):
    assert client.get(url(other_member))["Location"].startswith(reverse("backoffice:login"))
    client.force_login(member.user)
    assert client.get(url(other_member)).status_code == 404
    assert client.get(url(member)).status_code == 404
    assert client.post(url(member)).status_code in (404, 405)
    assert not AuditEvent.objects.filter(action="backoffice.member_view").exists()


def test_the_page_costs_the_same_queries_for_1_or_5_claims_plans_and_registry_changes(client, operator, member):
    client.force_login(operator)
    sent_claim(member)
    EnrollmentFactory(member=member)
    registry_change(member, "2026-06-01T08:00:00+02:00", "residence_city", "Milano", "Monza")
    client.get(url(member))
    with CaptureQueriesContext(connection) as few:
        client.get(url(member))
    for _ in range(4):
        ClaimFactory(member=member, status=ClaimStatus.SUBMITTED, submitted_at=timezone.now())
        EnrollmentFactory(member=member, plan=PlanFactory())
    for field in ("residence_cap", "residence_street", "email", "last_name"):
        registry_change(member, "2026-06-01T08:00:00+02:00", field, "a", "b")
    with CaptureQueriesContext(connection) as many:
        response = client.get(url(member))
    assert response.content.decode().count('data-testid="pratica"') == 5
    # session, user, member, the audit row, registry changes, adesioni, their family members, claims
    assert len(many) == len(few) == 8


def test_the_list_and_the_claim_page_link_to_the_member_page(client, operator, member):
    claim = sent_claim(member)
    client.force_login(operator)
    assert url(member) in client.get(reverse("backoffice:member_list")).content.decode()
    assert url(member) in client.get(reverse("backoffice:claim_review", args=[claim.pk])).content.decode()
