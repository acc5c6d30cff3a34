"""Every page a signed-in member or operator sees carries ``Cache-Control: no-store``: on a shared computer, Back
after signing out must not show it again. The test walks the whole URL configuration, so a new page is covered the
day it is added."""

from __future__ import annotations

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from mutua.bookings.tests.factories import draft_booking, sent_booking
from mutua.claims import services as claim_services
from mutua.claims.tests import samples
from mutua.claims.tests.test_backoffice_services import data, sent_claim
from mutua.notifications.models import Notification

pytestmark = pytest.mark.django_db

SKIPPED_NAMESPACES = {"admin"}  # Django's admin: staff only, its own never_cache on every page
NOT_PAGES = {"account_logout", "set_language"}  # answer a POST; a GET only redirects


def url_names(patterns=None, namespace: str = "", outer: tuple[str, ...] = ()) -> list[tuple[str, list[str]]]:
    """(reversible name, its parameters) of every named URL of the project."""
    found: list[tuple[str, list[str]]] = []
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(entry, URLResolver):
            if entry.namespace in SKIPPED_NAMESPACES:
                continue
            inner = f"{namespace}:{entry.namespace}" if namespace and entry.namespace else entry.namespace or namespace
            found += url_names(entry.url_patterns, inner, (*outer, *entry.pattern.regex.groupindex))
        elif isinstance(entry, URLPattern) and entry.name and entry.name not in NOT_PAGES:
            name = f"{namespace}:{entry.name}".lstrip(":")
            found.append((name, [*outer, *entry.pattern.regex.groupindex]))
    return found


@pytest.fixture
def things(member):
    """One of each object a member or back-office URL names, belonging to `member`."""
    claim = sent_claim(member)
    draft = claim_services.draft_start(member=member, actor=member.user)
    document = claim_services.document_add(claim=draft, actor=member.user, data=data(), files=[samples.pdf_upload()])
    booking = sent_booking(member, files=[samples.pdf_upload("impegnativa.pdf")])
    booking_draft = draft_booking(member, files=[samples.pdf_upload("impegnativa.pdf")])
    return {
        "claim": claim.pk,
        "draft": draft.pk,
        "document": document.pk,
        "draft_attachment": document.attachments.get().pk,
        "attachment": claim.documents.get().attachments.get().pk,
        "booking": booking.pk,
        "booking_draft": booking_draft.pk,
        "booking_attachment": booking.attachments.get().pk,
        "notification": Notification.objects.filter(member=member).first().pk,
    }


DRAFT_URLS = {
    "claim_draft",
    "claim_draft_kind",
    "claim_draft_region",
    "document_add",
    "document_files_add",
    "document_delete",
    "attachment_remove",
    "claim_submit",
    "reading_start",
    "reading_status",
    "reading_page",
}


def pk_for(name: str, things: dict[str, int]) -> int:
    short = name.rsplit(":", 1)[-1]
    if short in ("booking_attachment", "booking_attachment_inline"):
        return things["booking_attachment"]
    if short in ("booking_draft", "booking_details", "booking_document", "booking_submit"):
        return things["booking_draft"]
    if "booking" in short:
        return things["booking"]
    if short in ("attachment_download", "attachment_inline"):
        return things["attachment"]
    if short == "notification_open":
        return things["notification"]
    return things["draft"] if short in DRAFT_URLS else things["claim"]


def url_of(name: str, params: list[str], things: dict[str, int]) -> str:
    values = {"pk": pk_for(name, things), "doc_pk": things["document"], "att_pk": things["draft_attachment"]}
    values |= {"year": 2026, "token": "x", "code": "ABC123", "reading_pk": 1, "page": 1}
    return reverse(name, kwargs={p: values.get(p, "x") for p in params})


def is_backoffice(name: str) -> bool:
    return name.startswith("backoffice:")


def test_every_page_of_a_signed_in_member_or_operator_carries_no_store(client, member, supervisor, things):
    pages = 0
    seen_ok: set[str] = set()
    for name, params in url_names():
        url = url_of(name, params, things)
        client.force_login(supervisor if is_backoffice(name) else member.user)
        response = client.get(url)
        if response.get("Content-Type", "").startswith("text/html"):
            pages += 1
            assert "no-store" in response.get("Cache-Control", ""), (name, url, response.status_code)
        if response.status_code == 200:
            seen_ok.add(name)
    assert pages > 60
    # The walk reached the pages themselves, not only their refusals.
    for name in [
        "portal:home",
        "portal:claim_list",
        "portal:claim_detail",
        "portal:claim_draft",
        "portal:booking_detail",
        "portal:personal_data",
        "portal:notification_list",
        "profile:home",
        "backoffice:worklist",
        "backoffice:claim_review",
        "backoffice:booking_review",
        "backoffice:audit_search",
        "backoffice:payouts",
    ]:
        assert name in seen_ok, name


def test_a_file_keeps_its_own_cache_header_and_a_json_answer_without_one_gets_no_store(client, member, things):
    client.force_login(member.user)
    photo_free = client.get(reverse("portal:attachment_download", args=[things["attachment"]]))
    assert photo_free["Cache-Control"] == "private, no-store"
    assert client.get(reverse("portal:booking_provider_options"))["Cache-Control"] == "no-store, private"


def test_first_access_pages_are_not_kept_either(client, new_member):
    from mutua.accounts.passwords import first_access_password

    client.post(
        "/accounts/login/",
        {
            "login": new_member.code,
            "password": first_access_password(username=new_member.code, fiscal_code=new_member.fiscal_code),
        },
    )
    response = client.get(reverse("accounts:first_access"))
    assert response.status_code == 200 and new_member.first_name in response.content.decode()
    assert "no-store" in response["Cache-Control"]


def test_a_visitor_without_a_session_gets_public_pages_without_the_header(client, db):
    response = client.get(reverse("accounts:first_access_instructions"))
    assert response.status_code == 200 and "no-store" not in response.get("Cache-Control", "")
