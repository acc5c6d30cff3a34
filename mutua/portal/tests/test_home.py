"""Panoramica: the member's summary, their own data only, in a fixed number of queries."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from mutua.accounts.tests.factories import totp_enable
from mutua.claims.models import ClaimStatus
from mutua.claims.tests.factories import ClaimDocumentFactory, ClaimFactory
from mutua.notifications.services import notification_create
from mutua.plans.models import Enrollment, Plan


def plan(code: str = "BASE", name: str = "Piano Sanitario Base") -> Plan:
    return Plan.objects.get_or_create(code=code, defaults={"name": name, "yearly_fee": Decimal("120.00")})[0]


def sent_claim(member, *, days_ago: int, status: str = ClaimStatus.SUBMITTED):
    claim = ClaimFactory(member=member, status=status, submitted_at=timezone.now() - dt.timedelta(days=days_ago))
    ClaimDocumentFactory(claim=claim)
    return claim


def history(member, n: int, *, start: int = 0) -> None:
    """n more claims, notifications and plans: what a long-standing member accumulates."""
    for i in range(start, start + n):
        sent_claim(member, days_ago=100 + i, status=ClaimStatus.PAID)
        notification_create(member_id=member.pk, kind="generic", title=f"Storico {i}", body="", url="/pratiche/")
        Enrollment.objects.create(member=member, plan=plan(f"P{i}", f"Piano {i}"), start_date=dt.date(2000 + i, 1, 1))


@pytest.mark.django_db
def test_panoramica_shows_data_plans_latest_claims_and_notifications(client, member):
    Enrollment.objects.create(member=member, plan=plan(), start_date=dt.date(2024, 3, 1))
    claims = [sent_claim(member, days_ago=d) for d in range(7)]
    suspended = claims[0]
    suspended.status = ClaimStatus.SUSPENDED  # test data only: statuses move through claim_transition in the product
    suspended.save()
    for i in range(7):
        notification_create(member_id=member.pk, kind="generic", title=f"Avviso numero {i}", body="", url="/pratiche/")
    client.force_login(member.user)

    page = client.get(reverse("portal:home")).content.decode()

    assert member.code in page
    assert member.beneficiaries.get().first_name in page
    assert "Piano Sanitario Base" in page and "attiva dal 01/03/2024" in page
    assert reverse("portal:enrollments") in page
    assert reverse("portal:personal_data_update") in page  # "Aggiorna"
    # The five most recent claims, newest first, each with its status and a link to it; the older two are not shown.
    for claim in claims[:5]:
        assert reverse("portal:claim_detail", args=[claim.pk]) in page
    for claim in claims[5:]:
        assert reverse("portal:claim_detail", args=[claim.pk]) not in page
    assert page.index(f"Pratica n. {claims[0].pk}") < page.index(f"Pratica n. {claims[1].pk}")
    assert "Sospesa" in page or 'data-status="suspended"' in page
    assert "Avviso numero 6" in page and "Avviso numero 2" in page and "Avviso numero 1" not in page
    assert reverse("portal:claim_list") in page and reverse("portal:notification_list") in page


@pytest.mark.django_db
def test_modifica_il_profilo_only_while_second_factor_is_off(client, member):
    client.force_login(member.user)
    assert 'data-testid="profile-link"' in client.get(reverse("portal:home")).content.decode()
    totp_enable(member.user)
    assert 'data-testid="profile-link"' not in client.get(reverse("portal:home")).content.decode()


@pytest.mark.django_db
def test_panoramica_offers_to_resume_a_draft(client, member):
    draft = ClaimFactory(member=member)  # status draft
    ClaimDocumentFactory(claim=draft)
    client.force_login(member.user)
    page = client.get(reverse("portal:home")).content.decode()
    assert reverse("portal:claim_draft", args=[draft.pk]) in page
    assert "in compilazione con 1 documento" in page


@pytest.mark.django_db
def test_another_members_history_is_not_shown(client, member, other_member):
    theirs = sent_claim(other_member, days_ago=1)
    notification_create(member_id=other_member.pk, kind="generic", title="Avviso di Giulia", body="", url="/")
    Enrollment.objects.create(
        member=other_member, plan=plan("ALTRO", "Piano di Giulia"), start_date=dt.date(2024, 1, 1)
    )
    client.force_login(member.user)
    page = client.get(reverse("portal:home")).content.decode()
    assert other_member.code not in page
    assert "Avviso di Giulia" not in page and "Piano di Giulia" not in page
    assert reverse("portal:claim_detail", args=[theirs.pk]) not in page
    assert "Non hai ancora inviato pratiche." in page


@pytest.mark.django_db
def test_anonymous_visitor_is_sent_to_sign_in(client):
    assert client.get(reverse("portal:home"))["Location"].startswith("/accounts/login/")


@pytest.mark.django_db
def test_query_count_does_not_grow_with_history(client, member):
    client.force_login(member.user)
    history(member, 2)
    client.get(reverse("portal:home"))
    with CaptureQueriesContext(connection) as short:
        client.get(reverse("portal:home"))
    history(member, 25, start=2)
    client.get(reverse("portal:home"))
    with CaptureQueriesContext(connection) as long:
        page = client.get(reverse("portal:home")).content.decode()
    assert "Piano 26" in page  # every plan is listed
    assert len(long) == len(short), [q["sql"] for q in long.captured_queries]


@pytest.mark.django_db
def test_the_member_is_loaded_with_the_user_in_one_query(client, member):
    client.force_login(member.user)
    client.get(reverse("portal:home"))
    with CaptureQueriesContext(connection) as page:
        assert client.get(reverse("portal:claim_list")).status_code == 200
    member_reads = [q["sql"] for q in page.captured_queries if 'FROM "members_member"' in q["sql"]]
    user_reads = [q["sql"] for q in page.captured_queries if 'FROM "accounts_user"' in q["sql"]]
    assert member_reads == [] and len(user_reads) == 1 and "members_member" in user_reads[0]
