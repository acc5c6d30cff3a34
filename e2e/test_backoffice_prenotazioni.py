"""Back office, direct-form bookings and the audit log: an operator takes a booking in charge with an
authorization code and the member reads it on the booking page; a supervisor finds the operator's read in the
audit log, and the member sees it in "Accessi ai miei dati"."""

from __future__ import annotations

import datetime as dt
import re
import time

import pyotp
from playwright.sync_api import Browser, Page, expect

from e2e.helpers import fill_login, sign_in, take_expected_problem, watch_context
from mutua.accounts.models import Role
from mutua.accounts.tests.factories import totp_enable
from mutua.audit.models import AuditEvent
from mutua.bookings.models import Booking, BookingStatus
from mutua.bookings.tests.factories import sent_booking
from mutua.claims.tests.samples import pdf_upload
from mutua.members.tests.factories import MemberFactory, UserFactory

PHONE = {"width": 390, "height": 844}
STAFF_PASSWORD = "Operatore-Prova-2026"


def staff_signs_in(page: Page, base_url: str, username: str, secret: str) -> None:
    page.goto(base_url + "/backoffice/")
    expect(page.get_by_role("heading", name="Accesso operatori", level=1)).to_be_visible()
    fill_login(page, username, STAFF_PASSWORD)
    expect(page.get_by_role("heading", name="Autenticazione a due fattori", level=1)).to_be_visible()
    page.get_by_label("Codice dell'app di autenticazione").fill(pyotp.TOTP(secret).at(time.time()))
    page.get_by_role("button", name="Entra").click()
    expect(page.get_by_role("heading", name="Pratiche da lavorare", level=1)).to_be_visible()


def staff(username: str, role: str, first_name: str, last_name: str) -> str:
    user = UserFactory(username=username, role=role, first_name=first_name, last_name=last_name)
    user.set_password(STAFF_PASSWORD)
    user.save(update_fields=["password"])
    return totp_enable(user)


