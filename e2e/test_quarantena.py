"""A claim's file the antivirus quarantined, as the operator and the member see it in Chromium (axe included)."""

from __future__ import annotations

from playwright.sync_api import Browser, Page, expect

from e2e.helpers import sign_in, take_expected_problem, watch_context
from e2e.test_backoffice import operator_signs_in, sent_claim
from mutua.accounts.models import Role
from mutua.accounts.tests.factories import totp_enable
from mutua.claims.models import Attachment
from mutua.demo.catalogue import OPERATOR_PASSWORD, OPERATOR_USERNAME
from mutua.documents.models import ScanStatus
from mutua.members.tests.factories import MemberFactory, UserFactory


def test_un_file_in_quarantena_non_si_apre_e_lo_dice(
    page: Page, browser: Browser, base_url_live: str, check_page, browser_problems: list[str]
) -> None:
    member = MemberFactory(user__username="000000012345", first_name="Mario", last_name="Rossi")
    claim = sent_claim(member)
    attachment = Attachment.objects.get(document__claim=claim)
    # As the worker's scan leaves it (mutua/claims/tests/test_quarantine.py scans the EICAR file with clamd).
    Attachment.objects.filter(pk=attachment.pk).update(
        scan_status=ScanStatus.INFECTED, scan_signature="Eicar-Test-Signature"
    )
    operator = UserFactory(username=OPERATOR_USERNAME, role=Role.OPERATOR)
    operator.set_password(OPERATOR_PASSWORD)
    operator.save(update_fields=["password"])
    secret = totp_enable(operator)

    operator_signs_in(page, base_url_live, secret, check_page)
    page.goto(f"{base_url_live}/backoffice/pratiche/{claim.pk}/")
    alert = page.get_by_test_id("file-in-quarantena")
    expect(alert).to_contain_text("«fattura-45.pdf» è in quarantena")
    expect(alert).to_contain_text("Eicar-Test-Signature")
    expect(page.locator("iframe")).to_have_count(0)
    check_page(page, "esame-pratica-file-in-quarantena")
    page.goto(f"{base_url_live}/backoffice/allegati/{attachment.pk}/")
    expect(page.get_by_test_id("file-non-disponibile")).to_contain_text("«fattura-45.pdf» è in quarantena")
    take_expected_problem(browser_problems, r"(HTTP 409 GET |console error from ).*/allegati/")

    member_context = browser.new_context(locale="it-IT")
    watch_context(member_context, browser_problems)
    mpage = member_context.new_page()
    sign_in(mpage, base_url_live, "12345")
    mpage.goto(f"{base_url_live}/pratiche/{claim.pk}/")
    expect(mpage.get_by_test_id("file-in-quarantena")).to_have_text("in quarantena")
    check_page(mpage, "socio-pratica-file-in-quarantena")
    mpage.goto(f"{base_url_live}/allegati/{attachment.pk}/")
    expect(mpage.get_by_role("heading", name="File in quarantena", level=1)).to_be_visible()
    take_expected_problem(browser_problems, r"(HTTP 409 GET |console error from ).*/allegati/")
    check_page(mpage, "socio-file-in-quarantena")
    member_context.close()
