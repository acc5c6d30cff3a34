"""Prenota: the guide's three steps in the browser for a family member, the summary window, the receipt, the request
in Lista pratiche and its cancellation; a date too close refused with the rule explained; the same without JavaScript.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from e2e.helpers import (
    check_page_without_scripts,
    open_menu,
    scriptless_twin,
    sign_in,
    take_expected_problem,
    watch_context,
)
from mutua.bookings.models import Booking, BookingStatus
from mutua.bookings.rules import earliest_appointment
from mutua.claims.tests.samples import pdf_bytes
from mutua.documents.tests.pdfread import page_texts
from mutua.members.models import Member
from mutua.providers.tests.factories import ProviderFactory

PHONE = {"width": 390, "height": 844}
DETAILS_SENT_BACK = r"^HTTP 400 POST .*/prenota/\d+/dati/$|/prenota/\d+/dati/: .*status of 400 \(Bad Request\)$"


@pytest.fixture
def providers(transactional_db):
    ProviderFactory(name="Centro Medico Mole", address="Via Po 1", city="Torino", province="TO", direct_form=True)
    ProviderFactory(name="Clinica Superga", address="Corso Casale 9", city="Torino", province="TO", direct_form=True)
    ProviderFactory(name="Studio non in forma diretta", city="Torino", province="TO", direct_form=False)
    ProviderFactory(name="Poliambulatorio Duomo", address="Via Larga 2", city="Milano", province="MI")


def appointment() -> dt.date:
    return earliest_appointment(timezone.localdate()) + dt.timedelta(days=10)


def fill_details(page: Page, *, person: str, day: dt.date, province: str, provider: str) -> None:
    page.get_by_label("Presa in carico di").select_option(label=person)
    page.get_by_label("Email").fill("prenotazioni@example.org")
    page.get_by_label("Telefono").fill("333 9876543")
    page.get_by_label("Data della prenotazione").fill(day.isoformat())
    page.get_by_label("Orario della prenotazione").fill("10:15")
    page.get_by_label("Provincia fornitore").select_option(label=province)
    page.get_by_label("Fornitore", exact=True).select_option(label=provider)


def test_prenotazione_per_un_familiare(
    page: Page, base_url_live: str, member: Member, providers, tmp_path: Path, check_page
) -> None:
    child = member.beneficiaries.get()
    person = f"{child.first_name} {child.last_name} ({child.get_relationship_display().lower()})"
    prescription = tmp_path / "impegnativa.pdf"
    prescription.write_bytes(pdf_bytes("Impegnativa"))
    day = appointment()

    sign_in(page, base_url_live, member.code)
    open_menu(page, "Prenota")
    expect(page.get_by_role("heading", name="Prenota", level=1)).to_be_visible()
    expect(page.get_by_text("Istruzioni sul servizio di prenotazione")).to_be_visible()
    check_page(page, "istruzioni")
    page.get_by_role("button", name="Inizia la prenotazione").click()
    expect(page).to_have_url(re.compile(r"/prenota/\d+/$"))
    expect(page.get_by_label("Email")).to_have_value(member.email)  # from Dati anagrafici
    expect(page.get_by_test_id("prima-data")).to_contain_text(
        earliest_appointment(timezone.localdate()).strftime("%d/%m/%Y")
    )
    # The second list follows the first without reloading: only direct-form providers of Torino.
    expect(page.get_by_role("button", name="Aggiorna l'elenco dei fornitori")).to_be_hidden()
    page.get_by_label("Provincia fornitore").select_option(label="Torino (TO)")
    options = page.get_by_label("Fornitore", exact=True).locator("option")
    expect(options).to_have_count(3)
    expect(options.nth(1)).to_have_text("Centro Medico Mole – Via Po 1, Torino")
    check_page(page, "dati-preliminari")

    fill_details(
        page, person=person, day=day, province="Torino (TO)", provider="Clinica Superga – Corso Casale 9, Torino"
    )
    page.get_by_label("Note").fill("Ingresso B")
    page.get_by_role("button", name="Salva i dati preliminari").click()
    expect(page.get_by_text("Dati preliminari salvati.")).to_be_visible()

    page.get_by_label("Tipo di visita").select_option(label="Visita specialistica")
    page.get_by_label("Descrizione").fill("Visita ortopedica")
    page.get_by_label("Diagnosi").fill("Distorsione alla caviglia")
    page.get_by_label("Scansione del documento").set_input_files(str(prescription))
    page.get_by_role("button", name="Carica documento").click()
    expect(page.get_by_text("Documento caricato")).to_be_visible()
    documents = page.get_by_test_id("documenti")
    expect(documents).to_contain_text("Visita specialistica")
    expect(documents).to_contain_text("impegnativa.pdf")
    check_page(page, "documento-caricato")

    # "Invia prenotazione" opens the summary window; "Annulla" closes it, "Invio prenotazione" sends.
    page.get_by_role("link", name="Invia prenotazione").click()
    summary = page.get_by_role("dialog", name="Riepilogo della prenotazione")
    expect(summary).to_be_visible()
    expect(summary.get_by_test_id("riepilogo-persona")).to_have_text(f"{child.first_name} {child.last_name}")
    expect(summary.get_by_test_id("riepilogo-data")).to_have_text(f"{day:%d/%m/%Y} 10:15")
    expect(summary.get_by_test_id("riepilogo-fornitore")).to_contain_text("Clinica Superga")
    check_page(page, "riepilogo")
    summary.get_by_role("link", name="Annulla").click()
    expect(summary).to_be_hidden()
    assert Booking.objects.get().status == BookingStatus.DRAFT
    page.get_by_role("link", name="Invia prenotazione").click()
    summary.get_by_role("button", name="Invio prenotazione").dblclick()
    expect(page.get_by_role("heading", name=re.compile(r"^Prenotazione n\. \d+$"), level=1)).to_be_visible()
    booking = Booking.objects.get()
    assert booking.status == BookingStatus.SUBMITTED and booking.beneficiary == child
    expect(page.get_by_text(f"Prenotazione n. {booking.pk} inviata.")).to_be_visible()
    expect(page.locator("main [data-status]")).to_have_text("Inviata")
    check_page(page, "inviata")

    with page.expect_download(timeout=60_000) as download_info:  # a loaded 2-core machine can be slow
        page.get_by_role("link", name="Scarica la ricevuta (PDF)").click()
    assert download_info.value.suggested_filename == f"ricevuta-prenotazione-{booking.pk}.pdf"
    [text] = page_texts(Path(download_info.value.path()).read_bytes())
    assert f"{child.first_name} {child.last_name}" in text and "Clinica Superga" in text and f"{day:%d/%m/%Y}" in text

    open_menu(page, "Lista pratiche")
    row = page.get_by_test_id("prenotazione")
    expect(row).to_have_count(1)
    expect(row.locator("td")).to_have_text(
        [
            str(booking.pk),
            timezone.localtime(booking.submitted_at).strftime("%d/%m/%Y"),
            "Forma diretta",
            "Inviata",
            f"{day:%d/%m/%Y} 10:15",
            "Clinica Superga",
            f"{child.first_name} {child.last_name}",
        ]
    )
    check_page(page, "lista-pratiche")
    row.get_by_role("link", name=str(booking.pk)).click()
    page.get_by_role("link", name="Annulla la prenotazione").click()
    check_page(page, "conferma-annullamento")
    page.get_by_role("button", name="Annulla la prenotazione").click()
    expect(page.locator("main [data-status]")).to_have_text("Annullata")
    expect(page.get_by_role("link", name="Annulla la prenotazione")).to_have_count(0)
    assert Booking.objects.get().status == BookingStatus.CANCELLED

    page.set_viewport_size(PHONE)
    open_menu(page, "Prenota")
    page.get_by_role("button", name="Inizia la prenotazione").click()
    check_page(page, "telefono")


def test_data_troppo_vicina(
    page: Page, base_url_live: str, member: Member, providers, browser_problems, check_page
) -> None:
    earliest = earliest_appointment(timezone.localdate())
    sign_in(page, base_url_live, member.code)
    open_menu(page, "Prenota")
    page.get_by_role("button", name="Inizia la prenotazione").click()
    fill_details(
        page,
        person=f"{member.full_name} (socio)",
        day=earliest - dt.timedelta(days=1),
        province="Torino (TO)",
        provider="Centro Medico Mole – Via Po 1, Torino",
    )
    page.get_by_role("button", name="Salva i dati preliminari").click()
    error = page.locator("#id_appointment_date-error")
    expect(error).to_contain_text("almeno due giorni lavorativi prima")
    expect(error).to_contain_text(f"la prima data possibile è il {earliest:%d/%m/%Y}")
    expect(page.get_by_label("Note")).to_have_value("")
    take_expected_problem(browser_problems, DETAILS_SENT_BACK)
    check_page(page, "data-troppo-vicina")
    assert Booking.objects.get().appointment_date is None


def test_senza_javascript(new_context, base_url_live: str, member: Member, providers, browser_problems, check_page):
    ctx = new_context(java_script_enabled=False)
    watch_context(ctx, browser_problems)
    page = ctx.new_page()
    twin = scriptless_twin(new_context(), browser_problems)
    sign_in(page, base_url_live, member.code)
    open_menu(page, "Prenota")
    page.get_by_role("button", name="Inizia la prenotazione").click()
    page.get_by_label("Provincia fornitore").select_option(label="Torino (TO)")
    page.get_by_label("Note").fill("Portare referti")
    page.get_by_role("button", name="Aggiorna l'elenco dei fornitori").click()
    options = page.get_by_label("Fornitore", exact=True).locator("option")
    expect(options).to_have_count(3)
    expect(page.get_by_label("Note")).to_have_value("Portare referti")
    check_page_without_scripts(check_page, twin, page, "senza-js-fornitori")
    fill_details(
        page,
        person=f"{member.full_name} (socio)",
        day=appointment(),
        province="Torino (TO)",
        provider="Centro Medico Mole – Via Po 1, Torino",
    )
    page.get_by_role("button", name="Salva i dati preliminari").click()
    page.get_by_label("Tipo di visita").select_option(label="Analisi di laboratorio")
    page.get_by_label("Descrizione").fill("Esami del sangue")
    page.get_by_label("Diagnosi").fill("Controllo annuale")
    page.get_by_role("button", name="Carica documento").click()
    page.get_by_role("link", name="Invia prenotazione").click()
    expect(page).to_have_url(re.compile(r"/prenota/\d+/invia/$"))
    check_page_without_scripts(check_page, twin, page, "senza-js-riepilogo")
    page.get_by_role("button", name="Invio prenotazione").click()
    expect(page.locator("main [data-status]")).to_have_text("Inviata")
    assert Booking.objects.get().status == BookingStatus.SUBMITTED
