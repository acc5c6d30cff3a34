"""Dati anagrafici: from the menu under the member's name; Visualizza, Aggiorna (domicile, IBAN with step-up,
e-mail with the code read from the outbox) and Familiari."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from e2e.helpers import OUTBOX_PATH, expect_italian, read_code, sign_in, take_expected_problem
from mutua.members.models import Member, MemberChange, RegionalOffice
from mutua.members.tests.factories import BeneficiaryFactory, MemberFactory
from mutua.notifications.models import OutboundMessage

USERNAME = "000000012345"
NEW_IBAN = "IT60 X054 2811 1010 0000 0123 456"
FORM_SENT_BACK = (
    r"^HTTP 400 POST .*/dati-anagrafici/aggiorna/$|/dati-anagrafici/aggiorna/: .*status of 400 \(Bad Request\)$"
)
CODE_SENT_BACK = (
    r"^HTTP 400 POST .*/dati-anagrafici/verifica-contatti/$|/dati-anagrafici/verifica-contatti/: .*status of 400"
)


def make_member() -> Member:
    office = RegionalOffice.objects.create(
        code="PIE",
        name="Sede regionale Piemonte",
        region="Piemonte",
        address="Via Nizza 150, 10126 Torino",
        phone="011 123 4567",
        email="piemonte@mutua.example",
        opening_hours="lun-ven 9-13",
    )
    member: Member = MemberFactory(  # type: ignore[assignment]
        user__username=USERNAME, first_name="Mario", last_name="Rossi", regional_office=office
    )
    BeneficiaryFactory(member=member)
    return member


def open_personal_data(page: Page) -> None:
    page.locator(".mutua-user-menu summary").click()
    page.get_by_role("link", name="Dati anagrafici", exact=True).click()
    expect(page.get_by_role("heading", name="Dati anagrafici", level=1)).to_be_visible()


def open_update(page: Page) -> None:
    page.get_by_role("navigation", name="Sezioni dei dati anagrafici").get_by_role(
        "link", name="Aggiorna i dati anagrafici"
    ).click()
    expect(page.get_by_role("heading", name="Aggiorna i dati anagrafici", level=2)).to_be_visible()


def confirm_password(page: Page, check_page) -> None:
    expect(page.get_by_role("heading", name="Conferma la tua identità", level=1)).to_be_visible()
    check_page(page, "conferma-password")
    page.get_by_label("Password").fill("Segreta123")
    page.get_by_role("button", name="Conferma").click()


def test_aggiorna_domicilio(page: Page, base_url_live: str, check_page, browser_problems) -> None:
    member = make_member()
    sign_in(page, base_url_live, USERNAME)
    open_personal_data(page)
    expect_italian(page)
    expect(page.get_by_test_id("domicile")).to_have_text("Coincide con la residenza")
    expect(page.get_by_test_id("iban")).to_have_text(f"IT{member.iban[2:4]} **** **** {member.iban[-4:]}")
    expect(page.get_by_test_id("bank")).to_have_text("INTESA SANPAOLO S.P.A.")
    expect(page.get_by_test_id("regional-office")).to_contain_text("piemonte@mutua.example")
    check_page(page, "visualizza")

    open_update(page)
    check_page(page, "aggiorna")
    # Bootstrap Italia draws checkboxes and radios on their labels, which take the click as a pointer would.
    page.get_by_text("Il domicilio coincide con la residenza", exact=True).click()
    expect(page.get_by_label("Il domicilio coincide con la residenza")).not_to_be_checked()
    page.get_by_label("Indirizzo (via, piazza)").fill("Corso Francia")
    page.get_by_label("Numero civico").fill("12")
    page.get_by_label("CAP").fill("1014")  # a digit short
    page.get_by_label("Comune").fill("Torino")
    page.get_by_label("Provincia").select_option("TO")
    page.locator('label[for="id_postal_address_1"]').click()
    expect(page.get_by_label("Domicilio", exact=True)).to_be_checked()
    page.get_by_role("button", name="Conferma").click()

    expect(page.locator("#id_domicile_cap-error")).to_have_text("Il CAP è composto da 5 cifre.")
    expect(page.get_by_test_id("form-invalid")).to_be_visible()
    expect(page.get_by_label("Comune")).to_have_value("Torino")  # what was typed is kept
    take_expected_problem(browser_problems, FORM_SENT_BACK)
    check_page(page, "aggiorna-cap-errato")
    assert not MemberChange.objects.exists()

    page.get_by_label("CAP").fill("10143")
    page.get_by_role("button", name="Conferma").click()
    expect(page.get_by_text("I tuoi dati anagrafici sono stati aggiornati.")).to_be_visible()
    expect(page.get_by_test_id("domicile")).to_contain_text("Corso Francia 12")
    expect(page.get_by_test_id("domicile")).to_contain_text("10143 Torino (TO)")
    expect(page.get_by_test_id("postal-address")).to_have_text("Domicilio")
    check_page(page, "visualizza-aggiornato")
    assert MemberChange.objects.filter(member=member, field="domicile_cap", new_value="10143").exists()

    page.get_by_role("link", name="Visualizza i dati dei familiari").first.click()
    expect(page.get_by_role("heading", name="Visualizza i dati dei familiari", level=2)).to_be_visible()
    expect(page.get_by_test_id("family")).to_contain_text("Rossi Sofia")
    check_page(page, "familiari")

    page.set_viewport_size({"width": 390, "height": 844})
    for url, name in (
        ("/dati-anagrafici/", "telefono-visualizza"),
        ("/dati-anagrafici/aggiorna/", "telefono-aggiorna"),
    ):
        page.goto(base_url_live + url)
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), f"{name}: scrolls sideways"
        check_page(page, name)


def test_cambia_iban_con_conferma_password(page: Page, base_url_live: str, check_page) -> None:
    member = make_member()
    old_email = member.email
    sign_in(page, base_url_live, USERNAME)
    open_personal_data(page)
    open_update(page)
    page.get_by_label("Nuovo IBAN").fill(NEW_IBAN)
    page.get_by_label("Intestatario del conto").fill("Mario Rossi")
    page.get_by_role("button", name="Conferma").click()

    confirm_password(page, check_page)
    expect(page.get_by_text("I tuoi dati anagrafici sono stati aggiornati.")).to_be_visible()
    expect(page.get_by_test_id("iban")).to_have_text("IT60 **** **** 3456")
    expect(page.get_by_test_id("bank")).to_contain_text("Unione Di Banche Italiane")
    check_page(page, "iban-aggiornato")
    member.refresh_from_db()
    assert member.iban == NEW_IBAN.replace(" ", "")

    outbox = page.context.new_page()
    outbox.goto(base_url_live + OUTBOX_PATH)
    notice = outbox.locator('tr[data-channel="email"]').filter(has_text="Dati di pagamento modificati").first
    expect(notice).to_contain_text(old_email)
    expect(notice).to_contain_text("termina con 3456")
    outbox.close()


def test_cambia_email_con_verifica(page: Page, base_url_live: str, check_page, browser_problems) -> None:
    member = make_member()
    old_email = member.email
    sign_in(page, base_url_live, USERNAME)
    open_personal_data(page)
    open_update(page)
    page.get_by_label("Email").fill("mario.nuovo@esempio.it")
    page.get_by_role("button", name="Conferma").click()
    confirm_password(page, check_page)

    expect(page.get_by_role("heading", name="Verifica dei nuovi contatti", level=2)).to_be_visible()
    expect(page.get_by_text("mario.nuovo@esempio.it").first).to_be_visible()
    check_page(page, "verifica-contatti")
    # Until the code is entered, the verified address stays in use.
    member.refresh_from_db()
    assert member.email == old_email and member.pending_email == "mario.nuovo@esempio.it"

    page.get_by_label("Codice ricevuto via email").fill("000000")
    page.get_by_role("button", name="Verifica").click()
    expect(page.locator("#id_email_code-error")).to_contain_text("Il codice non è corretto")
    take_expected_problem(browser_problems, CODE_SENT_BACK)
    check_page(page, "verifica-codice-errato")

    outbox = page.context.new_page()
    outbox.goto(base_url_live + OUTBOX_PATH)
    code = read_code(outbox, channel="email", to_contains="mario.nuovo@esempio.it")
    outbox.close()
    page.get_by_label("Codice ricevuto via email").fill(code)
    page.get_by_role("button", name="Verifica").click()

    expect(page.get_by_text("La verifica è stata eseguita correttamente")).to_be_visible()
    expect(page.get_by_test_id("email")).to_have_text("mario.nuovo@esempio.it")
    check_page(page, "contatti-verificati")
    assert OutboundMessage.objects.filter(to=old_email, subject__contains="Contatti modificati").exists()
    assert MemberChange.objects.filter(member=member, field="email", new_value="mario.nuovo@esempio.it").exists()
