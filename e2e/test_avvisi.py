"""Profilo, "Avvisi": the member chooses the channels of each kind of notice; the outbox follows the choice and
shows each e-mail as the member receives it."""

from __future__ import annotations

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from e2e.helpers import OUTBOX_PATH, expect_italian, sign_in
from mutua.claims.models import ClaimStatus
from mutua.claims.services import claim_transition
from mutua.claims.tests.factories import ClaimFactory
from mutua.members.models import Member
from mutua.members.tests.factories import MemberFactory
from mutua.notifications.models import OutboundMessage


def test_avvisi_solo_nel_portale_per_le_pratiche_e_anteprima_della_email(
    page: Page, base_url_live: str, check_page, browser_problems: list[str], settings
) -> None:
    settings.MUTUA_SHOW_OUTBOX = True
    settings.MUTUA_PUBLIC_URL = base_url_live  # the links and the logo of the e-mails
    member = MemberFactory(user__username="000000012345", first_name="Mario", last_name="Rossi")
    sign_in(page, base_url_live, "12345")
    page.locator(".mutua-user-menu summary").click()
    page.get_by_role("link", name="Profilo", exact=True).click()
    expect_italian(page)
    section = page.get_by_test_id("avvisi")
    expect(section.get_by_role("heading", name="Avvisi", level=2)).to_be_visible()
    expect(section.get_by_role("note")).to_contain_text("ti arrivano sempre")
    check_page(page, "profilo-avvisi")

    pratiche = section.get_by_role("group", name="Pratiche")
    expect(pratiche.get_by_role("radio", name="E-mail e SMS")).to_be_checked()
    # Bootstrap Italia draws radios on their labels, which take the click as a pointer would.
    pratiche.get_by_text("Solo nel portale", exact=True).click()
    section.get_by_role("group", name="Prenotazioni").get_by_text("Solo e-mail", exact=True).click()
    section.get_by_role("button", name="Salva le preferenze").click()

    expect(page.get_by_text("Preferenze sugli avvisi salvate.")).to_be_visible()
    expect(
        page.get_by_test_id("avvisi")
        .get_by_role("group", name="Pratiche")
        .get_by_role("radio", name="Solo nel portale")
    ).to_be_checked()
    check_page(page, "profilo-avvisi-salvati")
    stored = Member.objects.get(pk=member.pk)
    assert (stored.notify_claims, stored.notify_bookings) == ("portal", "email")

    # A claim moves: the bell has it, the outbox has no e-mail or SMS about it.
    claim = ClaimFactory(member=stored)
    claim_transition(claim=claim, to_status=ClaimStatus.SUBMITTED, actor=stored.user)
    page.goto(base_url_live + OUTBOX_PATH)
    expect(page.get_by_role("heading", name="Posta in uscita", level=1)).to_be_visible()
    expect(page.locator("tr[data-channel]").filter(has_text=f"Pratica n. {claim.pk}")).to_have_count(0)

    # Back to e-mail: the next move's e-mail is in the outbox, and its HTML opens as the member sees it.
    stored.notify_claims = "email"
    stored.save(update_fields=["notify_claims"])
    claim_transition(claim=claim, to_status=ClaimStatus.CANCELLED, actor=stored.user)
    page.reload()
    row = page.locator('tr[data-channel="email"]').filter(has_text=f"Pratica n. {claim.pk} annullata")
    expect(row).to_have_count(1)
    check_page(page, "posta-in-uscita")
    row.get_by_test_id("outbox-html").click()
    expect(page.get_by_role("heading", name=f"Pratica n. {claim.pk} annullata", level=1)).to_be_visible()
    expect(page.get_by_role("link", name=f"{base_url_live}/pratiche/{claim.pk}/")).to_be_visible()
    # The e-mail's own layout (inline styles, no stylesheet), as a mail program shows it: the preview's sandbox runs
    # no script, so axe checks the same HTML in a page of its own.
    problems = [p for p in browser_problems if "/favicon.ico" not in p]  # a mail program asks for no favicon
    assert not problems, problems
    html = OutboundMessage.objects.get(channel="email", subject__contains=f"Pratica n. {claim.pk} annullata").html_body
    mail = page.context.new_page()
    mail.set_content(html)
    assert mail.locator("img").evaluate("img => img.complete && img.naturalWidth > 0")  # the logo
    results = Axe().run(mail)
    assert results.violations_count == 0, results.generate_snapshot()


def test_email_non_recapitabile_banner_e_aggiornamento(page: Page, base_url_live: str, check_page) -> None:
    member = MemberFactory(user__username="000000012345", first_name="Mario", last_name="Rossi")
    Member.objects.filter(pk=member.pk).update(email_bounced=member.email, email_bounce_reason="bounced: 5.1.1")
    sign_in(page, base_url_live, "12345")

    banner = page.get_by_test_id("email-non-recapitabile")
    expect(banner).to_contain_text("Non riusciamo a scriverti per e-mail.")
    expect(banner).to_contain_text(member.email)
    check_page(page, "banner-email-non-recapitabile")
    banner.get_by_role("link", name="Aggiorna l'indirizzo e-mail").click()
    expect(page).to_have_url(base_url_live + "/dati-anagrafici/aggiorna/")
