"""Accesso all'area soci: short username, wrong password, letters in the username, first-access instructions."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from e2e.helpers import LOGIN_PATH, expect_italian, fill_login
from mutua.members.tests.factories import MemberFactory

GENERIC_ERROR = "La password non è corretta oppure la username non è registrata"


def test_login_con_username_breve(page: Page, base_url_live: str, check_page) -> None:
    MemberFactory(user__username="000000012345", first_name="Mario", last_name="Rossi")

    page.goto(base_url_live + LOGIN_PATH)
    expect(page.get_by_role("heading", name="Accesso all'area soci", level=1)).to_be_visible()
    expect_italian(page)
    check_page(page, "login")

    fill_login(page, "12345", "Segreta123")  # the guide: we add the leading zeros

    expect(page).to_have_url(base_url_live + "/")
    expect(page.get_by_role("heading", name="Panoramica", level=1)).to_be_visible()
    expect(page.get_by_test_id("user-name")).to_have_text("Mario Rossi")
    expect(page.get_by_test_id("member-code")).to_have_text("000000012345")
    check_page(page, "panoramica")


def test_password_errata_messaggio_generico_e_suggerimenti(page: Page, base_url_live: str, check_page) -> None:
    member = MemberFactory(user__username="000000012345")

    page.goto(base_url_live + LOGIN_PATH)
    fill_login(page, "12345", "Sbagliata1")

    expect(page).to_have_url(base_url_live + LOGIN_PATH)
    expect_italian(page)
    expect(page.locator("#form-errors")).to_contain_text(GENERIC_ERROR)
    hints = page.locator("#login-hints")
    expect(hints).to_contain_text("Non riesci ad accedere?")
    expect(hints).to_contain_text("Caps Lock")
    expect(hints).to_contain_text("spazi prima o dopo la password")
    expect(hints).to_contain_text("ultimi 5 numeri della username seguiti dagli ultimi 5 caratteri")
    expect(hints).to_contain_text("Password dimenticata?")
    expect(page.locator("#id_login")).to_have_value("12345")  # what the member typed is kept
    check_page(page, "password-errata")

    # An unknown username gets the very same message: no hint about which accounts exist.
    fill_login(page, "999999999999", "Sbagliata1")
    expect(page.locator("#form-errors")).to_contain_text(GENERIC_ERROR)
    expect(page.locator("#login-hints")).to_contain_text("Caps Lock")

    # The right password still works afterwards.
    fill_login(page, member.code, "Segreta123")
    expect(page).to_have_url(base_url_live + "/")


def test_lettere_nella_username(page: Page, base_url_live: str, check_page) -> None:
    MemberFactory(user__username="000000012345")

    page.goto(base_url_live + LOGIN_PATH)
    fill_login(page, "abc123", "Segreta123")

    expect_italian(page)
    username = page.locator("#id_login")
    expect(username).to_have_attribute("aria-invalid", "true")
    error = page.locator("#id_login-error")
    expect(error).to_contain_text("La username contiene solo cifre")
    expect(error).to_contain_text("000000003423")
    expect(username).to_have_attribute("aria-describedby", "id_login-help id_login-error")
    check_page(page, "username-con-lettere")


def test_istruzioni_sul_primo_accesso(page: Page, base_url_live: str, check_page) -> None:
    page.goto(base_url_live + LOGIN_PATH)
    page.get_by_role("link", name="Istruzioni sul primo accesso").click()

    expect(page).to_have_url(base_url_live + "/accesso/primo-accesso/istruzioni/")
    expect(page.get_by_role("heading", name="Istruzioni sul primo accesso", level=1)).to_be_visible()
    expect_italian(page)
    expect(page.get_by_text("La username è composta da 12 cifre")).to_be_visible()
    expect(page.locator("main")).to_contain_text("03423G209D")
    check_page(page, "istruzioni")

    page.get_by_role("link", name="Vai all'accesso").click()
    expect(page).to_have_url(base_url_live + LOGIN_PATH)
    expect(page.get_by_role("heading", name="Accesso all'area soci", level=1)).to_be_visible()