def test_presa_in_carico_con_codice_e_registro_degli_accessi(
    page: Page, browser: Browser, base_url_live: str, check_page, browser_problems: list[str]
) -> None:
    member = MemberFactory(user__username="000000012345", first_name="Mario", last_name="Rossi")
    booking = sent_booking(member, files=[pdf_upload("impegnativa.pdf", "Impegnativa del medico")])
    operator_secret = staff("operatore.prenotazioni", Role.OPERATOR, "Olga", "Neri")
    supervisor_secret = staff("supervisore.registro", Role.SUPERVISOR, "Sara", "Galli")
    day = booking.appointment_date
    assert day is not None

    # The operator: from the worklist to the bookings, the review with the prescription inline.
    staff_signs_in(page, base_url_live, "operatore.prenotazioni", operator_secret)
    page.get_by_role("link", name="Prenotazioni in forma diretta").click()
    expect(page.get_by_role("heading", name="Prenotazioni in forma diretta", level=1)).to_be_visible()
    expect(page.get_by_test_id("conteggi")).to_contain_text("Inviata 1")
    row = page.get_by_test_id("prenotazione").filter(has_text="Mario Rossi")
    expect(row).to_contain_text("Poliambulatorio San Luca")
    check_page(page, "prenotazioni-da-lavorare")
    row.get_by_role("link", name=f"n. {booking.pk}", exact=True).click()
    expect(page.get_by_test_id("dati-prenotazione")).to_contain_text("Visita cardiologica")
    expect(page.get_by_test_id("dati-socio")).to_contain_text(member.fiscal_code)
    expect(page.locator("iframe[title='impegnativa.pdf']")).to_be_visible()
    check_page(page, "esame-prenotazione")

    # "Prendi in carico": a validity that misses the appointment is refused next to the field.
    page.get_by_test_id("azioni").get_by_role("link", name="Prendi in carico").click()
    expect(page.get_by_role("heading", name=f"Prendi in carico la prenotazione n. {booking.pk}")).to_be_visible()
    expect(page.get_by_label("Valida dal")).to_have_value(day.isoformat())
    check_page(page, "conferma-presa-in-carico-prenotazione")
    page.get_by_label("Codice di autorizzazione").fill("AUT-2026-0042")
    page.get_by_label("Valida dal").fill((day + dt.timedelta(days=1)).isoformat())
    page.get_by_label("Valida fino al").fill((day + dt.timedelta(days=30)).isoformat())
    page.get_by_label("Importo a carico del socio").fill("15,50")
    page.get_by_role("button", name="Prendi in carico").click()
    expect(page.locator("#id_valid_from-error")).to_contain_text(
        "La validità deve comprendere il giorno della prestazione"
    )
    take_expected_problem(browser_problems, r"(HTTP 400 POST |console error from ).*/prendi-in-carico/")
    check_page(page, "presa-in-carico-errore")
    page.get_by_label("Valida dal").fill(day.isoformat())
    page.get_by_role("button", name="Prendi in carico").click()
    expect(
        page.get_by_text(f"Prenotazione n. {booking.pk} presa in carico: il socio è stato avvisato.")
    ).to_be_visible()
    expect(page.get_by_test_id("autorizzazione")).to_contain_text("AUT-2026-0042")
    check_page(page, "prenotazione-presa-in-carico")
    page.set_viewport_size(PHONE)
    check_page(page, "prenotazione-presa-in-carico-telefono")

    # The member, in another browser: the code, the validity and what is left to pay on the booking page.
    member_context = browser.new_context(locale="it-IT")
    watch_context(member_context, browser_problems)
    mpage = member_context.new_page()
    sign_in(mpage, base_url_live, "12345")
    mpage.goto(base_url_live + booking_url(booking))
    box = mpage.get_by_test_id("autorizzazione")
    expect(box).to_contain_text("AUT-2026-0042")
    expect(box).to_contain_text(f"dal {day:%d/%m/%Y} al {day + dt.timedelta(days=30):%d/%m/%Y}")
    expect(box).to_contain_text("€ 15,50")
    check_page(mpage, "socio-prenotazione-presa-in-carico")
    mpage.set_viewport_size(PHONE)
    check_page(mpage, "socio-prenotazione-presa-in-carico-telefono")

    # The supervisor, in a third browser: the operator's read in the audit log, searched by member code.
    sup_context = browser.new_context(locale="it-IT")
    watch_context(sup_context, browser_problems)
    spage = sup_context.new_page()
    staff_signs_in(spage, base_url_live, "supervisore.registro", supervisor_secret)
    spage.get_by_role("link", name="Registro degli accessi").click()
    expect(spage.get_by_role("heading", name="Registro degli accessi", level=1)).to_be_visible()
    check_page(spage, "registro-accessi")
    spage.get_by_label("Matricola del socio").fill("12345")
    spage.get_by_label("Azione").select_option(label="Consultazione di una prenotazione")
    spage.get_by_role("button", name="Cerca").click()
    rows = spage.get_by_test_id("evento")
    expect(rows.first).to_contain_text(f"Ha consultato la prenotazione n. {booking.pk}")
    expect(rows.first).to_contain_text("Olga Neri")
    expect(rows.first).to_contain_text("Mario Rossi")
    check_page(spage, "registro-accessi-risultati")
    spage.get_by_label("Matricola del socio").fill("abc")
    spage.get_by_role("button", name="Cerca").click()
    expect(spage.locator("#id_matricola-error")).to_have_text(re.compile("La matricola è fatta di sole cifre"))
    take_expected_problem(browser_problems, r"(HTTP 400 GET |console error from ).*/registro-accessi/")
    spage.set_viewport_size(PHONE)
    check_page(spage, "registro-accessi-errore-telefono")
    sup_context.close()

    # The member: "Accessi ai miei dati" on the profile, with the operator's name and role, not the username.
    mpage.goto(base_url_live + "/profilo/")
    accesses = mpage.get_by_test_id("accessi")
    expect(accesses).to_contain_text("Olga Neri")
    expect(accesses).to_contain_text("Operatore")
    expect(accesses).to_contain_text(f"Ha consultato la prenotazione n. {booking.pk}")
    expect(accesses).to_contain_text(f"Ha visualizzato la prescrizione della prenotazione n. {booking.pk}")
    expect(accesses).not_to_contain_text("operatore.prenotazioni")
    check_page(mpage, "socio-accessi-ai-miei-dati-telefono")
    member_context.close()

    booking.refresh_from_db()
    assert booking.status == BookingStatus.TAKEN and booking.authorization_code == "AUT-2026-0042"
    assert AuditEvent.objects.filter(action="backoffice.booking_view", member=member).exists()
    assert AuditEvent.objects.filter(action="audit.search").count() == 1


def booking_url(booking: Booking) -> str:
    from django.urls import reverse

    return reverse("portal:booking_detail", args=[booking.pk])
