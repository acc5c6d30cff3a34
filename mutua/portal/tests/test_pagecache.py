"""Panoramica, Lista pratiche and a claim's page come from the cache until the member's data changes, and only then.

Each change below is made the way the product makes it (services, the back office's steps, a partial save), and the
member's next view must show it: a page served from an outdated cache entry is a wrong claim status on screen.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib import messages
from django.contrib.messages.storage.cookie import CookieStorage
from django.contrib.messages.storage.fallback import FallbackStorage
from django.contrib.sessions.backends.db import SessionStore
from django.core.cache import cache
from django.db import connection
from django.http import HttpResponse
from django.test import Client, RequestFactory, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from mutua.accounts.services import profile_photo_remove, profile_photo_set
from mutua.accounts.tests.factories import totp_enable
from mutua.bookings.tests.factories import sent_booking
from mutua.claims import services as claim_services
from mutua.claims.models import Attachment, ClaimEvent, ClaimStatus, ClaimSuspension, Settlement
from mutua.claims.tests import samples
from mutua.claims.tests.test_backoffice_services import in_days, sent_claim
from mutua.claims.tests.test_drafts import data
from mutua.core import pagecache
from mutua.members.models import Beneficiary, Member
from mutua.notifications.models import Notification
from mutua.notifications.selectors import unread_cache_key
from mutua.notifications.services import notification_create, notifications_mark_read
from mutua.payouts import services as payouts
from mutua.payouts.tests.test_payouts import execution_day, settled
from mutua.plans.models import Enrollment, Plan
from mutua.portal.signals import MEMBER_OF, member_ids_of
from mutua.providers.models import Category, Provider

pytestmark = pytest.mark.django_db

HOME, CLAIMS = reverse("portal:home"), reverse("portal:claim_list")


def detail(claim) -> str:
    return reverse("portal:claim_detail", args=[claim.pk])


def view(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return response.content.decode()


def tables_read(client, url: str) -> set[str]:
    with CaptureQueriesContext(connection) as queries:
        view(client, url)
    return {t for q in queries.captured_queries for t in re.findall(r'(?:FROM|JOIN) "(\w+)"', q["sql"])}


# --- Served from the cache ---------------------------------------------------------------------------------------


def test_a_second_view_reads_no_claim_data(client, member):
    claim = sent_claim(member)
    client.force_login(member.user)
    for url in (HOME, CLAIMS, detail(claim)):
        first = view(client, url)
        assert "claims_claim" not in tables_read(client, url)  # served from the cache
        again = view(client, url)
        assert again.count(f"/pratiche/{claim.pk}/") == first.count(f"/pratiche/{claim.pk}/") > 0


@override_settings(MEMBER_PAGE_CACHE_SECONDS=0)
def test_zero_seconds_renders_every_time(client, member):
    claim = sent_claim(member)
    client.force_login(member.user)
    for url in (HOME, CLAIMS, detail(claim)):
        view(client, url)
        assert "claims_claim" in tables_read(client, url)


def test_every_table_a_page_reads_is_watched(client, member, operator):
    """A page that starts reading a new table must get a receiver in mutua.portal.signals, or it would go stale."""
    totp_enable(member.user)
    paid = settled(member, operator)
    blocked = claim_services.claim_take(claim=sent_claim(member), actor=operator)
    claim_services.claim_block(claim=blocked, actor=operator, reason="Verifica amministrativa")
    sent_booking(member)
    notification_create(member=member, kind="generic", title="Avviso", body="", url="/pratiche/")
    watched = {model._meta.db_table for model in MEMBER_OF} | {
        Plan._meta.db_table,  # the plans' token
        Provider._meta.db_table,  # the providers' token (mutua.providers.signals)
        Category._meta.db_table,
        Provider.categories.through._meta.db_table,
    }
    # Read before the page, by the session and the user's authentication, not rendered into the cached content.
    request_tables = {"django_session", "members_regionaloffice", "usersessions_usersession"}
    client.force_login(member.user)
    with override_settings(MEMBER_PAGE_CACHE_SECONDS=0):
        for url in (HOME, CLAIMS, detail(blocked), detail(paid)):
            assert tables_read(client, url) - request_tables <= watched, url


def test_each_watched_model_names_its_member(member, operator):
    totp_enable(member.user)
    paid = settled(member, operator)
    claim = claim_services.claim_take(claim=sent_claim(member), actor=operator)
    claim_services.claim_suspend_for_documents(claim=claim, actor=operator, items=["Fattura"], deadline=in_days(10))
    sent_booking(member)
    notification_create(member=member, kind="generic", title="Avviso", body="", url="/pratiche/")
    from allauth.mfa.models import Authenticator

    rows = [
        member,
        Beneficiary.objects.filter(member=member).first(),
        Enrollment.objects.filter(member=member).first(),
        claim,
        Notification.objects.filter(member=member).first(),
        member.bookings.first(),
        claim.documents.first(),
        ClaimEvent.objects.filter(claim=claim).first(),
        ClaimSuspension.objects.filter(claim=claim).first(),
        Attachment.objects.filter(document__claim=claim).first(),
        Settlement.objects.filter(document__claim=paid).first(),
        Authenticator.objects.filter(user=member.user).first(),
        member.user,
    ]
    assert {type(row) for row in rows} == set(MEMBER_OF)
    for row in rows:
        assert member_ids_of(row) == [member.pk], type(row)


# --- Every change shows at once -----------------------------------------------------------------------------------


def test_status_changed_by_the_office_shows_on_every_page(client, member, operator):
    claim = sent_claim(member)
    client.force_login(member.user)
    for url in (HOME, CLAIMS, detail(claim)):
        assert 'data-status="submitted"' in view(client, url)
    claim_services.claim_take(claim=claim, actor=operator)
    for url in (HOME, CLAIMS, detail(claim)):
        page = view(client, url)
        assert f'data-status="in_review">{ClaimStatus.IN_REVIEW.label}<' in page, url
        assert 'data-status="submitted"' not in page, url


def test_payment_date_shows_after_the_batch_is_confirmed(client, member, operator, supervisor):
    claim = settled(member, operator)
    client.force_login(member.user)
    assert "Pagato il" not in view(client, detail(claim))
    view(client, CLAIMS)
    day = execution_day()
    batch = payouts.batch_create(claims=[claim], execution_date=day, actor=supervisor)
    payouts.batch_confirm(batch=batch, actor=supervisor)  # settlements are marked paid with one UPDATE
    assert day.strftime("%d/%m/%Y") in view(client, CLAIMS)
    assert "Pagato il" in view(client, detail(claim))


def test_marking_notifications_read_removes_the_new_badge(client, member):
    notification_create(member=member, kind="generic", title="Avviso importante", body="", url="/pratiche/")
    client.force_login(member.user)
    assert ">nuova<" in view(client, HOME)
    notifications_mark_read(member=member)  # one UPDATE for all of them
    assert ">nuova<" not in view(client, HOME)


def test_partial_save_of_the_member_shows(client, member):
    client.force_login(member.user)
    view(client, HOME)
    member = Member.objects.get(pk=member.pk)
    member.email = "nuovo.indirizzo@example.it"
    member.save(update_fields=["email"])
    assert "nuovo.indirizzo@example.it" in view(client, HOME)


def test_documents_merged_into_the_open_claim_show_on_its_page(client, member):
    first = sent_claim(member, number="11/2026")
    client.force_login(member.user)
    assert "12/2026" not in view(client, detail(first))
    draft = claim_services.draft_start(member=member, actor=member.user)
    claim_services.document_add(
        claim=draft, actor=member.user, data=data(number="12/2026"), files=[samples.pdf_upload()]
    )
    assert claim_services.claim_submit(member=member, token=draft.token, actor=member.user).merged
    assert "12/2026" in view(client, detail(first))


def test_renamed_plan_and_provider_show(client, member):
    plan = Plan.objects.create(code="RIN", name="Piano Vecchio Nome", yearly_fee=1)
    Enrollment.objects.create(member=member, plan=plan, start_date=dt.date(2024, 1, 1))
    booking = sent_booking(member)
    client.force_login(member.user)
    assert "Piano Vecchio Nome" in view(client, HOME)
    assert booking.provider.name in view(client, CLAIMS)
    plan.name = "Piano Nuovo Nome"
    plan.save()
    provider = booking.provider
    provider.name = "Centro Medico Rinominato"
    provider.save()
    assert "Piano Nuovo Nome" in view(client, HOME)
    assert "Centro Medico Rinominato" in view(client, CLAIMS)


def test_second_factor_activated_hides_the_invitation(client, member):
    client.force_login(member.user)
    assert 'data-testid="profile-link"' in view(client, HOME)
    totp_enable(member.user)
    assert 'data-testid="profile-link"' not in view(client, HOME)


def test_new_family_member_and_new_claim_show(client, member):
    client.force_login(member.user)
    view(client, HOME)
    view(client, CLAIMS)
    Beneficiary.objects.create(
        member=member, first_name="Lucia", last_name="Rossi", relationship="child", birth_date=dt.date(2015, 5, 5)
    )
    claim = sent_claim(member)
    assert "Lucia" in view(client, HOME)
    assert detail(claim) in view(client, CLAIMS)


def test_english_pages_are_cached_apart(client, member):
    sent_claim(member)
    client.force_login(member.user)
    assert "Ultime pratiche" in view(client, HOME)
    client.post(reverse("set_language"), {"language": "en", "next": HOME})
    assert "Latest claims" in view(client, HOME)


# --- Never another member's, never a form -------------------------------------------------------------------------


def test_another_member_never_gets_a_cached_page(client, member, other_member):
    claim = sent_claim(member)
    client.force_login(member.user)
    for url in (HOME, CLAIMS, detail(claim)):
        view(client, url)
    client.force_login(other_member.user)
    assert client.get(detail(claim)).status_code == 404
    home = view(client, HOME)
    assert other_member.full_name in home and member.full_name not in home
    assert detail(claim) not in view(client, CLAIMS)
    client.logout()
    assert client.get(detail(claim)).status_code == 302  # to the sign-in page


def test_a_page_with_the_add_documents_form_is_never_cached(client, member, operator):
    claim = claim_services.claim_take(claim=sent_claim(member), actor=operator)
    claim_services.claim_suspend_for_documents(claim=claim, actor=operator, items=["Fattura"], deadline=in_days(10))
    client.force_login(member.user)
    assert "csrfmiddlewaretoken" in view(client, detail(claim))
    assert "claims_claim" in tables_read(client, detail(claim))


@pytest.mark.parametrize("query", ["?pagina=999999", "?pagina=abc", "?anno=2026", "?stato=paid", "?pagina=1%3Cb%3E"])
def test_filtered_and_odd_list_pages_are_rendered_not_kept(client, member, query):
    """Only the unfiltered first pages are kept: whatever is typed in the URL cannot fill the cache."""
    sent_claim(member)
    client.force_login(member.user)
    assert "<b>" not in view(client, CLAIMS + query)
    assert "claims_claim" in tables_read(client, CLAIMS + query)


def test_an_unknown_status_is_the_unfiltered_list(client, member):
    claim = sent_claim(member)
    client.force_login(member.user)
    page = view(client, CLAIMS + "?stato=%3Cscript%3E")
    assert "<script>" not in page and detail(claim) in page


def request_of(member, path: str = HOME):
    request = RequestFactory().get(path)
    request.user = member.user
    return request


def home_page(request, member):
    return pagecache.page(request, member, "home", path=HOME)


def test_a_page_rendered_while_the_data_changed_is_not_served(member):
    """The token is read before the data: a change during the rendering makes the stored page unreachable."""
    cached = home_page(request_of(member), member)
    pagecache.forget_member_pages([member.pk])  # a change commits while the page is being rendered
    cached.store("<p>vecchio</p>")
    assert home_page(request_of(member), member).html is None
    home_page(request_of(member), member).store("<p>nuovo</p>")
    assert home_page(request_of(member), member).html == "<p>nuovo</p>"
    assert home_page(request_of(member, "/?x=1"), member).html is None  # another URL: not served, not kept


def test_a_request_with_messages_to_show_is_rendered_and_not_kept(member):
    request = request_of(member)
    request.session = SessionStore()
    request._messages = FallbackStorage(request)
    home_page(request_of(member), member).store("<p>pagina</p>")
    messages.success(request, "Dati aggiornati.")
    cached = home_page(request, member)
    assert cached.html is None and cached.key == ""


def test_a_message_shows_once_on_a_cached_page_and_is_not_kept(client, member):
    client.force_login(member.user)
    view(client, HOME)
    assert "claims_claim" not in tables_read(client, HOME)  # kept
    storage = CookieStorage(RequestFactory().get(HOME))
    storage.add(messages.SUCCESS, "Dati aggiornati con successo.")
    carrier = HttpResponse()
    storage.update(carrier)  # the cookie a redirect after a change would have set
    client.cookies[storage.cookie_name] = carrier.cookies[storage.cookie_name].value
    assert "Dati aggiornati con successo." in view(client, HOME)
    assert "Dati aggiornati con successo." not in view(client, HOME)


def test_a_bell_count_kept_with_a_page_comes_from_the_database(client, member):
    notification_create(member=member, kind="generic", title="Avviso", body="", url="/pratiche/")
    client.force_login(member.user)
    cache.set(unread_cache_key(member.pk), 7, 60)  # a stale number a racing reader could leave behind
    page = view(client, HOME)
    assert re.search(r'data-testid="unread">1<', page) and 'data-testid="unread">7<' not in page


def test_a_new_release_or_a_new_day_is_rendered_again(client, member, monkeypatch):
    client.force_login(member.user)
    view(client, HOME)
    assert "claims_claim" not in tables_read(client, HOME)
    monkeypatch.setattr(pagecache, "release", lambda: "altra-versione")
    assert "claims_claim" in tables_read(client, HOME)
    assert "claims_claim" not in tables_read(client, HOME)
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    monkeypatch.setattr(pagecache.timezone, "localdate", lambda: tomorrow)
    assert "claims_claim" in tables_read(client, HOME)


def test_the_csrf_token_is_each_sessions_own(member):
    """A page kept from one session carries no token: another session of the same member gets its own, valid one."""
    first, second = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    for browser in (first, second):
        browser.force_login(member.user)
    view(first, HOME)
    stored = view(first, HOME)
    page = view(second, HOME)  # served from the page the first session rendered
    assert "claims_claim" not in tables_read(second, HOME)
    tokens = re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    assert tokens and pagecache.csrf_placeholder() not in page + stored
    answer = second.post(reverse("set_language"), {"language": "en", "next": HOME, "csrfmiddlewaretoken": tokens[0]})
    assert answer.status_code == 302  # accepted: a token of another session would get 403
    stolen = re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', stored)[0]
    third = Client(enforce_csrf_checks=True)
    third.force_login(member.user)
    view(third, HOME)
    refused = third.post(reverse("set_language"), {"language": "en", "next": HOME, "csrfmiddlewaretoken": stolen})
    assert refused.status_code == 403


def test_a_new_photo_shows_in_the_header(client, member):
    client.force_login(member.user)
    assert 'data-testid="header-photo"' not in view(client, HOME)
    profile_photo_set(user=member.user, upload=samples.jpeg_upload("foto.jpg"), request=None)
    assert 'data-testid="header-photo"' in view(client, HOME)
    profile_photo_remove(user=member.user, request=None)
    assert 'data-testid="header-photo"' not in view(client, HOME)


def test_a_new_release_never_serves_the_old_templates_html(tmp_path, settings):
    """A deploy that changes a template (even keeping its size and time) gets new keys: no HTML of the old one."""
    template = tmp_path / "mutua" / "templates" / "pagina.html"
    template.parent.mkdir(parents=True)
    template.write_text("<p>prima</p>")
    settings.BASE_DIR = tmp_path
    before = pagecache.release.__wrapped__()
    assert pagecache.release.__wrapped__() == before
    template.write_text("<p>dopo</p>")
    assert pagecache.release.__wrapped__() != before


def test_a_booking_given_to_another_member_leaves_the_first_ones_list(client, member, other_member):
    booking = sent_booking(member)
    client.force_login(member.user)
    assert reverse("portal:booking_detail", args=[booking.pk]) in view(client, CLAIMS)
    booking.member = other_member  # as the admin's change form saves it
    booking.save()
    assert reverse("portal:booking_detail", args=[booking.pk]) not in view(client, CLAIMS)


def test_a_child_row_with_its_parent_loaded_costs_no_lookup(member, django_assert_num_queries):
    claim = sent_claim(member)
    document = claim.documents.select_related("claim").get()
    with django_assert_num_queries(0):
        assert member_ids_of(document) == [member.pk]


def test_every_write_that_sends_no_signal_to_a_watched_table_forgets_the_pages():
    """``update()`` and ``bulk_create()`` send no signal: each one on a watched model must forget the pages itself.

    A guard for the usual form (``Model.objects....update(`` on one line); the demo generator, which fills a new
    database before anyone has seen a page, is left out.
    """
    watched = {model.__name__ for model in MEMBER_OF} | {"Plan"}
    root = Path(settings.BASE_DIR) / "mutua"
    unguarded = []
    for path in root.rglob("*.py"):
        if {"tests", "migrations", "demo"} & set(path.relative_to(root).parts):
            continue
        lines = path.read_text(encoding="utf-8").splitlines()
        for number, line in enumerate(lines):
            found = re.search(r"\b(\w+)\.objects\b.*\.(update|bulk_create|bulk_update)\(", line)
            if found and found.group(1) in watched:
                following = "\n".join(lines[number : number + 4])
                if "forget_member_pages" not in following and "forget_plan_pages" not in following:
                    unguarded.append(f"{path.relative_to(root)}:{number + 1}")
    assert unguarded == []


@pytest.mark.parametrize("query", ["?x=1", "?pagina=2", "?utm_source=newsletter", "?&", "?&&"])
def test_a_query_string_on_panoramica_or_a_claim_is_rendered_not_kept(client, member, query):
    claim = sent_claim(member)
    client.force_login(member.user)
    for url in (HOME + query, detail(claim) + query):
        view(client, url)
        assert "claims_claim" in tables_read(client, url), url


@pytest.mark.parametrize("query", ["?pagina=2&pagina=2", "?pagina=2&", "?pagin%61=2", "?pagina=%32"])
def test_odd_spellings_of_a_kept_list_page_are_not_kept(client, member, query):
    sent_claim(member)
    client.force_login(member.user)
    view(client, CLAIMS + query)
    assert "claims_claim" in tables_read(client, CLAIMS + query)


def test_a_claim_reached_by_another_spelling_of_its_id_is_not_kept(client, member):
    claim = sent_claim(member)
    client.force_login(member.user)
    odd = f"/pratiche/000{claim.pk}/"
    view(client, odd)
    assert "claims_claim" in tables_read(client, odd)
