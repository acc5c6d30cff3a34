"""Profilo: from the menu under the member's name; photo, password, signed-in sessions."""

from __future__ import annotations

import re

from playwright.sync_api import Browser, Page, expect

from e2e.helpers import LOGIN_PATH, expect_italian, fill_login
from mutua.audit.models import AuditEvent
from mutua.documents.tests import samples
from mutua.members.tests.factories import MemberFactory

FIREFOX_WINDOWS = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0"


def sign_in(page: Page, base_url: str, password: str = "Segreta123") -> None:
    page.goto(base_url + LOGIN_PATH)
    fill_login(page, "12345", password)
    expect(page.get_by_role("heading", name="Panoramica", level=1)).to_be_visible()


def open_profile(page: Page) -> None:
    page.locator(".mutua-user-menu summary").click()
    page.get_by_role("link", name="Profilo", exact=True).click()
    expect(page.get_by_role("heading", name="Profilo", level=1)).to_be_visible()


def choose_photo(page: Page, name: str, content: bytes, mime: str = "image/jpeg") -> None:
    page.get_by_label("Foto").set_input_files(files=[{"name": name, "mimeType": mime, "buffer": content}])
    page.get_by_role("button", name="Salva la foto").click()


def natural_width(page: Page, test_id: str) -> int:
    return page.get_by_test_id(test_id).evaluate("img => img.complete ? img.naturalWidth : -1")


def test_foto_carica_sostituisci_rimuovi(page: Page, base_url_live: str, check_page) -> None:
    MemberFactory(user__username="000000012345", first_name="Mario", last_name="Rossi")
    sign_in(page, base_url_live)
    expect(page.get_by_test_id("header-photo")).to_have_count(0)
    open_profile(page)
    expect_italian(page)
    check_page(page, "profilo")

    page.get_by_role("link", name="Carica una foto").click()
    expect(page.get_by_role("heading", name="Foto del profilo", level=1)).to_be_visible()
    check_page(page, "carica-foto")
    choose_photo(page, "IMG_0001.jpg", samples.jpeg_with_exif())

    expect(page).to_have_url(base_url_live + "/profilo/")
    expect(page.get_by_text("Foto del profilo salvata.")).to_be_visible()
    expect(page.get_by_test_id("header-photo")).to_be_visible()
    expect(page.get_by_test_id("profile-photo")).to_be_visible()
    assert natural_width(page, "header-photo") == 512 and natural_width(page, "profile-photo") == 512
    first_src = page.get_by_test_id("header-photo").get_attribute("src")
    assert re.fullmatch(r"/profilo/foto/immagine/\?v=[0-9a-f]{12}", first_src or "")
    check_page(page, "profilo-con-foto")

    # A web page renamed .jpg, then a file over 2 MB: refused next to the field, the old photo stays.
    page.get_by_role("link", name="Cambia foto").click()
    choose_photo(page, "finta.jpg", samples.HTML_PAGE)
    photo = page.get_by_label("Foto")
    expect(photo).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#id_photo-error")).to_have_text(
        "«finta.jpg» non è un'immagine valida: sono ammessi i formati JPEG e PNG."
    )
    check_page(page, "foto-non-valida")
    choose_photo(page, "enorme.jpg", samples.jpeg_bytes() + bytes(2 * 1024 * 1024))
    expect(page.locator("#id_photo-error")).to_have_text("«enorme.jpg» supera i 2 MB.")

    # Replace with a PNG.
    choose_photo(page, "nuova.png", samples.png_bytes(size=(300, 300)), mime="image/png")
    expect(page.get_by_text("Foto del profilo salvata.")).to_be_visible()
    second_src = page.get_by_test_id("header-photo").get_attribute("src")
    assert second_src != first_src
    assert natural_width(page, "header-photo") == 300

    # Remove.
    page.get_by_role("button", name="Rimuovi la foto").click()
    expect(page.get_by_text("Foto del profilo rimossa.")).to_be_visible()
    expect(page.get_by_test_id("header-photo")).to_have_count(0)
    expect(page.get_by_role("link", name="Carica una foto")).to_be_visible()
    assert page.request.get(base_url_live + second_src).status == 404
    assert AuditEvent.objects.filter(action="profile.photo_changed").count() == 2
    check_page(page, "profilo-senza-foto")


