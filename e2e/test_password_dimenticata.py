"""Password dimenticata: username, code read from the outbox, new password twice, sign in with it."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from e2e.helpers import LOGIN_PATH, OUTBOX_PATH, expect_italian, fill_login, read_code
from mutua.members.tests.factories import MemberFactory

NEW_PASSWORD = "Ricordata2026"


def test_password_dimenticata(page: Page, base_url_live: str, check_page) -> None:
    member = MemberFactory(user__username="000000012345", first_name="Mario", last_name="Rossi")

    page.goto(base_url_live + LOGIN_PATH)
    expect_italian(page)
    page.get_by_role("link", name="Password dimenticata?").click()

    # Username.
    expect(page).to_have_url(base_url_live + "/accesso/password-dimenticata/")
    expect(page.get_by_role("heading", name="Password dimenticata", level=1)).to_be_visible()
    expect_italian(page)
    check_page(page, "username")
    page.get_by_label("Username").fill("12345")
    page.get_by_role("button", name="Procedi").click()

    # Code: read it from the outbox, in a second tab.
    expect(page).to_have_url(base_url_live + "/accesso/password-dimenticata/codice/")
    expect(page.get_by_role("heading", name="Inserisci il codice di sicurezza", level=1)).to_be_visible()
    expect_italian(page)
    check_page(page, "codice")

    outbox = page.context.new_page()
    outbox.goto(base_url_live + OUTBOX_PATH)
    expect_italian(outbox)
    expect(outbox.locator("tr[data-channel=email]").first).to_contain_text("Codice per reimpostare la password")
    check_page(outbox, "posta-in-uscita")
    code = read_code(outbox, channel="email", to_contains=member.email)
    outbox.close()
    page.bring_to_front()

    page.get_by_label("Codice di sicurezza").fill(code)
    page.get_by_role("button", name="Procedi").click()

    # New password, first with a mismatch.
    expect(page).to_have_url(base_url_live + "/accesso/password-dimenticata/nuova-password/")
    expect(page.get_by_role("heading", name="Imposta la nuova password", level=1)).to_be_visible()
    expect_italian(page)
    check_page(page, "nuova-password")
    page.get_by_label("Nuova password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("Conferma la nuova password").fill(NEW_PASSWORD + "x")
    page.get_by_role("button", name="Procedi").click()

    confirm = page.locator("#id_new_password2")
    expect(confirm).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#id_new_password2-error")).to_contain_text("Le due password non coincidono.")
    check_page(page, "nuova-password-non-coincidono")
    page.get_by_label("Nuova password", exact=True).fill(NEW_PASSWORD)
    confirm.fill(NEW_PASSWORD)
    page.get_by_role("button", name="Procedi").click()

    # Confirmation.
    expect(page).to_have_url(base_url_live + "/accesso/password-dimenticata/completata/")
    expect(page.get_by_role("heading", name="Password aggiornata", level=1)).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text("Puoi entrare utilizzando la nuova password")
    expect_italian(page)
    check_page(page, "completata")
    page.get_by_role("link", name="Accedi", exact=True).click()

    # The old password no longer works; the new one does.
    expect(page).to_have_url(base_url_live + LOGIN_PATH)
    fill_login(page, "12345", "Segreta123")
    expect(page.locator("#form-errors")).to_contain_text("La password non è corretta")
    fill_login(page, "12345", NEW_PASSWORD)
    expect(page).to_have_url(base_url_live + "/")
    expect(page.get_by_role("heading", name="Panoramica", level=1)).to_be_visible()
    expect(page.get_by_test_id("user-name")).to_have_text("Mario Rossi")
