"""Autenticazione a due fattori: app codes computed with pyotp, recovery codes, disable; passkeys in Chromium."""

from __future__ import annotations

import time
from pathlib import Path

import pyotp
from playwright.sync_api import BrowserContext, Page, expect

from e2e.helpers import LOGIN_PATH, expect_italian, fill_login
from mutua.audit.models import AuditEvent
from mutua.members.tests.factories import MemberFactory
from mutua.notifications.models import OutboundMessage

PANORAMICA = "Panoramica"


def expect_panoramica(page: Page) -> None:
    expect(page.get_by_role("heading", name=PANORAMICA, level=1)).to_be_visible()
    expect(page.get_by_test_id("user-name")).to_have_text("Mario Rossi")


def sign_out(page: Page) -> None:
    page.get_by_role("button", name="Esci", exact=True).click()
    expect(page.get_by_role("heading", name="Accesso all'area soci", level=1)).to_be_visible()


def confirm_password(page: Page, check_page, name: str | None = None) -> None:
    expect(page.get_by_role("heading", name="Conferma la tua identità", level=1)).to_be_visible()
    if name:
        check_page(page, name)
    page.get_by_label("Password").fill("Segreta123")
    page.get_by_role("button", name="Conferma").click()


def subjects() -> list[str]:
    return list(OutboundMessage.objects.order_by("pk").values_list("subject", flat=True))


def test_abilita_accedi_con_codice_e_codice_di_recupero_disabilita(
    page: Page, context: BrowserContext, base_url_live: str, check_page
) -> None:
    MemberFactory(user__username="000000012345", first_name="Mario", last_name="Rossi")
    page.goto(base_url_live + LOGIN_PATH)
    fill_login(page, "12345", "Segreta123")
    expect_panoramica(page)

    # Panoramica: "Modifica il profilo" while 2FA is off leads to the Profilo section.
    page.get_by_role("link", name="Modifica il profilo").click()
    expect(page).to_have_url(base_url_live + "/profilo/#due-fattori")
    expect(page.get_by_test_id("2fa-status")).to_contain_text("non attiva")

    # Abilita: the password, then QR code and secret, then a first code.
    page.get_by_role("button", name="Abilita", exact=True).click()
    confirm_password(page, check_page, "conferma-password")
    expect(page.get_by_role("heading", name="Abilita l'autenticazione a due fattori", level=1)).to_be_visible()
    expect(page.get_by_role("img", name="QR code da inquadrare con l'app di autenticazione")).to_be_visible()
    expect_italian(page)
    check_page(page, "qr-code")
    secret = page.get_by_test_id("totp-secret").inner_text().strip()
    app = pyotp.TOTP(secret)  # the member's authenticator app: 6 digits, 30 seconds
    code_field = page.get_by_label("Codice di verifica")
    code_field.fill("000000")
    page.get_by_role("button", name="Attiva").click()
    expect(page.locator("#id_code-error")).to_contain_text("Il codice non è corretto.")
    check_page(page, "codice-errato")
    code_field.fill(app.now())
    page.get_by_role("button", name="Attiva").click()

    # Recovery codes: shown, copied, downloaded.
    expect(page.get_by_role("heading", name="Codici di recupero", level=1)).to_be_visible()
    expect(page.get_by_text("Autenticazione a due fattori attivata.")).to_be_visible()
    codes = page.get_by_test_id("recovery-codes").locator("code").all_inner_texts()
    assert len(codes) == 10 and all(len(c) == 8 and c.isdigit() for c in codes)
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=base_url_live)
    page.get_by_role("button", name="Copia i codici").click()
    expect(page.get_by_role("status").filter(has_text="Codici copiati")).to_be_visible()
    assert page.evaluate("navigator.clipboard.readText()").split() == codes
    with page.expect_download() as download:
        page.get_by_role("link", name="Scarica i codici").click()
    assert Path(download.value.path()).read_text().split() == codes
    check_page(page, "codici-di-recupero")
    sign_out(page)

    # Login: username and password, then the current code, "Entra".
    fill_login(page, "12345", "Segreta123")
    expect(page.get_by_role("heading", name="Autenticazione a due fattori", level=1)).to_be_visible()
    expect_italian(page)
    check_page(page, "codice-accesso")
    page.get_by_label("Codice dell'app di autenticazione").fill(app.at(time.time() + 30))  # the next 30 s step
    page.get_by_role("button", name="Entra").click()
    expect_panoramica(page)
    expect(page.get_by_role("link", name="Modifica il profilo")).to_have_count(0)
    sign_out(page)

    # "Usa un codice di recupero": each code once.
    fill_login(page, "12345", "Segreta123")
    page.get_by_role("button", name="Usa un codice di recupero").click()
    recovery = page.get_by_label("Codice di recupero")
    expect(recovery).to_be_visible()
    check_page(page, "codice-di-recupero")
    recovery.fill(codes[0])
    page.get_by_role("button", name="Entra").click()
    expect_panoramica(page)
    sign_out(page)
    fill_login(page, "12345", "Segreta123")
    page.get_by_role("button", name="Usa un codice di recupero").click()
    page.get_by_label("Codice di recupero").fill(codes[0])
    page.get_by_role("button", name="Entra").click()
    expect(page.locator("#id_code-error")).to_contain_text("Il codice non è corretto.")
    check_page(page, "codice-di-recupero-gia-usato")
    page.get_by_label("Codice di recupero").fill(codes[1])
    page.get_by_role("button", name="Entra").click()
    expect_panoramica(page)

    # Disabilita: the password again, then back to password-only login.
    page.locator(".mutua-user-menu summary").click()
    page.get_by_role("link", name="Profilo", exact=True).click()
    expect(page.get_by_test_id("2fa-status")).to_contain_text("attiva")
    expect(page.get_by_text("Ti restano 8 codici di recupero")).to_be_visible()
    check_page(page, "profilo-2fa-attiva")
    page.get_by_role("button", name="Disabilita", exact=True).click()
    confirm_password(page, check_page)
    expect(page.get_by_role("heading", name="Disabilita l'autenticazione a due fattori", level=1)).to_be_visible()
    check_page(page, "disabilita")
    page.get_by_role("button", name="Disabilita", exact=True).click()
    expect(page.get_by_text("App di autenticazione disattivata")).to_be_visible()
    check_page(page, "due-fattori-disattivata")
    sign_out(page)
    fill_login(page, "12345", "Segreta123")
    expect_panoramica(page)

    assert subjects() == [
        "Mutua Esempio SMS – Autenticazione a due fattori attivata",
        "Mutua Esempio SMS – Autenticazione a due fattori disattivata",
    ]
    assert AuditEvent.objects.filter(action="mfa.failed").count() == 1
    assert AuditEvent.objects.filter(action="account.login").count() == 5


