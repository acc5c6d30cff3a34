"""Panoramica, Lista pratiche and a claim's page in a fixed number of queries, counted as production runs them.

In production the session comes from Redis (``cached_db``): reading it costs no query, so every query counted here
is the page's own, the signed-in user (with the bell's count and the second factor) included. allauth's session
tracking writes its row at most once a minute per session: that request costs one UPDATE more. The number does not
grow with what the member has: one or many claims, documents, files, events, notifications, plans, family members.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from mutua.accounts import middleware
from mutua.bookings.tests.factories import sent_booking
from mutua.claims.models import Attachment, Claim, ClaimDocument, ClaimEvent, ClaimStatus
from mutua.claims.services import claim_block, claim_suspend_for_documents, claim_transition
from mutua.claims.tests.factories import ClaimDocumentFactory, ClaimFactory, SettlementFactory
from mutua.members.models import Member
from mutua.members.tests.factories import BeneficiaryFactory, UserFactory
from mutua.notifications.models import Notification
from mutua.notifications.services import notification_create
from mutua.plans.tests.factories import EnrollmentFactory

# Panoramica: user, family, plans, latest claims with the draft, latest notifications.
# Lista pratiche: user, the claims counted by status and year (filters, draft button, pages), the page's claims,
# the direct-form bookings. A claim's page: user, the claim with its open suspension, documents, files, history.
QUERIES = {"home": 5, "claim_list": 4, "claim_detail": 5}

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def sessions_in_the_cache(settings):
    """As in production with Redis: the session is read from the cache, not from the database."""
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"


def signed_in(member: Member) -> Client:
    client = Client()
    client.force_login(member.user)
    return client


def page_queries(client: Client, url: str) -> list[str]:
    """The SQL of a view of `url` (not the session's first request: that one records the new session)."""
    assert client.get(url).status_code == 200
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return [q["sql"] for q in queries.captured_queries]


def sent_claim(member: Member, *, documents: int = 1, days_ago: int = 1) -> Claim:
    """A claim in review with `documents` invoices, each with two files, every other one settled and for a family
    member."""
    claim = ClaimFactory(member=member)
    beneficiary = member.beneficiaries.first()
    for n in range(documents):
        document = ClaimDocumentFactory(claim=claim, beneficiary=beneficiary if n % 2 else None)
        for name in ("fattura.pdf", "ricevuta.jpg"):
            Attachment.objects.create(
                document=document, file=f"attachments/{name}", original_name=name, content_type="x", size=1, sha256=""
            )
        if n % 2:
            SettlementFactory(document=document)
    at = timezone.now() - dt.timedelta(days=days_ago)
    claim = claim_transition(claim=claim, to_status=ClaimStatus.SUBMITTED, actor=None, at=at)
    return claim_transition(claim=claim, to_status=ClaimStatus.IN_REVIEW, actor=None, at=at)


def small(member: Member) -> Claim:
    """A new member's data: one family member (the fixture's), plan, claim, notification."""
    EnrollmentFactory(member=member)
    notification_create(member_id=member.pk, kind="generic", title="Benvenuto", body="", url="/")
    return sent_claim(member)


def large(member: Member) -> Claim:
    """A long-standing member's: a family, plans, 30 claims of several documents over the years, a draft,
    30 notifications (half unread), bookings."""
    for name in ("Luca", "Anna", "Pietro"):
        BeneficiaryFactory(member=member, first_name=name)
    for _ in range(4):
        EnrollmentFactory(member=member)
    for n in range(30):
        sent_claim(member, documents=3, days_ago=40 * n + 1)
        notification = notification_create(member_id=member.pk, kind="generic", title=f"Avviso {n}", body="", url="/")
        if n % 2:
            notification.read_at = timezone.now()
            notification.save()
    claim = sent_claim(member, documents=12)
    draft = ClaimFactory(member=member)
    ClaimDocumentFactory(claim=draft)
    sent_booking(member)
    sent_booking(member)
    return claim


@pytest.mark.parametrize("name", ["home", "claim_list"])
def test_a_page_costs_the_same_queries_for_a_new_and_a_long_standing_member(member, other_member, name):
    small(member)
    large(other_member)
    few = page_queries(signed_in(member), reverse(f"portal:{name}"))
    many = page_queries(signed_in(other_member), reverse(f"portal:{name}"))
    assert len(few) == len(many) == QUERIES[name], "\n".join(many)


def test_lista_pratiche_filtered_and_on_a_later_page_costs_the_same(member):
    large(member)
    client = signed_in(member)
    url = reverse("portal:claim_list")
    year = timezone.localdate().year
    assert len(page_queries(client, f"{url}?pagina=2")) == QUERIES["claim_list"]
    assert len(page_queries(client, f"{url}?anno={year}")) == QUERIES["claim_list"]
    # Filtered by status the bookings are not listed: one query less.
    assert len(page_queries(client, f"{url}?stato=in_review")) == QUERIES["claim_list"] - 1


def test_a_claim_costs_the_same_with_one_document_or_many(member):
    one = sent_claim(member)
    many = sent_claim(member, documents=12)
    for _ in range(10):
        ClaimEvent.objects.create(claim=many, from_status="in_review", to_status="in_review", note="Nota")
    client = signed_in(member)
    few = page_queries(client, reverse("portal:claim_detail", args=[one.pk]))
    lots = page_queries(client, reverse("portal:claim_detail", args=[many.pk]))
    assert len(few) == len(lots) == QUERIES["claim_detail"], "\n".join(lots)
    assert ClaimDocument.objects.filter(claim=many).count() == 12


def test_a_suspended_claim_costs_the_same_and_its_upload_form_one_more(member):
    """The open suspension comes with the claim; the "Aggiungi documenti" form lists the family members."""
    operator = UserFactory(username="operatore.conteggi", role="operator")
    blocked = claim_block(claim=sent_claim(member), actor=operator, reason="Quota non versata.")
    waiting = claim_suspend_for_documents(
        claim=sent_claim(member),
        actor=operator,
        items=["Prescrizione medica"],
        deadline=timezone.localdate() + dt.timedelta(days=10),
    )
    client = signed_in(member)
    assert len(page_queries(client, reverse("portal:claim_detail", args=[blocked.pk]))) == QUERIES["claim_detail"]
    assert len(page_queries(client, reverse("portal:claim_detail", args=[waiting.pk]))) == QUERIES["claim_detail"] + 1


@pytest.mark.parametrize("name", ["home", "claim_list", "claim_detail"])
def test_the_session_tracking_adds_one_update_once_a_minute(member, name):
    claim = small(member)
    client = signed_in(member)
    url = reverse(f"portal:{name}", args=[claim.pk] if name == "claim_detail" else [])
    page_queries(client, url)
    key = client.session.session_key
    middleware._seen_here.pop(key, None)  # a minute has passed, for this process and for the cache
    cache.delete(f"mutua:session-seen:{key}")
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    writes = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("UPDATE")]
    assert len(queries) == QUERIES[name] + 1
    assert len(writes) == 1 and "usersessions_usersession" in writes[0]


def test_what_the_pages_show_is_read_from_the_counted_queries(member):
    """The data behind the counts: the bell, the draft banner, a settled document and its files."""
    claim = large(member)
    client = signed_in(member)
    home = client.get(reverse("portal:home")).content.decode()
    unread = Notification.objects.filter(member=member, read_at=None).count()
    assert unread >= 15 and f'data-testid="unread">{unread}<' in home
    assert "in compilazione con 1 documento" in home
    listing = client.get(reverse("portal:claim_list")).content.decode()
    assert listing.count('data-testid="pratica"') == 20 and "Pagina 1 di 2" in listing
    assert "Riprendi la richiesta in bozza" in listing and listing.count('data-testid="prenotazione"') == 2
    detail = client.get(reverse("portal:claim_detail", args=[claim.pk])).content.decode()
    assert detail.count("fattura.pdf") == 12 and detail.count("ricevuta.jpg") == 12
    assert detail.count('data-testid="pagato-il"') == 6  # the settled half
