"""Fornitori convenzionati: the map with its markers and clusters, "Cerca" by name, the category buttons, the list of
results behind the count, "Azzera filtri", and the same search as a paginated list with JavaScript off.

Map tiles are never fetched: the tile URL setting is empty here, so the map is drawn on a blank background."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from e2e.helpers import check_page_without_scripts, open_menu, scriptless_twin, sign_in, watch_context
from mutua.members.models import Member
from mutua.providers.tests.factories import CategoryFactory, ProviderFactory

PHONE = {"width": 390, "height": 844}


@pytest.fixture(autouse=True)
def _no_tiles(settings):
    settings.MUTUA_MAP_TILE_URL = ""


@pytest.fixture
def directory(transactional_db):
    analisi = CategoryFactory(slug="analisi", name="Analisi")
    denti = CategoryFactory(slug="odontoiatria", name="Odontoiatria")
    fisio = CategoryFactory(slug="fisioterapia", name="Fisioterapia")
    CategoryFactory(slug="alta-diagnostica", name="Alta diagnostica")
    ProviderFactory(
        name="Poliambulatorio Città Studi", address="Via Pascoli 10", categories=[analisi, fisio], phone="02 555111"
    )
    ProviderFactory(
        name="Studio Dentistico Ricci",
        address="Corso Buenos Aires 3",
        latitude=Decimal("45.478"),
        longitude=Decimal("9.210"),
        categories=[denti],
        direct_form=False,
    )
    ProviderFactory(
        name="Laboratorio Analisi Nicolò",
        address="Via Nazionale 5",
        city="Roma",
        province="RM",
        latitude=Decimal("41.9009"),
        longitude=Decimal("12.4923"),
        categories=[analisi],
    )
    ProviderFactory(
        name="Centro di Fisioterapia Gallura",
        address="Via Roma 2",
        city="Olbia",
        province="OT",
        latitude=Decimal("40.9235"),
        longitude=Decimal("9.4963"),
        categories=[fisio],
    )


def count(page: Page):
    return page.get_by_test_id("conteggio")


def results(page: Page):
    return page.get_by_test_id("lista-risultati").get_by_test_id("struttura")


def test_mappa_ricerca_e_categorie(page: Page, base_url_live: str, member: Member, directory, check_page) -> None:
    sign_in(page, base_url_live, member.code)
    open_menu(page, "Fornitori convenzionati")
    expect(page.get_by_role("heading", name="Fornitori convenzionati", level=1)).to_be_visible()
    map_box = page.get_by_role("region", name="Mappa delle strutture convenzionate")
    expect(map_box).to_be_visible()
    expect(count(page)).to_have_text("4 risultati")
    expect(page.locator(".leaflet-tile")).to_have_count(0)  # no tiles from the internet
    check_page(page, "mappa")

    # "Cerca" by part of the name, accents ignored, with Enter: the count, then its list, then the marker's details.
    page.get_by_label("Cerca", exact=True).fill("citta stu")
    page.get_by_label("Cerca", exact=True).press("Enter")
    expect(count(page)).to_have_text("1 risultato")
    expect(page).to_have_url(re.compile(r"/fornitori/\?q=citta\+stu$"))
    expect(page.get_by_test_id("lista-risultati")).to_be_hidden()
    count(page).click()
    expect(results(page)).to_have_count(1)
    expect(results(page).first).to_contain_text("Via Pascoli 10, Milano (MI)")
    results(page).first.get_by_role("button", name="Poliambulatorio Città Studi").click()
    popup = page.get_by_test_id("dettaglio-struttura")
    expect(popup).to_be_visible()
    expect(popup).to_contain_text("Poliambulatorio Città Studi")
    expect(popup).to_contain_text("Telefono: 02 555111")
    expect(popup).to_contain_text("Categorie: Analisi, Fisioterapia")
    expect(popup).to_contain_text("Forma diretta disponibile")
    check_page(page, "ricerca-per-nome")

    # The magnifier does the same; a marker opens its details when clicked on the map.
    page.get_by_label("Cerca", exact=True).fill("RICCI")
    page.get_by_test_id("cerca").click()
    expect(count(page)).to_have_text("1 risultato")
    page.locator('.leaflet-marker-icon[title="Studio Dentistico Ricci"]').click()
    expect(popup).to_contain_text("Forma diretta non disponibile")
    expect(popup).to_contain_text("Corso Buenos Aires 3, Milano (MI)")

    # "Azzera filtri" above the field clears the text.
    page.get_by_role("link", name="Azzera filtri della ricerca per nome").click()
    expect(page.get_by_label("Cerca", exact=True)).to_have_value("")
    expect(count(page)).to_have_text("4 risultati")

    # Category buttons turn blue and combine.
    denti = page.get_by_text("Odontoiatria", exact=True)
    before = denti.evaluate("e => getComputedStyle(e).backgroundColor")
    denti.click()
    expect(page.get_by_role("checkbox", name="Odontoiatria")).to_be_checked()
    expect(count(page)).to_have_text("1 risultato")
    assert before != "rgb(0, 102, 204)"
    expect(denti).to_have_css("background-color", "rgb(0, 102, 204)")  # blue once chosen
    page.get_by_text("Fisioterapia", exact=True).click()
    expect(count(page)).to_have_text("3 risultati")
    expect(results(page)).to_have_count(3)
    check_page(page, "ricerca-per-categoria")
    page.get_by_label("Cerca", exact=True).fill("gallura")
    page.get_by_label("Cerca", exact=True).press("Enter")
    expect(count(page)).to_have_text("1 risultato")

    # "Azzera filtri" above the buttons clears the categories only.
    page.get_by_role("link", name="Azzera filtri delle categorie").click()
    expect(page.get_by_role("checkbox", name="Odontoiatria")).not_to_be_checked()
    expect(page.get_by_label("Cerca", exact=True)).to_have_value("gallura")
    expect(count(page)).to_have_text("1 risultato")

    page.set_viewport_size(PHONE)
    page.goto(base_url_live + "/fornitori/?categoria=analisi")
    expect(count(page)).to_have_text("2 risultati")
    expect(page.get_by_role("checkbox", name="Analisi")).to_be_checked()
    check_page(page, "telefono")


def test_senza_javascript(new_context, base_url_live: str, member: Member, directory, browser_problems, check_page):
    ctx = new_context(java_script_enabled=False)
    watch_context(ctx, browser_problems)
    page = ctx.new_page()
    twin = scriptless_twin(new_context(), browser_problems)
    sign_in(page, base_url_live, member.code)
    open_menu(page, "Fornitori convenzionati")
    expect(page.locator("#mappa")).to_be_hidden()
    expect(count(page)).to_have_text("4 risultati")
    expect(page.get_by_test_id("struttura")).to_have_count(4)
    page.get_by_label("Cerca", exact=True).fill("nicolo")
    page.get_by_test_id("cerca").click()
    expect(count(page)).to_have_text("1 risultato")
    expect(page.get_by_test_id("struttura")).to_contain_text("Laboratorio Analisi Nicolò")
    check_page_without_scripts(check_page, twin, page, "senza-js-nome")
    page.get_by_label("Cerca", exact=True).fill("")
    search = page.get_by_role("search", name="Ricerca delle strutture convenzionate")
    search.get_by_text("Odontoiatria", exact=True).click()
    search.get_by_text("Analisi", exact=True).click()
    page.get_by_role("button", name="Mostra i risultati").click()
    expect(count(page)).to_have_text("3 risultati")
    check_page_without_scripts(check_page, twin, page, "senza-js-categorie")
    page.get_by_role("link", name="Azzera filtri delle categorie").click()
    expect(count(page)).to_have_text("4 risultati")
