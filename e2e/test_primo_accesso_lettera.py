"""Primo accesso with an activation letter: the registry has no e-mail or mobile for the member, so an operator
issues a letter (a PDF) from the back office; the member types its code after the first-access password."""

from __future__ import annotations

import io
import re

from playwright.sync_api import Browser, Page, expect
from pypdf import PdfReader

from e2e.helpers import LOGIN_PATH, OUTBOX_PATH, expect_italian, fill_login, read_code, watch_context
from e2e.test_backoffice import operator_signs_in
from e2e.test_primo_accesso import NEW_PASSWORD, choose_consent, publish_privacy_notice
from mutua.accounts.models import Role
from mutua.accounts.tests.factories import totp_enable
from mutua.demo.catalogue import OPERATOR_PASSWORD, OPERATOR_USERNAME
from mutua.members.tests.factories import NewMemberFactory, UserFactory

EMAIL = "paolo.bianchi@esempio.it"


def test_primo_accesso_con_la_lettera_di_attivazione(
    page: Page, browser: Browser, base_url_live: str, check_page, browser_problems: list[str]
) -> None:
    publish_privacy_notice()
    member = NewMemberFactory(
        user__username="000000004321", first_name="Paolo", last_name="Bianchi", email="", mobile=""
    )
    operator = UserFactory(username=OPERATOR_USERNAME, role=Role.OPERATOR, first_name="Olga", last_name="Neri")
    operator.set_password(OPERATOR_PASSWORD)
    operator.save(update_fields=["password"])
    secret = totp_enable(operator)

    # The operator: "Soci: primo accesso", the members still to complete it, Paolo's letter.
    operator_signs_in(page, base_url_live, secret, check_page)
    page.get_by_role("link", name="Soci: primo accesso").click()
    expect(page.get_by_role("heading", name="Soci: primo accesso", level=1)).to_be_visible()
    page.get_by_label("Primo accesso").select_option("todo")
    page.get_by_role("button", name="Cerca").click()
    row = page.get_by_test_id("socio").filter(has_text="Bianchi Paolo")
    expect(row).to_contain_text("nessuno")
    expect(row.get_by_test_id("primo-accesso")).to_have_text("Da completare")
    check_page(page, "soci")
    row.get_by_role("link", name="Emetti la lettera per Paolo Bianchi").click()
    expect(page.get_by_role("heading", name="Lettera di attivazione per Paolo Bianchi", level=1)).to_be_visible()
    expect(page.locator("main")).to_contain_text("non ha né email né cellulare")
    check_page(page, "lettera-conferma")
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Emetti e scarica la lettera (PDF)").click()
    download = download_info.value
    assert download.suggested_filename == "lettera-attivazione-000000004321.pdf"
    with open(download.path(), "rb") as handle:
        text = PdfReader(io.BytesIO(handle.read())).pages[0].extract_text()
    assert "Paolo Bianchi" in text and "000000004321" in text
    code = re.search(r"\b([A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4})\b", text).group(1)

    # The member, in another browser: the first-access password, then the letter's code.
    member_context = browser.new_context(locale="it-IT")
    watch_context(member_context, browser_problems)
    mpage = member_context.new_page()
    mpage.goto(base_url_live + LOGIN_PATH)
    fill_login(mpage, "4321", "04321" + member.fiscal_code[-5:])
    expect(mpage).to_have_url(base_url_live + "/accesso/primo-accesso/")
    expect(mpage.get_by_text("Benvenuto/a Paolo Bianchi!")).to_be_visible()
    expect(mpage.locator("main")).to_contain_text("codice di attivazione")
    expect(mpage.locator("#id_new_password1")).to_have_count(0)
    expect_italian(mpage)
    check_page(mpage, "primo-accesso-lettera")
    mpage.get_by_label("Codice di attivazione").fill("123456")
    mpage.get_by_role("button", name="Prosegui").click()
    expect(mpage.locator("#id_code-error")).to_contain_text("Il codice di attivazione non è corretto")
    check_page(mpage, "primo-accesso-lettera-errato")
    mpage.get_by_label("Codice di attivazione").fill(code.lower().replace("-", " "))
    mpage.get_by_role("button", name="Prosegui").click()

    # The guide's journey: password, contacts (none from the registry), consent; then the codes to the new ones.
    expect(mpage.locator("#id_email")).to_have_value("")
    mpage.locator("#id_new_password1").fill(NEW_PASSWORD)
    mpage.locator("#id_new_password2").fill(NEW_PASSWORD)
    mpage.locator("#id_email").fill(EMAIL)
    mpage.locator("#id_mobile").fill("333 765 4321")
    choose_consent(mpage)
    mpage.get_by_role("button", name="Prosegui").click()
    expect(mpage.get_by_role("heading", name="Validazione email e cellulare", level=1)).to_be_visible()
    mpage.get_by_role("button", name="Procedi").click()
    mpage.get_by_role("button", name="Procedi").click()
    outbox = member_context.new_page()
    outbox.goto(base_url_live + OUTBOX_PATH)
    email_code = read_code(outbox, channel="email", to_contains=EMAIL)
    sms_code = read_code(outbox, channel="sms", to_contains="3337654321")
    outbox.close()
    mpage.locator("#id_email_code").fill(email_code)
    mpage.locator("#id_sms_code").fill(sms_code)
    mpage.get_by_role("button", name="Verifica").click()
    mpage.get_by_role("button", name="Continua via web").click()
    expect(mpage).to_have_url(base_url_live + "/")
    expect(mpage.get_by_test_id("user-name")).to_have_text("Paolo Bianchi")
    member_context.close()

    # The operator sees how Paolo completed first access.
    page.goto(base_url_live + "/backoffice/soci/?q=4321")
    row = page.get_by_test_id("socio").filter(has_text="Bianchi Paolo")
    expect(row.get_by_test_id("primo-accesso")).to_contain_text("Completato il")
    expect(row.get_by_test_id("primo-accesso")).to_contain_text("con lettera di attivazione")
    check_page(page, "soci-completato")
