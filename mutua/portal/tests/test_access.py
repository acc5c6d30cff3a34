"""Every page of the sign-in journey and the portal, as an anonymous visitor and as another member."""

from __future__ import annotations

import pytest
from django.urls import reverse

from mutua.accounts.passwords import first_access_password

MEMBER_PAGES = [
    "/",
    reverse("portal:providers"),
    reverse("portal:provider_markers"),
    reverse("portal:booking_start"),
    reverse("portal:booking_provider_options"),
    reverse("portal:booking_draft", args=[1]),
    reverse("portal:booking_submit", args=[1]),
    reverse("portal:booking_detail", args=[1]),
    reverse("portal:booking_cancel", args=[1]),
    reverse("portal:booking_receipt", args=[1]),
    reverse("portal:booking_attachment", args=[1]),
    reverse("portal:personal_data"),
    reverse("portal:personal_data_update"),
    reverse("portal:personal_contacts_verify"),
    reverse("portal:family"),
    reverse("portal:enrollments"),
    reverse("portal:certificates"),
    reverse("portal:certificate_pdf", args=[2026]),
    reverse("portal:card"),
    reverse("portal:card_pdf"),
    reverse("portal:card_preview"),
    reverse("portal:subsidies_summary"),
    reverse("portal:subsidies_certificate"),
    reverse("portal:consents"),
    reverse("portal:data_export"),
    reverse("portal:data_export_download", args=[1]),
]
JOURNEY_PAGES = [
    reverse("accounts:first_access"),
    reverse("accounts:verify_contacts"),
    reverse("accounts:password_reset_code"),
    reverse("accounts:password_reset_new"),
]
PUBLIC_PAGES = [
    "/accounts/login/",
    reverse("accounts:first_access_instructions"),
    reverse("accounts:password_reset"),
    reverse("accounts:password_reset_done"),
    reverse("portal:privacy"),
    reverse("portal:cookies"),
    reverse("portal:legal_notes"),
    reverse("portal:accessibility"),
    reverse("portal:contacts"),
]


@pytest.mark.django_db
@pytest.mark.parametrize("url", MEMBER_PAGES)
def test_anonymous_visitor_is_sent_to_login(client, url):
    response = client.get(url)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


@pytest.mark.django_db
@pytest.mark.parametrize("url", JOURNEY_PAGES)
def test_journey_steps_need_their_own_pending_step(client, url, member):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] in ("/accounts/login/", reverse("accounts:password_reset"))


@pytest.mark.django_db
@pytest.mark.parametrize("url", PUBLIC_PAGES)
def test_public_pages_show_no_member_data(client, url, member):
    page = client.get(url).content.decode()
    assert member.last_name not in page and member.code not in page


@pytest.mark.django_db
def test_panoramica_shows_only_the_signed_in_member(client, member, other_member):
    client.force_login(other_member.user)
    page = client.get("/").content.decode()
    assert other_member.full_name in page and other_member.code in page
    assert member.full_name not in page and member.code not in page and member.email not in page
    assert "Sofia" not in page  # the other member's child


@pytest.mark.django_db
def test_another_members_pending_first_access_cannot_be_reached(client, new_member, other_member):
    """A first-access session belongs to the browser that entered the derived password, and to nobody else."""
    owner = client.__class__()
    owner.post(
        "/accounts/login/",
        {
            "login": new_member.code,
            "password": first_access_password(username=new_member.code, fiscal_code=new_member.fiscal_code),
        },
    )
    assert new_member.first_name in owner.get(reverse("accounts:first_access")).content.decode()
    client.force_login(other_member.user)
    for url in JOURNEY_PAGES:
        response = client.get(url)
        assert response.status_code == 302
        assert new_member.first_name not in response.content.decode()


@pytest.mark.django_db
def test_staff_without_member_record_sees_no_member_page(client, operator):
    client.force_login(operator)
    page = client.get("/").content.decode()
    assert "Area operatori" in page


@pytest.mark.django_db
def test_admin_needs_staff(client, member):
    client.force_login(member.user)
    response = client.get("/admin/")
    assert response.status_code == 302 and "login" in response["Location"]


@pytest.mark.django_db
def test_unknown_page_is_a_friendly_404(client, member, settings):
    client.force_login(member.user)
    response = client.get("/non-esiste/")
    assert response.status_code == 404
    assert "Pagina non trovata" in response.content.decode()


BACKOFFICE_PAGES = [
    reverse("backoffice:worklist"),
    reverse("backoffice:claim_review", args=[1]),
    reverse("backoffice:claim_take", args=[1]),
    reverse("backoffice:claim_suspend", args=[1]),
    reverse("backoffice:claim_block", args=[1]),
    reverse("backoffice:claim_resume", args=[1]),
    reverse("backoffice:claim_reject", args=[1]),
    reverse("backoffice:claim_cancel", args=[1]),
    reverse("backoffice:attachment_inline", args=[1]),
    reverse("backoffice:booking_worklist"),
    reverse("backoffice:booking_review", args=[1]),
    reverse("backoffice:booking_take", args=[1]),
    reverse("backoffice:booking_refuse", args=[1]),
    reverse("backoffice:booking_attachment_inline", args=[1]),
    reverse("backoffice:audit_search"),
]


@pytest.mark.django_db
@pytest.mark.parametrize("url", BACKOFFICE_PAGES)
def test_backoffice_is_closed_to_anonymous_visitors_and_members(client, url, member):
    response = client.get(url)
    assert response.status_code == 302 and response["Location"].startswith(reverse("backoffice:login"))
    client.force_login(member.user)
    assert client.get(url).status_code == 404
    assert client.post(url).status_code == 404