def test_modifica_la_password(page: Page, base_url_live: str, check_page) -> None:
    MemberFactory(user__username="000000012345", first_name="Mario", last_name="Rossi")
    sign_in(page, base_url_live)
    page.locator(".mutua-user-menu summary").click()
    page.get_by_role("link", name="Modifica la password").click()
    expect(page.get_by_role("heading", name="Modifica la password", level=1)).to_be_visible()
    expect_italian(page)
    check_page(page, "modifica-password")

    def submit(old: str, new: str, again: str) -> None:
        page.get_by_label("Password attuale").fill(old)
        page.get_by_label("Nuova password", exact=True).fill(new)
        page.get_by_label("Conferma la nuova password").fill(again)
        page.get_by_role("button", name="Salva la nuova password").click()

    submit("Sbagliata1", "Nuova2026ok", "Nuova2026ok")
    expect(page.locator("#id_oldpassword-error")).to_have_text("La password attuale non è corretta.")
    submit("Segreta123", "debole", "debole")
    expect(page.locator("#id_password1-error")).to_contain_text(
        "La password deve essere lunga almeno 8 caratteri e contenere almeno un numero"
    )
    check_page(page, "password-non-valida")
    submit("Segreta123", "Nuova2026ok", "Nuova2026no")
    expect(page.locator("#id_password2-error")).to_have_text("Le due password non coincidono.")
    submit("Segreta123", "Nuova2026ok", "Nuova2026ok")

    expect(page).to_have_url(base_url_live + "/profilo/")
    expect(page.get_by_text("Password modificata.")).to_be_visible()
    page.get_by_role("button", name="Esci", exact=True).click()
    sign_in(page, base_url_live, password="Nuova2026ok")


def test_termina_le_altre_sessioni(page: Page, browser: Browser, base_url_live: str, check_page) -> None:
    MemberFactory(user__username="000000012345", first_name="Mario", last_name="Rossi")
    sign_in(page, base_url_live)
    other_context = browser.new_context(locale="it-IT", user_agent=FIREFOX_WINDOWS)
    other = other_context.new_page()
    sign_in(other, base_url_live)

    open_profile(page)
    sessions = page.get_by_test_id("session")
    expect(sessions).to_have_count(2)
    expect(sessions.filter(has_text="Questo dispositivo")).to_contain_text("Chrome su Linux")
    firefox = sessions.filter(has_text="Firefox su Windows")
    expect(firefox).to_contain_text("127.0.0.1")
    expect(firefox).to_contain_text(re.compile(r"\d{2}/\d{2}/\d{4} \d{2}:\d{2}"))
    check_page(page, "sessioni")

    firefox.get_by_role("button", name="Termina").click()
    expect(page.get_by_text("Sessione terminata")).to_be_visible()
    expect(sessions).to_have_count(1)
    other.reload()
    expect(other.get_by_role("heading", name="Accesso all'area soci", level=1)).to_be_visible()

    # Back in on the other browser, which now ends every session but its own.
    sign_in(other, base_url_live)
    open_profile(other)
    other.get_by_role("button", name="Termina tutte le altre sessioni").click()
    expect(other.get_by_text("1 sessione terminata.")).to_be_visible()
    page.reload()
    expect(page.get_by_role("heading", name="Accesso all'area soci", level=1)).to_be_visible()
    other_context.close()


def test_il_menu_del_nome_si_chiude_seguendo_un_collegamento_alla_stessa_pagina(
    page: Page, base_url_live: str, check_page
) -> None:
    """On Profilo, "Sessioni attive" points into the same page: the menu closes and the page is at the section."""
    MemberFactory(user__username="000000012345", first_name="Mario", last_name="Rossi")
    page.set_viewport_size({"width": 390, "height": 844})  # a phone: the sessions are below the fold
    sign_in(page, base_url_live)
    open_profile(page)
    menu = page.locator("details.mutua-user-menu")
    sessions = page.get_by_role("heading", name="Sessioni attive", level=2)
    expect(menu).to_have_js_property("open", False)
    expect(sessions).not_to_be_in_viewport()

    menu.locator("summary").click()
    expect(menu).to_have_js_property("open", True)
    menu.get_by_role("link", name="Sessioni attive").click()

    expect(page).to_have_url(base_url_live + "/profilo/#sessioni")
    expect(menu).to_have_js_property("open", False)
    expect(menu.get_by_role("link", name="Sessioni attive")).to_be_hidden()
    expect(sessions).to_be_in_viewport()
    check_page(page, "menu-chiuso-alle-sessioni")
