"""Primo accesso: the whole journey of a member who has never signed in, reading the codes from the outbox."""

from __future__ import annotations

import importlib

from django.apps import apps as django_apps
from playwright.sync_api import Page, expect

from e2e.helpers import LOGIN_PATH, OUTBOX_PATH, expect_italian, fill_login, read_code
from mutua.members.tests.factories import NewMemberFactory

RULE_MESSAGE = (
    "La password deve essere lunga almeno 8 caratteri e contenere almeno un numero, "
    "un carattere maiuscolo e uno minuscolo."
)
NEW_PASSWORD = "NuovaPass2026"
NEW_EMAIL = "anna.verdi@esempio.it"


def choose_consent(page: Page) -> None:
    # Bootstrap Italia draws the radio on its label, which takes the click like a member's pointer would.
    page.get_by_text("Acconsento", exact=True).click()
    expect(page.get_by_label("Acconsento", exact=True)).to_be_checked()


def publish_privacy_notice() -> None:
    """The notice of data migration members/0002: transactional_db's flush after an earlier test removed it."""
    importlib.import_module("mutua.members.migrations.0002_privacy_notice_v1").create(django_apps, None)


def test_primo_accesso_completo(page: Page, base_url_live: str, check_page) -> None:
    publish_privacy_notice()
    member = NewMemberFactory(user__username="000000003423", first_name="Anna", last_name="Verdi")
    first_access_password = "03423" + member.fiscal_code.upper()[-5:]  # the guide: like 03423G209D

    # Login page: the short username and the derived password.
    page.goto(base_url_live + LOGIN_PATH)
    expect_italian(page)
    check_page(page, "login")
    fill_login(page, "3423", first_access_password)

    # Primo accesso, first the proof: a code went to the registry's e-mail and mobile, shown only masked.
    expect(page).to_have_url(base_url_live + "/accesso/primo-accesso/")
    expect(page.get_by_role("heading", name="Primo accesso", level=1)).to_be_visible()
    expect_italian(page)
    expect(page.get_by_text("Benvenuto/a Anna Verdi!")).to_be_visible()
    expect(page.get_by_test_id("proof-contacts")).to_contain_text("so•••@esempio.it, ••• ••• 4567")
    expect(page.locator("#id_new_password1")).to_have_count(0)  # nothing can be set before the code
    check_page(page, "primo-accesso-codice")
    outbox = page.context.new_page()
    outbox.goto(base_url_live + OUTBOX_PATH)
    proof_code = read_code(outbox, channel="email", to_contains="socio000000003423@esempio.it")
    assert read_code(outbox, channel="sms", to_contains="3331234567") == proof_code
    outbox.close()
    page.bring_to_front()
    page.get_by_label("Codice di verifica").fill("000000" if proof_code != "000000" else "111111")
    page.get_by_role("button", name="Prosegui").click()
    expect(page.locator("#id_code-error")).to_contain_text("Il codice non è corretto")
    check_page(page, "primo-accesso-codice-errato")
    page.get_by_label("Codice di verifica").fill(proof_code)
    page.get_by_role("button", name="Prosegui").click()

    # Then the guide's page: contacts prefilled from the registry.
    expect(page.get_by_text("Benvenuto/a Anna Verdi!")).to_be_visible()
    expect(page.locator("#id_email")).to_have_value("socio000000003423@esempio.it")
    expect(page.locator("#id_mobile")).to_have_value("333 123 4567")
    expect(page.get_by_role("region", name="Informativa privacy")).to_contain_text("Regolamento UE 2016/679")
    expect(page.get_by_text("Informativa versione 2026.1")).to_be_visible()
    check_page(page, "primo-accesso")

    # A weak password: the guide's rule appears next to the field.
    page.locator("#id_new_password1").fill("debole")
    page.locator("#id_new_password2").fill("debole")
    page.locator("#id_mobile").fill("333 765 4321")
    choose_consent(page)
    page.get_by_role("button", name="Prosegui").click()
    expect(page).to_have_url(base_url_live + "/accesso/primo-accesso/")
    password1 = page.locator("#id_new_password1")
    expect(password1).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#id_new_password1-error")).to_contain_text(RULE_MESSAGE)
    expect(password1).to_have_attribute("aria-describedby", "id_new_password1-help id_new_password1-error")
    expect(page.locator("#id_email")).to_have_value("socio000000003423@esempio.it")
    check_page(page, "primo-accesso-password-debole")

    # A valid password; keep the e-mail, set a mobile, consent.
    password1.fill(NEW_PASSWORD)
    page.locator("#id_new_password2").fill(NEW_PASSWORD)
    page.locator("#id_mobile").fill("333 765 4321")
    choose_consent(page)
    page.get_by_role("button", name="Prosegui").click()

    # Validazione email e cellulare, step 1: check the contacts.
    expect(page).to_have_url(base_url_live + "/accesso/verifica-contatti/")
    expect(page.get_by_role("heading", name="Validazione email e cellulare", level=1)).to_be_visible()
    expect_italian(page)
    expect(page.locator("#id_email")).to_have_value("socio000000003423@esempio.it")
    expect(page.locator("#id_mobile")).to_have_value("333 765 4321")
    check_page(page, "verifica-contatti")
    page.get_by_role("button", name="Procedi").click()

    # Step 2: the summary; go back once to change the e-mail.
    expect(page.get_by_test_id("confirm-email")).to_have_text("socio000000003423@esempio.it")
    expect(page.get_by_test_id("confirm-mobile")).to_have_text("333 765 4321")
    expect(page.get_by_role("button", name="Indietro")).to_be_visible()
    check_page(page, "riepilogo-contatti")
    page.get_by_role("button", name="Indietro").click()

    expect(page.locator("#id_email")).to_have_value("socio000000003423@esempio.it")
    page.locator("#id_email").fill(NEW_EMAIL)
    page.get_by_role("button", name="Procedi").click()
    expect(page.get_by_test_id("confirm-email")).to_have_text(NEW_EMAIL)
    expect(page.get_by_test_id("confirm-mobile")).to_have_text("333 765 4321")
    page.get_by_role("button", name="Procedi").click()

    # Step 3: the codes page; read both codes in the outbox, in a second tab.
    expect(page.locator("#id_email_code")).to_be_visible()
    expect(page.locator("main")).to_contain_text(NEW_EMAIL)
    expect(page.locator("main")).to_contain_text("333 765 4321")
    expect_italian(page)
    check_page(page, "inserisci-codici")

    outbox = page.context.new_page()
    outbox.goto(base_url_live + OUTBOX_PATH)
    expect_italian(outbox)
    check_page(outbox, "posta-in-uscita")
    email_code = read_code(outbox, channel="email", to_contains=NEW_EMAIL)
    sms_code = read_code(outbox, channel="sms", to_contains="3337654321")
    outbox.close()
    page.bring_to_front()

    # A wrong SMS code first: the error sits next to that field only.
    wrong_sms = "000000" if sms_code != "000000" else "111111"
    page.locator("#id_email_code").fill(email_code)
    page.locator("#id_sms_code").fill(wrong_sms)
    page.get_by_role("button", name="Verifica").click()
    sms_field = page.locator("#id_sms_code")
    expect(sms_field).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#id_sms_code-error")).to_contain_text("Il codice non è corretto")
    expect(page.locator("#id_email_code-error")).to_have_count(0)
    check_page(page, "codice-sms-errato")

    page.locator("#id_email_code").fill(email_code)
    sms_field.fill(sms_code)
    page.get_by_role("button", name="Verifica").click()

    # Step 4: done.
    expect(page.get_by_role("heading", name="Verifica completata", level=1)).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text("eseguita correttamente")
    expect_italian(page)
    check_page(page, "verifica-completata")
    page.get_by_role("button", name="Continua via web").click()

    # Panoramica.
    expect(page).to_have_url(base_url_live + "/")
    expect(page.get_by_role("heading", name="Panoramica", level=1)).to_be_visible()
    expect(page.get_by_test_id("user-name")).to_have_text("Anna Verdi")
    expect(page.get_by_text("Benvenuto/a Anna Verdi")).to_be_visible()
    expect(page.get_by_test_id("member-code")).to_have_text("000000003423")
    expect(page.locator("main")).to_contain_text(NEW_EMAIL)
    expect_italian(page)
    check_page(page, "panoramica")

    # Log out from the header, then sign in again with the new password.
    page.get_by_role("button", name="Esci", exact=True).click()
    expect(page).to_have_url(base_url_live + LOGIN_PATH)
    expect(page.get_by_test_id("user-name")).to_have_count(0)
    expect_italian(page)
    fill_login(page, "3423", NEW_PASSWORD)
    expect(page).to_have_url(base_url_live + "/")
    expect(page.get_by_test_id("user-name")).to_have_text("Anna Verdi")