def test_passkey_aggiunta_e_accesso_senza_password(
    page: Page, context: BrowserContext, base_url_live: str, check_page
) -> None:
    assert base_url_live.startswith("http://localhost:"), "WebAuthn needs a secure context: localhost, not an IP"
    MemberFactory(user__username="000000012345", first_name="Mario", last_name="Rossi")
    cdp = context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
                "automaticPresenceSimulation": True,
            }
        },
    )
    page.goto(base_url_live + LOGIN_PATH)
    fill_login(page, "12345", "Segreta123")
    expect_panoramica(page)
    page.goto(base_url_live + "/profilo/")
    page.get_by_role("link", name="Aggiungi una passkey").click()
    confirm_password(page, check_page)

    expect(page.get_by_role("heading", name="Aggiungi una passkey", level=1)).to_be_visible()
    expect(page.get_by_label("Usala anche per accedere senza password")).to_be_checked()
    check_page(page, "aggiungi-passkey")
    page.get_by_label("Nome della passkey").fill("Portatile")
    page.get_by_role("button", name="Aggiungi la passkey").click()

    # Recovery codes come with the first second factor.
    expect(page.get_by_role("heading", name="Codici di recupero", level=1)).to_be_visible()
    expect(page.get_by_text("Passkey aggiunta.")).to_be_visible()
    page.goto(base_url_live + "/profilo/")
    expect(page.get_by_text("Hai aggiunto 1 passkey.")).to_be_visible()
    page.get_by_role("link", name="Gestisci le passkey").click()
    expect(page.get_by_role("heading", name="Le tue passkey", level=1)).to_be_visible()
    row = page.get_by_test_id("passkeys").locator("tbody tr")
    expect(row).to_contain_text("Portatile")
    expect(row).to_contain_text("Accesso senza password e secondo fattore")
    check_page(page, "le-tue-passkey")
    sign_out(page)

    # "Accedi con una passkey": no username, no password.
    check_page(page, "login-con-passkey")
    page.get_by_role("button", name="Accedi con una passkey").click()
    expect_panoramica(page)
    sign_out(page)

    # With a password, the passkey is also the second factor.
    fill_login(page, "12345", "Segreta123")
    expect(page.get_by_role("heading", name="Autenticazione a due fattori", level=1)).to_be_visible()
    check_page(page, "secondo-fattore-passkey")
    page.get_by_role("button", name="Usa una passkey").click()
    expect_panoramica(page)

    # Rename it, confirming who we are with the passkey itself, then remove it.
    page.goto(base_url_live + "/accounts/2fa/webauthn/")
    page.get_by_role("link", name="Rinomina Portatile").click()
    expect(page.get_by_role("heading", name="Conferma la tua identità", level=1)).to_be_visible()
    page.get_by_role("link", name="Usa una passkey").click()
    expect(page.get_by_role("heading", name="Conferma la tua identità", level=1)).to_be_visible()
    check_page(page, "conferma-con-passkey")
    page.get_by_role("button", name="Usa una passkey").click()
    expect(page.get_by_role("heading", name="Rinomina la passkey", level=1)).to_be_visible()
    check_page(page, "rinomina-passkey")
    page.get_by_label("Nome della passkey").fill("Portatile di casa")
    page.get_by_role("button", name="Salva").click()
    expect(row).to_contain_text("Portatile di casa")
    page.get_by_role("link", name="Rimuovi Portatile di casa").click()
    expect(page.get_by_role("heading", name="Rimuovi la passkey", level=1)).to_be_visible()
    check_page(page, "rimuovi-passkey")
    page.get_by_role("button", name="Rimuovi", exact=True).click()
    expect(page.get_by_text("Passkey rimossa.")).to_be_visible()
    expect(page.get_by_text("Non hai ancora aggiunto passkey.")).to_be_visible()

    assert subjects() == ["Mutua Esempio SMS – Passkey aggiunta", "Mutua Esempio SMS – Passkey rimossa"]
    assert AuditEvent.objects.filter(action="mfa.passkey_added").get().data == {"name": "Portatile"}
    assert AuditEvent.objects.filter(action="mfa.passkey_removed").get().data == {"name": "Portatile di casa"}
